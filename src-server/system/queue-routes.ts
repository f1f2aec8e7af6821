import { Type } from 'typebox';
import { Nullable } from '../http/schemas';
import { userNames } from '../db/user-names';
import type { FamilyApp } from '../http/family';
import { DataEnvelope } from '../http/envelopes';
import { AppError } from '../http/errors';
import type { JobSnapshot } from '../jobs/queue';
import { QueueSharing as Sharing, QueueView } from '../../src-shared/api/system';

const tags = ['system'];

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * /system/queue and /system/jobs: the owner's view of every lane (whose jobs run and wait, with
 * names), the sharing rules, and cancel or "run next" for anyone's job. Loopback only, as all of /system.
 */
export async function queueRoutes(app: FamilyApp): Promise<void> {
  const sharingView = () => {
    const s = app.queueSharing.get();
    return { owner_first: s.ownerFirst, peer_max_queued: s.peerMaxQueued, peer_daily_seconds: s.peerDailySeconds };
  };

  app.get(
    '/system/queue',
    {
      schema: {
        tags,
        summary: 'Every lane: the running job and the queued ones in the order they will start (loopback only)',
        response: { 200: DataEnvelope(QueueView) },
      },
    },
    async () => {
      const running = app.jobs.list({ status: 'processing', limit: 500 });
      const lanes = new Set([...running.map((j) => j.lane), ...app.jobs.list({ status: 'queued', limit: 500 }).map((j) => j.lane)]);
      const queued = [...lanes].sort().map((lane) => ({ lane, jobs: app.jobs.queuedInOrder(lane) }));
      const all: JobSnapshot[] = [...running, ...queued.flatMap((l) => l.jobs)];
      const names = userNames(app.db, [...new Set(all.flatMap((j) => (j.ownerId ? [j.ownerId] : [])))]);
      const fromOwner = new Map(app.jobs.fromOwner(all.map((j) => j.id)));
      const view = (j: JobSnapshot) => ({
        id: j.id,
        kind: j.kind,
        status: j.status,
        owner: j.ownerId ? { id: j.ownerId, name: names.get(j.ownerId) ?? '' } : null,
        from_owner: fromOwner.get(j.id) ?? true,
        position: j.position,
        estimated_wait_seconds: j.estimatedWaitSeconds,
      });
      return {
        success: true as const,
        data: {
          sharing: sharingView(),
          lanes: queued.map(({ lane, jobs }) => {
            const now = running.find((j) => j.lane === lane);
            return { lane, running: now ? view(now) : null, queued: jobs.map(view) };
          }),
        },
      };
    },
  );

  app.put(
    '/system/queue',
    {
      schema: {
        tags,
        summary: 'Set how the lanes are shared with LAN peers (loopback only)',
        description: 'Queued jobs are reordered at once and every affected job hears its new position.',
        body: Type.Object(
          {
            owner_first: Type.Optional(Sharing.properties.owner_first),
            peer_max_queued: Type.Optional(Sharing.properties.peer_max_queued),
            peer_daily_seconds: Type.Optional(Sharing.properties.peer_daily_seconds),
          },
          {
            additionalProperties: false,
          },
        ),
        response: { 200: DataEnvelope(Sharing) },
      },
    },
    async (request) => {
      const current = app.queueSharing.get();
      app.queueSharing.set({
        ownerFirst: request.body.owner_first ?? current.ownerFirst,
        peerMaxQueued: request.body.peer_max_queued === undefined ? current.peerMaxQueued : request.body.peer_max_queued,
        peerDailySeconds: request.body.peer_daily_seconds === undefined ? current.peerDailySeconds : request.body.peer_daily_seconds,
      });
      return { success: true as const, data: sharingView() };
    },
  );

  const JobMoved = DataEnvelope(Type.Object({ id: Type.String(), status: Type.String(), position: Nullable(Type.Integer()) }));
  const jobAction = (action: 'cancel' | 'promote' | 'up' | 'down', summary: string) =>
    app.post(
      `/system/jobs/:id/${action}`,
      { schema: { tags, summary, params: IdParams, response: { 200: JobMoved } } },
      async (request) => {
        const { id } = request.params;
        const job =
          action === 'cancel'
            ? app.jobs.cancel(id, 'Cancelled by the owner of this Atelier')
            : action === 'promote'
              ? app.jobs.promote(id)
              : app.jobs.move(id, action);
        if (!job) throw new AppError(404, 'JOB_NOT_FOUND', 'No such job');
        return { success: true as const, data: { id: job.id, status: job.status, position: job.position } };
      },
    );
  jobAction('cancel', "Cancel anyone's queued or running job (loopback only)");
  jobAction('promote', "Move anyone's queued job to the front of its lane (loopback only)");
  jobAction('up', "Move anyone's queued job one place earlier in its lane (loopback only); the first stays first");
  jobAction('down', "Move anyone's queued job one place later in its lane (loopback only); the last stays last");
}
