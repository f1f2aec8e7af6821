import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { AiPool, type AiPoolOptions } from '../../ai/pool';
import { EXECUTION_PROVIDERS } from '../../ai/protocol';
import { errorScope } from '../../http/family';
import { DataEnvelope } from '../../http/envelopes';
import { systemDialect } from '../../http/system-dialect';

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs AI tasks in worker threads; see src-server/ai/README.md. */
    ai: AiPool;
  }
}

const Provider = Type.Enum([...EXECUTION_PROVIDERS]);

const AiStatusSchema = Type.Object({
  providers: Type.Object({
    available: Type.Array(Provider, { description: 'Execution providers this machine can run, best first' }),
    preferred: Provider,
    forced: Type.Boolean({ description: 'Whether ATELIER_EXECUTION_PROVIDER chose the preferred provider' }),
  }),
  workers: Type.Array(
    Type.Object({
      capability: Type.String(),
      state: Type.Union([Type.Literal('stopped'), Type.Literal('idle'), Type.Literal('busy')]),
      thread_id: Type.Union([Type.Integer(), Type.Null()]),
      queued: Type.Integer(),
      restarts: Type.Integer(),
    }),
  ),
  sessions: Type.Array(
    Type.Object({
      model: Type.String(),
      provider: Provider,
      requested: Provider,
      fallback_reason: Type.Union([Type.String(), Type.Null()]),
      capability: Type.String(),
      load_ms: Type.Number(),
    }),
  ),
});

/** `app.ai`: the AI worker pool. Workers start with the first request and stop with the server. */
export default fp<{ pool?: AiPoolOptions }>(
  async (app, opts) => {
    const pool = new AiPool({ log: app.log, ...opts.pool });
    app.decorate('ai', pool);
    app.addHook('onClose', () => pool.close());

    await app.register(
      errorScope(systemDialect, async (family) => {
        family.get(
          '/system/ai',
          {
            schema: {
              tags: ['system'],
              summary: 'Execution providers, AI workers and loaded models (loopback only)',
              response: { 200: DataEnvelope(AiStatusSchema) },
            },
          },
          async () => {
            const s = pool.status();
            return {
              success: true as const,
              data: {
                providers: { available: s.providers.available, preferred: s.providers.preferred, forced: s.providers.forced },
                workers: s.workers.map((w) => ({
                  capability: w.capability,
                  state: w.state,
                  thread_id: w.threadId,
                  queued: w.queued,
                  restarts: w.restarts,
                })),
                sessions: s.sessions.map((x) => ({
                  model: x.model,
                  provider: x.provider,
                  requested: x.requested,
                  fallback_reason: x.fallbackReason ?? null,
                  capability: x.capability,
                  load_ms: Math.round(x.loadMs),
                })),
              },
            };
          },
        );
      }),
    );
  },
  { name: 'ai', dependencies: ['config'] },
);
