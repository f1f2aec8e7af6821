import fp from 'fastify-plugin';
import { systemDialect } from '../../system/dialect';
import { sendError, toAppError } from '../../http/family';
import { dialectForPath } from './not-found';

/**
 * Every request starts in the dialect its URL belongs to; a family's onRequest hook confirms its
 * own. Errors outside any family (docs, web UI, a hook failing early) still answer in a dialect.
 */
export default fp(
  async (app) => {
    app.decorateRequest('dialect', null as never);
    app.addHook('onRequest', async (request) => {
      request.dialect = dialectForPath(request.url);
    });
    app.setErrorHandler(async (err, request, reply) => {
      const dialect = request.dialect ?? systemDialect;
      const error = toAppError(err, dialect, request);
      if (error.statusCode >= 500) request.log.error({ err }, 'request failed');
      return sendError(reply, dialect, error);
    });
  },
  { name: 'dialect' },
);
