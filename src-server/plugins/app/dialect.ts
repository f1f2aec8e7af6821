import fp from 'fastify-plugin';
import type { Dialect } from '../../http/dialect';
import { logFailure, sendError, toAppError } from '../../http/family';

/**
 * Every request starts in the dialect its URL belongs to; a family's onRequest hook confirms its
 * own. Errors outside any family (docs, web UI, a hook failing early) still answer in a dialect.
 */
export default fp<{ dialectFor: (url: string) => Dialect; fallback: Dialect }>(
  async (app, opts) => {
    app.decorateRequest('dialect', null as never);
    app.addHook('onRequest', async (request) => {
      request.dialect = opts.dialectFor(request.url);
    });
    app.setErrorHandler(async (err, request, reply) => {
      const dialect = request.dialect ?? opts.fallback;
      const error = toAppError(err, dialect, request);
      logFailure(request, err, error);
      return sendError(reply, dialect, error);
    });
  },
  { name: 'dialect' },
);
