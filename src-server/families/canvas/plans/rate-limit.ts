import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
import { identifyRequestBearer } from '../../../plugins/app/auth';
import type { UserRow } from '../../../auth/service';
import { tierOf } from './tiers';
import { errors } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: this canvas route is not counted against the caller's plan (a signed webhook). */
    tierRateLimit?: false;
  }
}

const WINDOW_MS = 60_000;

export interface Hit {
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  exceeded: boolean;
  retryAfterSeconds: number;
}

/**
 * Requests a minute per key in fixed windows aligned to the clock's minutes, so
 * `X-RateLimit-Reset` is a whole minute as in the spec. In memory: a restart forgets the counts.
 */
export class FixedWindowLimiter {
  private readonly counts = new Map<string, { window: number; count: number }>();
  private sweptWindow = -1;

  constructor(private readonly now: () => number) {}

  hit(key: string, limit: number): Hit {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.sweptWindow) {
      for (const [k, v] of this.counts) if (v.window < window) this.counts.delete(k);
      this.sweptWindow = window;
    }
    const entry = this.counts.get(key);
    const count = entry && entry.window === window ? entry.count + 1 : 1;
    this.counts.set(key, { window, count });
    const resetMs = (window + 1) * WINDOW_MS;
    return {
      limit,
      remaining: Math.max(0, limit - count),
      reset: resetMs / 1000,
      exceeded: count > limit,
      retryAfterSeconds: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }
}

/**
 * The plan's requests a minute (`requestsPerMinute` in tiers.ts) on every canvas route, counted per
 * signed-in account, or per IP address as Free without a valid token. `planOf` gives the account's
 * plan as of now (index.ts first ends a subscription whose cancelled period is over). It runs first among the
 * family's hooks, reading the token itself, so refused and unauthenticated requests are counted
 * too. Routes with their own budget (sign-in and sign-up, `config.rateLimit`) and signed webhooks
 * keep the server-wide limiter only, as does Enterprise (no plan limit); their X-RateLimit-*
 * headers are that limiter's. The server-wide per-IP limiter still runs on every route; its
 * headers stay when it is the tighter one.
 */
export function tierRateLimit(app: FamilyApp, planOf: (user: UserRow) => string = (user) => user.tier): void {
  const limiter = new FixedWindowLimiter(app.clock.now);
  const hits = new WeakMap<FastifyRequest, Hit>();

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (config.tierRateLimit === false || typeof config.rateLimit === 'object') return;
    const found = identifyRequestBearer(request);
    const user = 'user' in found ? found.user : null;
    const tier = tierOf(user ? planOf(user) : 'free');
    if (tier.requestsPerMinute === null) return;
    const hit = limiter.hit(user ? `user:${user.id}` : `ip:${request.ip}`, tier.requestsPerMinute);
    hits.set(request, hit);
    if (hit.exceeded) {
      throw errors.error(
        'RATE_LIMITED',
        `The ${tier.displayName} plan allows ${tier.requestsPerMinute} requests a minute; retry in ${hit.retryAfterSeconds} s`,
        {
          limit: tier.requestsPerMinute,
          window_seconds: WINDOW_MS / 1000,
          retry_after: hit.retryAfterSeconds,
        },
      );
    }
  });

  // Last, so the plan's figures replace the server-wide limiter's headers on the same response.
  app.addHook('onSend', async (request, reply, payload) => {
    const hit = hits.get(request);
    if (!hit) return payload;
    // The server-wide per-IP limiter refused it (it sets Retry-After), or it is the tighter of the
    // two (many accounts behind one address): its headers are the ones that tell the truth.
    if (!hit.exceeded) {
      if (reply.statusCode === 429 && reply.hasHeader('retry-after')) return payload;
      const serverWide = Number(reply.getHeader('x-ratelimit-remaining'));
      if (reply.hasHeader('x-ratelimit-remaining') && Number.isFinite(serverWide) && serverWide < hit.remaining) return payload;
    }
    reply.header('x-ratelimit-limit', hit.limit);
    reply.header('x-ratelimit-remaining', hit.remaining);
    reply.header('x-ratelimit-reset', hit.reset);
    if (hit.exceeded) reply.header('retry-after', hit.retryAfterSeconds);
    return payload;
  });
}
