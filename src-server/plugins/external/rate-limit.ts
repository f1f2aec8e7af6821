import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '../../http/errors';

/**
 * Per-client request budget with X-RateLimit-* headers. The thrown error is an AppError so each
 * family's error handler words the 429 its own way.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: true,
      max: app.config.rateLimitMax,
      timeWindow: 60_000,
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: (_request, context) => {
        const error = new AppError(429, 'RATE_LIMITED', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, {
          limit: context.max,
          retry_after_seconds: Math.ceil(context.ttl / 1000),
        });
        return error;
      },
      addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    });
  },
  { name: 'rate-limit', dependencies: ['config'] },
);

/** Route config for sign-in and sign-up: a much smaller budget against password guessing. */
export const authRateLimit = (max: number) => ({ rateLimit: { max, timeWindow: 60_000 } });
