import fp from 'fastify-plugin';
import { coreError } from '../../http/family';

/** The path parameters a route's schema declares as integers (`studioid`, `songId`). */
function integerParams(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties) return [];
  return Object.entries(properties)
    .filter(([, field]) => field.type === 'integer')
    .map(([name]) => name);
}

/**
 * Requests read the way the seeds' clients send them, before any route's validation:
 * - a bare request (a `DELETE` with no body, or an empty one labelled JSON) is an empty object to a route with a body schema, so a
 *   route that needs no field works and one that does names the missing field;
 * - an integer id in a path is digits, or nothing by that id exists: `/audio/file/0x1`, `1e3` and
 *   `abc` are 404 (or the code a family's spec names for a malformed id), never read as 1 or 1000.
 */
export default fp(
  async (app) => {
    // An empty body sent as JSON (`Content-Type: application/json`, no bytes) is no body, not bad JSON.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body.toString();
      if (text.trim() === '') return done(null, undefined);
      return parseJson(request, text, done);
    });

    const integerIds = new WeakMap<object, string[]>();
    app.addHook('preValidation', async (request) => {
      const schema = request.routeOptions.schema;
      if (!schema) return;
      if (schema.body && request.body === undefined) request.body = {};
      if (schema.params) {
        let names = integerIds.get(schema.params);
        if (!names) integerIds.set(schema.params, (names = integerParams(schema.params)));
        const params = request.params as Record<string, unknown>;
        const bad = names.find((name) => typeof params[name] === 'string' && !/^[0-9]+$/.test(params[name]));
        if (bad) {
          // A family whose spec names its own code for a malformed id (stage's `INVALID_ID`) keeps it.
          const custom = request.routeOptions.config.validationError;
          const message = `params.${bad} must be a whole number of digits`;
          const issue = {
            instancePath: `/${bad}`,
            schemaPath: `#/properties/${bad}/type`,
            keyword: 'type',
            params: { type: 'integer' },
            message: 'must be integer',
          };
          if (custom) throw custom(message, [issue]);
          if (request.dialect.malformedPathId === 'validation') throw coreError(request.dialect, 'validation', message);
          throw coreError(request.dialect, 'not_found', `Nothing has the ${bad} ${JSON.stringify(params[bad])}`);
        }
      }
    });
  },
  { name: 'requests', dependencies: ['dialect'] },
);
