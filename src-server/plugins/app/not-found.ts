import fp from 'fastify-plugin';
import type { Dialect } from '../../http/dialect';
import { coreError, sendError } from '../../http/family';
import { studioDialect } from '../../families/studio/dialect';
import { promoDialect } from '../../families/promo/dialect';
import { storiesDialect } from '../../families/stories/dialect';
import { stageDialect } from '../../families/stage/dialect';
import { canvasDialect } from '../../families/canvas/dialect';
import { systemDialect } from '../../system/dialect';

/** Which family owns a path, by the mount table in shared/API-MAP.md. */
export function dialectForPath(url: string): Dialect {
  const path = url.split('?')[0] ?? url;
  if (/^\/api\/v1\/(stories|auth\/token)(\/|$)/.test(path) || /^\/(wss|ws)\/v1\//.test(path)) return storiesDialect;
  if (/^\/api\/v1(\/|$)/.test(path)) return canvasDialect;
  if (/^\/api\/(audio|accessory-presets|models|concert|auth)(\/|$)/.test(path) || path.startsWith('/health/resource')) return stageDialect;
  if (/^\/api(\/|$)/.test(path)) return studioDialect;
  if (/^\/(system|files)(\/|$)/.test(path)) return systemDialect;
  return promoDialect;
}

/** An unknown route answers 404 in the family whose part of the URL space it falls in. */
export default fp(
  async (app) => {
    app.setNotFoundHandler(
      { preHandler: app.rateLimit ? app.rateLimit() : undefined },
      async (request, reply) => {
        const dialect = dialectForPath(request.url);
        return sendError(reply, dialect, coreError(dialect, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
      },
    );
  },
  { name: 'not-found' },
);
