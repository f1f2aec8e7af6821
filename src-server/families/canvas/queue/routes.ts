import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import type { Job, JobStatus } from '../../../jobs/queue';
import { JOB_STATUSES } from '../../../db/schema';
import { Envelope, Nullable, PageQuery, PagedEnvelope, errorResponses, ok, pageOf, paged, security, signedIn } from '../http';
import { notFound, notYours, errors } from '../errors';
import type { CreditService } from '../credits/service';
import type { ImageService } from '../images/service';
import { imageViews } from '../images/views';
import { GENERATE_JOB, type GeneratePayload, type GenerateResult } from '../generate/service';
import { QueueItem as Item } from '../../../../src-shared/api/canvas';

const tags = ['canvas'];

const JobParams = Type.Object({ job_id: Type.String({ format: 'uuid', description: 'The `job_id` a generation request answered' }) });

const Status = Type.Object({
  active_jobs: Type.Integer({ description: 'Your jobs running now' }),
  queued_jobs: Type.Integer({ description: 'Your jobs waiting' }),
  completed_today: Type.Integer({ description: 'Your jobs completed since 00:00 UTC' }),
  processing: Type.Array(
    Type.Object({
      job_id: Type.String(),
      status: Type.Literal('processing'),
      progress: Type.Integer(),
      started_at: Nullable(Type.String()),
    }),
  ),
  queued: Type.Array(
    Type.Object({ job_id: Type.String(), status: Type.Literal('queued'), position: Type.Integer(), queued_at: Type.String() }),
  ),
});

const ItemsQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...JOB_STATUSES], { description: 'queued, processing, completed, failed or cancelled' })),
    ...PageQuery(100),
  },
  { additionalProperties: false },
);

const percent = (p: number) => Math.round(p * 100);

/** /queue/**: the caller's generation jobs, read from the durable queue. */
export async function queueRoutes(app: FamilyApp, credits: CreditService, images: ImageService): Promise<void> {
  const owned = (request: FastifyRequest, id: string): Job<GeneratePayload, GenerateResult> => {
    const job = app.jobs.get<GeneratePayload, GenerateResult>(id);
    if (!job || job.kind !== GENERATE_JOB) throw notFound('Job');
    if (job.ownerId !== currentUser(request).id) throw notYours('job');
    return job;
  };

  const itemView = (request: FastifyRequest, job: Job<GeneratePayload, GenerateResult>) => {
    const gen = credits.generation(job.id);
    const views = imageViews(app.urlSigner, request, images);
    const rows = (job.result?.image_ids ?? []).map((id) => images.get(id)).filter((r) => r !== null);
    const made = rows.map((r) => {
      const v = views.summary(r);
      return {
        image_id: r.id,
        image_url: v.full_url,
        thumbnail_url: v.thumbnail_url,
        seed: typeof r.metadata.seed === 'number' ? r.metadata.seed : null,
      };
    });
    return {
      job_id: job.id,
      status: job.status,
      job_type: job.payload.kind,
      params: job.payload.params,
      progress: percent(job.progress),
      position: job.position,
      estimated_credits: gen?.reserved ?? 0,
      credits_used: gen?.creditsUsed ?? 0,
      result:
        job.status === 'completed' && job.result
          ? {
              image_id: made[0]?.image_id ?? null,
              image_url: made[0]?.image_url ?? null,
              images: made,
              compute_seconds: job.result.compute_seconds,
              provider: job.result.provider,
            }
          : null,
      error:
        job.error !== null && job.status !== 'completed'
          ? { code: job.errorCode, message: job.error }
          : job.status === 'cancelled'
            ? { code: 'CANCELLED', message: 'Cancelled' }
            : null,
      queued_at: job.createdAt,
      started_at: job.startedAt,
      completed_at: job.finishedAt,
    };
  };

  app.get(
    '/api/v1/queue/status',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your queue at a glance (큐 상태 조회)',
        response: { 200: Envelope(Status), ...errorResponses([]) },
      },
    },
    async (request) => {
      const ownerId = currentUser(request).id;
      const filter = { ownerId, kind: GENERATE_JOB };
      const open = app.jobs.list({ ...filter, status: ['queued', 'processing'], order: 'oldest', limit: 500 });
      const midnight = new Date(app.clock.now());
      midnight.setUTCHours(0, 0, 0, 0);
      const processing = open.filter((j) => j.status === 'processing');
      const queued = open.filter((j) => j.status === 'queued');
      return ok({
        active_jobs: processing.length,
        queued_jobs: queued.length,
        completed_today: app.jobs.count({ ...filter, status: 'completed', finishedAfter: midnight.getTime() }),
        processing: processing.map((j) => ({
          job_id: j.id,
          status: 'processing' as const,
          progress: percent(j.progress),
          started_at: j.startedAt,
        })),
        queued: queued.map((j) => ({ job_id: j.id, status: 'queued' as const, position: j.position ?? 0, queued_at: j.createdAt })),
      });
    },
  );

  app.get(
    '/api/v1/queue/items',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your generation jobs, newest first (큐 아이템 목록)',
        querystring: ItemsQuery,
        response: { 200: PagedEnvelope(Type.Array(Item)), ...errorResponses(['validation']) },
      },
    },
    async (request) => {
      const { page, perPage, offset } = pageOf(request.query);
      const filter = { ownerId: currentUser(request).id, kind: GENERATE_JOB, status: request.query.status as JobStatus | undefined };
      const rows = app.jobs.list({ ...filter, limit: perPage, offset }) as Job<GeneratePayload, GenerateResult>[];
      return paged(
        rows.map((j) => itemView(request, j)),
        { page, per_page: perPage, total: app.jobs.count(filter) },
      );
    },
  );

  app.get(
    '/api/v1/queue/items/:job_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'One generation job (작업 상세 조회)',
        params: JobParams,
        response: {
          200: Envelope(Item),
          ...errorResponses(['validation: not a job id', "FORBIDDEN: another account's job", 'NOT_FOUND']),
        },
      },
    },
    async (request) => ok(itemView(request, owned(request, request.params.job_id))),
  );

  app.delete(
    '/api/v1/queue/items/:job_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Cancel a queued or running job; its held credits come back (작업 취소)',
        params: JobParams,
        response: {
          200: Envelope(Type.Object({ job_id: Type.String(), status: Type.Literal('cancelled'), credits_refunded: Type.Integer() })),
          ...errorResponses([
            'validation',
            'FORBIDDEN',
            'NOT_FOUND',
            'JOB_ALREADY_FINISHED: it completed, failed or was cancelled already',
          ]),
        },
      },
    },
    async (request) => {
      const job = owned(request, request.params.job_id);
      if (job.status !== 'queued' && job.status !== 'processing') {
        throw errors.error('JOB_ALREADY_FINISHED', `The job is ${job.status} already`, { status: job.status });
      }
      const after = app.jobs.cancel(job.id, 'Cancelled by its owner');
      if (after?.status !== 'cancelled') throw errors.error('JOB_ALREADY_FINISHED', `The job is ${after?.status ?? 'gone'} already`);
      // The queue's cancel event released the hold synchronously; what it released is the refund.
      credits.release(job.id);
      const gen = credits.generation(job.id);
      return ok({ job_id: job.id, status: 'cancelled' as const, credits_refunded: gen?.reservation === 'refunded' ? gen.reserved : 0 });
    },
  );
}
