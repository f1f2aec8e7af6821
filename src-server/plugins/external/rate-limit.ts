import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';

/**
 * Per-client request budget with X-RateLimit-* headers and a 429 in the caller's family format.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: true,
      max: app.config.rateLimitMax,
      timeWindow: 60_000,
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: (_request, context) => {
        // A plain 429, not an AppError: each family's handler picks its own code for it.
        return Object.assign(new Error(`Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 });
      },
      addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    });
  },
  { name: 'rate-limit', dependencies: ['config'] },
);

/** Route config for sign-in and sign-up: a much smaller budget against password guessing. */
export const authRateLimit = (max: number) => ({ rateLimit: { max, timeWindow: 60_000 } });
