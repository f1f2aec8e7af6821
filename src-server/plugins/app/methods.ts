import fp from 'fastify-plugin';
import Router from 'find-my-way';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods some route answers for this path (`/api/work/studio` -> GET, HEAD, POST); none for an unknown path. */
    allowedMethods(url: string): string[];
  }
}

/**
 * A second, method-blind index of every route, so a path that exists with another method answers
 * 405 with `Allow` (as the seeds' FastAPI and Spring servers did) instead of 404. It uses the
 * router Fastify itself uses, with the same options, so it matches exactly the paths Fastify does.
 */
export default fp<{ ignoreTrailingSlash: boolean; maxParamLength: number }>(
  async (app, opts) => {
    const index = Router({ ignoreTrailingSlash: opts.ignoreTrailingSlash, maxParamLength: opts.maxParamLength });
    const seen = new Set<string>();
    const methodsInUse = new Set<Router.HTTPMethod>();
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        const key = `${method} ${route.url}`;
        if (seen.has(key)) continue;
        seen.add(key);
        methodsInUse.add(method as Router.HTTPMethod);
        index.on(method as Router.HTTPMethod, route.url, () => undefined);
      }
    });
    app.decorate('allowedMethods', (url: string) => {
      const path = url.split('?')[0] ?? url;
      return [...methodsInUse].filter((method) => index.find(method, path) !== null).sort();
    });
  },
  { name: 'methods' },
);
