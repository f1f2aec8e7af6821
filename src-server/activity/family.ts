import { Type } from 'typebox';
import { userNames } from '../db/user-names';
import { DataEnvelope } from '../http/envelopes';
import { defineFamily } from '../http/family';
import { JobStatusSchema, Nullable } from '../http/schemas';
import { systemDialect } from '../http/system-dialect';
import { AppError } from '../http/errors';
import { currentUser, requireUser } from '../plugins/app/auth';
import { isOwnerRequest } from '../plugins/app/owner';
import type { JobSnapshot } from '../jobs/queue';

const tags = ['activity'];
const security = [{ bearerAuth: [] }];

/** What a LAN peer sees of someone else's job ahead of theirs: never a name. */
export const ANOTHER_LISTENER = 'another listener';

const Ahead = Type.Object({
  who: Type.String({ description: `"you", the account's name (for this computer's owner), or "${ANOTHER_LISTENER}" (for LAN peers)` }),
  yours: Type.Boolean(),
  kind: Type.String(),
  running: Type.Boolean({ description: 'The job running now; the others wait, in the order they will start' }),
});

const ActivityJob = Type.Object({
  id: Type.String(),
  kind: Type.String({
    description: 'canvas.generate, studio.compose, studio.cover, stories.write, promo.workflow, system.model-install...',
  }),
  variant: Nullable(
    Type.String({ description: 'What the kind did this time, where it does several: "generate" or "upscale" for canvas.generate' }),
  ),
  status: JobStatusSchema,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  stage: Nullable(Type.String()),
  message: Nullable(Type.String()),
  position: Nullable(Type.Integer({ description: '1 for the next job of its lane to start; null unless queued' })),
  estimated_wait_seconds: Nullable(Type.Integer({ description: 'Until it should start; null when unknown or not queued' })),
  estimated_remaining_seconds: Nullable(Type.Integer({ description: 'While processing: until it should end; null when unknown' })),
  ahead: Type.Array(Ahead, { description: 'Queued jobs only: whose jobs run before this one' }),
  result: Type.Unknown({ description: "The job's result as its kind stores it (ids and keys of what it made); null until completed" }),
  error: Nullable(Type.String()),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
});

const ListQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('finished'), Type.Literal('all')], { default: 'all' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

const variantOf = (payload: unknown): string | null => {
  const kind = typeof payload === 'object' && payload !== null ? (payload as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' ? kind : null;
};

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const errorBody = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/**
 * /activity: the caller's own jobs of every kind, for the jobs drawer. Reachable by LAN peers
 * (their own jobs only); the owner's view of everyone's jobs stays in /system/queue.
 */
export default defineFamily({
  dialect: systemDialect,
  prefixes: ['/activity'],
  dependencies: ['auth', 'jobs'],
  services: () => ({}),
  async routes(app) {
    const signedIn = requireUser();

    const view = (job: JobSnapshot, callerId: string, owner: boolean) => {
      const ahead = app.jobs.ahead(job.id);
      const names = owner
        ? userNames(app.db, [...new Set(ahead.flatMap((a) => (a.ownerId && a.ownerId !== callerId ? [a.ownerId] : [])))])
        : null;
      return {
        id: job.id,
        kind: job.kind,
        variant: variantOf(app.jobs.get(job.id)?.payload),
        status: job.status,
        progress: job.progress,
        stage: job.stage,
        message: job.message,
        position: job.position,
        estimated_wait_seconds: job.estimatedWaitSeconds,
        estimated_remaining_seconds: job.estimatedRemainingSeconds ?? null,
        ahead: ahead.map((a) => {
          const yours = a.ownerId === callerId;
          const who = yours ? 'you' : names ? (a.ownerId ? (names.get(a.ownerId) ?? ANOTHER_LISTENER) : 'Atelier') : ANOTHER_LISTENER;
          return { who, yours, kind: a.kind, running: a.running };
        }),
        result: job.result ?? null,
        error: job.error,
        created_at: job.createdAt,
        started_at: job.startedAt,
        finished_at: job.finishedAt,
      };
    };

    app.get(
      '/activity/jobs',
      {
        onRequest: signedIn,
        schema: {
          tags,
          security,
          summary: "The caller's jobs of every kind, newest first, with whose jobs run ahead of the queued ones",
          description:
            'For this computer\'s owner the jobs ahead are named; a LAN peer sees its own as "you" and everyone else\'s as "another listener".',
          querystring: ListQuery,
          response: { 200: DataEnvelope(Type.Object({ jobs: Type.Array(ActivityJob) })), 401: errorBody },
        },
      },
      async (request) => {
        const user = currentUser(request);
        const status = request.query.status ?? 'all';
        const jobs = app.jobs.list({
          ownerId: user.id,
          limit: request.query.limit ?? 50,
          ...(status === 'open'
            ? { status: ['queued', 'processing'] as const }
            : status === 'finished'
              ? { status: ['completed', 'failed', 'cancelled'] as const }
              : {}),
        } as Parameters<typeof app.jobs.list>[0]);
        const owner = isOwnerRequest(request);
        return { success: true as const, data: { jobs: jobs.map((j) => view(app.jobs.snapshot(j.id) ?? j, user.id, owner)) } };
      },
    );

    app.post(
      '/activity/jobs/:id/cancel',
      {
        onRequest: signedIn,
        schema: {
          tags,
          security,
          summary: 'Cancel one of your own queued or running jobs; a finished job stays as it is',
          params: IdParams,
          response: { 200: DataEnvelope(Type.Object({ id: Type.String(), status: Type.String() })), 401: errorBody, 404: errorBody },
        },
      },
      async (request) => {
        const user = currentUser(request);
        const job = app.jobs.snapshot(request.params.id);
        // Someone else's job is as unknown as a job that does not exist.
        if (!job || job.ownerId !== user.id) throw new AppError(404, 'JOB_NOT_FOUND', 'No such job');
        const after = app.jobs.cancel(job.id, 'Cancelled');
        return { success: true as const, data: { id: job.id, status: after?.status ?? job.status } };
      },
    );
  },
});
