import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { identifyRequestBearer } from '../app/auth';
import { isOwnerRequest } from '../app/owner';

/**
 * Per-client request budget with X-RateLimit-* headers and a 429 in the caller's family format.
 * It protects the owner's machine from LAN peers: the owner on loopback is never counted (a script
 * or a fast UI must not lock its own user out), peers are counted per signed-in account, else per
 * address.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: true,
      max: app.config.rateLimitMax,
      timeWindow: 60_000,
      allowList: (request) => isOwnerRequest(request),
      keyGenerator: (request) => {
        const found = identifyRequestBearer(request);
        return 'user' in found ? `user:${found.user.id}` : `ip:${request.ip}`;
      },
      errorResponseBuilder: (_request, context) => {
        // A plain 429, not an AppError: each family's handler picks its own code for it.
        return Object.assign(new Error(`Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`), { statusCode: 429 });
      },
      addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    });
  },
  { name: 'rate-limit', dependencies: ['config', 'auth'] },
);

/**
 * Route config for sign-in, sign-up and token refresh: a much smaller budget against password
 * guessing, per address, that applies on loopback too.
 */
export const authRateLimit = (max: number) => ({
  rateLimit: { max, timeWindow: 60_000, allowList: () => false, keyGenerator: (request: FastifyRequest) => request.ip },
});
