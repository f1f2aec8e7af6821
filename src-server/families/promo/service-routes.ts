import { Type } from 'typebox';
import { sql } from 'drizzle-orm';
import type { FamilyApp } from '../../http/family';

const VERSION = '0.1.0';

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
          'Atelier keeps its queue in SQLite and runs jobs in-process, so `redis` reports "not_used" and `celery` reports the in-process job runner ("running", "idle" before start-up, "stopping").',
        response: {
          200: Type.Object({ status: Type.String(), database: Type.String(), redis: Type.String(), celery: Type.String() }),
          503: Type.Object({ status: Type.String(), database: Type.String(), redis: Type.String(), celery: Type.String() }),
        },
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
      const healthy = database === 'connected' && runner === 'running';
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? 'healthy' : 'unhealthy',
        database,
        redis: 'not_used',
        celery: runner,
      });
    },
  );
}
