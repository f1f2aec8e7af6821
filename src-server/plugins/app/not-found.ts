import fp from 'fastify-plugin';
import type { Dialect } from '../../http/dialect';
import { coreError, sendError } from '../../http/family';

/**
 * An unknown route answers 404 in the family whose part of the URL space it falls in; a path that
 * exists with other methods answers 405 with `Allow`, as the seed servers did.
 */
export default fp<{ dialectFor: (url: string) => Dialect }>(
  async (app, opts) => {
    app.setNotFoundHandler({ preHandler: app.rateLimit ? app.rateLimit() : undefined }, async (request, reply) => {
      const dialect = opts.dialectFor(request.url);
      const allowed = app.allowedMethods(request.url);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        reply.header('allow', allowed.join(', '));
        return sendError(
          reply,
          dialect,
          coreError(dialect, 'method_not_allowed', `${request.method} is not allowed here; use ${allowed.join(', ')}`),
        );
      }
      return sendError(reply, dialect, coreError(dialect, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
    });
  },
  { name: 'not-found', dependencies: ['methods'] },
);
