import { Type } from 'typebox';
import { sql } from 'drizzle-orm';
import type { FamilyApp } from '../../http/family';

const VERSION = '0.1.0';

const Health = Type.Object({
  status: Type.String(),
  database: Type.String(),
  redis: Type.String(),
  celery: Type.String(),
  queue: Type.Object({ queued: Type.Integer(), processing: Type.Integer() }),
  ai_workers: Type.String(),
});

/** `GET /` and `GET /health` exactly as the promo spec shows them. */
export async function promoServiceRoutes(app: FamilyApp): Promise<void> {
  app.get(
    '/',
    {
      schema: {
        tags: ['promo'],
        summary: 'Service information (browsers asking for HTML are sent to the web UI)',
        response: { 200: Type.Object({ message: Type.String(), version: Type.String(), docs: Type.String() }) },
      },
    },
    async (request, reply) => {
      const accept = request.headers.accept ?? '';
      if (accept.includes('text/html')) return reply.redirect('/app/', 302);
      return { message: 'Atelier: local-first AI creator studio API', version: VERSION, docs: '/docs' };
    },
  );

  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['promo'],
        summary: 'Health of the server and what it depends on',
        description:
          'Atelier keeps its queue in SQLite and runs jobs in-process, so `redis` reports "not_used" and `celery` reports the in-process job runner ("running", "idle" before start-up, "stopping"). ' +
          '`queue` counts the jobs waiting and running; `ai_workers` is "idle" until the first AI task starts a worker thread, then "running" (or "busy").',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      let database = 'connected';
      try {
        app.db.get(sql`select 1`);
      } catch {
        database = 'disconnected';
      }
      const runner = app.jobs.runState;
      const queue =
        database === 'connected'
          ? { queued: app.jobs.count({ status: 'queued' }), processing: app.jobs.count({ status: 'processing' }) }
          : { queued: 0, processing: 0 };
      const workers = app.ai.status().workers;
      const aiWorkers = workers.some((w) => w.state === 'busy') ? 'busy' : workers.some((w) => w.state === 'idle') ? 'running' : 'idle';
      const healthy = database === 'connected' && runner === 'running';
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'unhealthy',
        database,
        redis: 'not_used',
        celery: runner,
        queue,
        ai_workers: aiWorkers,
      });
    },
  );
}
