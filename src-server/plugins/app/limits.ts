import fp from 'fastify-plugin';
import { coreError } from '../../http/family';

export const MAX_TEXT_FIELD = 10_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Body fields that carry data rather than text (base64 images) and are exempt from the cap. */
    longFields?: readonly string[];
  }
}

function findLongText(value: unknown, path: string, exempt: ReadonlySet<string>, depth = 0): string | null {
  if (typeof value === 'string') return value.length > MAX_TEXT_FIELD && !exempt.has(path) ? path || 'body' : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const hit = findLongText(v, path ? `${path}.${k}` : k, exempt, depth + 1);
    if (hit) return hit;
  }
  return null;
}

/** Every family caps text fields at 10,000 characters (the stories spec states it; all follow). */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      if (!request.body || typeof request.body !== 'object' || Buffer.isBuffer(request.body)) return;
      const field = findLongText(request.body, '', new Set(request.routeOptions.config.longFields ?? []));
      if (field) {
        throw coreError(request.dialect, 'validation', `body.${field} must be at most ${MAX_TEXT_FIELD} characters`);
      }
    });
  },
  { name: 'limits' },
);
