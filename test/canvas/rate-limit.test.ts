import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { canvasUser, errorOf, type CanvasUser } from './helpers';
import { users } from '../../src-server/db/schema';
import { TIERS } from '../../src-server/families/canvas/plans/tiers';
import { requests } from '../helpers/inject';

const SECRET = 'whsec-rate';
const ME = '/api/v1/subscriptions/current';

const headersOf = (res: { headers: Record<string, unknown> }) => ({
  limit: Number(res.headers['x-ratelimit-limit']),
  remaining: Number(res.headers['x-ratelimit-remaining']),
  reset: Number(res.headers['x-ratelimit-reset']),
});

describe('canvas per-plan request limits', () => {
  let t: TestApp;
  const { as } = requests(() => t.app);
  beforeAll(async () => {
    t = await makeTestApp({
      lemonSqueezy: {
        apiBase: 'http://127.0.0.1:9',
        apiKey: null,
        storeId: null,
        webhookSecret: SECRET,
        variants: { 'pro:monthly': '222' },
        timeoutMs: 1000,
      },
    });
  });
  afterAll(async () => t?.close());
  // Windows are the clock's minutes: start each test just after one begins, so none ends mid-test.
  beforeEach(() => {
    t.clock.advance(60_000 - (t.clock.now() % 60_000) + 1000);
  });

  const spend = async (u: CanvasUser | null, n: number, remoteAddress?: string) => {
    const seen = [];
    for (let i = 0; i < n; i++)
      seen.push(
        await t.app.inject({
          method: 'GET',
          url: u ? ME : '/api/v1/subscriptions/plans',
          headers: u?.headers ?? {},
          ...(remoteAddress ? { remoteAddress } : {}),
        }),
      );
    return seen;
  };

  it("counts down the Free plan's 30 requests a minute in X-RateLimit-* headers", async () => {
    const u = await canvasUser(t.app);
    const seen = await spend(u, 5);
    const heads = seen.map(headersOf);
    expect(seen.every((r) => r.statusCode === 200)).toBe(true);
    expect(heads.map((h) => h.limit)).toEqual([30, 30, 30, 30, 30]);
    expect(heads.map((h) => h.remaining)).toEqual([29, 28, 27, 26, 25]);
    const nextMinute = Math.floor(t.clock.now() / 60_000) * 60 + 60;
    expect(heads.every((h) => h.reset === nextMinute)).toBe(true);
    expect(TIERS.free.requestsPerMinute).toBe(30);
  });

  it('answers 429 RATE_LIMITED with Retry-After past the limit, and a new minute starts afresh', async () => {
    const u = await canvasUser(t.app);
    const seen = await spend(u, 30);
    expect(seen.map((r) => r.statusCode).every((s) => s === 200)).toBe(true);
    expect(headersOf(seen[29]!).remaining).toBe(0);
    const over = await as(u).get(ME);
    expect(over.statusCode).toBe(429);
    expect(over.json()).toEqual(errorOf('RATE_LIMITED', { limit: 30, window_seconds: 60, retry_after: expect.any(Number) }));
    expect(headersOf(over)).toMatchObject({ limit: 30, remaining: 0 });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Every canvas route counts, whatever it is.
    expect((await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'pro' })).statusCode).toBe(429);
    expect((await as(u).get('/api/v1/users/me')).statusCode).toBe(429);

    t.clock.advance(retryAfter * 1000);
    const again = await as(u).get(ME);
    expect(again.statusCode).toBe(200);
    expect(headersOf(again)).toMatchObject({ limit: 30, remaining: 29 });
  });

  it('counts each account, and each address without a token, separately', async () => {
    const a = await canvasUser(t.app);
    const b = await canvasUser(t.app);
    await spend(a, 30);
    expect((await as(a).get(ME)).statusCode).toBe(429);
    const other = await as(b).get(ME);
    expect(other.statusCode).toBe(200);
    expect(headersOf(other).remaining).toBe(29);

    const anon = await spend(null, 3, '10.1.1.1');
    expect(anon.map((r) => headersOf(r))).toEqual([1, 2, 3].map((i) => ({ limit: 30, remaining: 30 - i, reset: expect.any(Number) })));
    expect(headersOf((await spend(null, 1, '10.1.1.2'))[0]!).remaining).toBe(29);
    // A token that does not check out counts against the address, as Free.
    const forged = await t.app.inject({
      method: 'GET',
      url: ME,
      headers: { authorization: 'Bearer not-a-token' },
      remoteAddress: '10.1.1.1',
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('INVALID_TOKEN');
    expect(headersOf(forged)).toMatchObject({ limit: 30, remaining: 26 });
  });

  it('raises the limit as soon as the plan is upgraded', async () => {
    const u = await canvasUser(t.app);
    await spend(u, 10);
    const up = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'pro' });
    expect(up.statusCode, up.body).toBe(200);
    expect(headersOf(up)).toMatchObject({ limit: 30, remaining: 19 });
    const next = await as(u).get(ME);
    expect(headersOf(next)).toMatchObject({ limit: 120, remaining: 108 });
    const seen = await spend(u, 108);
    expect(seen.every((r) => r.statusCode === 200)).toBe(true);
    const over = await as(u).get(ME);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.details.limit).toBe(120);
  });

  it('lets a refused Free account through once a paid subscription arrives by webhook', async () => {
    const u = await canvasUser(t.app);
    await spend(u, 30);
    expect((await as(u).get(ME)).statusCode).toBe(429);
    const raw = JSON.stringify({
      meta: { event_name: 'subscription_created', custom_data: { user_id: u.id } },
      data: {
        type: 'subscriptions',
        id: '8801',
        attributes: { variant_id: 222, status: 'active', renews_at: '2030-02-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z' },
      },
    });
    const hook = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/lemon-squeezy',
      headers: { 'content-type': 'application/json', 'x-signature': crypto.createHmac('sha256', SECRET).update(raw).digest('hex') },
      payload: raw,
    });
    expect(hook.statusCode, hook.body).toBe(200);
    const now = await as(u).get(ME);
    expect(now.statusCode).toBe(200);
    expect(headersOf(now)).toMatchObject({ limit: 120, remaining: 120 - 32 });
  });

  it('leaves Enterprise (no plan limit), sign-in and webhooks to the server-wide limiter', async () => {
    const u = await canvasUser(t.app);
    t.app.db.update(users).set({ tier: 'enterprise' }).where(eq(users.id, u.id)).run();
    // From a LAN peer: the owner on loopback is not counted by the server-wide limiter at all.
    const seen = await spend(u, 40, '192.168.1.30');
    expect(seen.every((r) => r.statusCode === 200)).toBe(true);
    expect(headersOf(seen[39]!).limit).toBe(t.app.config.rateLimitMax);

    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
    expect(login.statusCode).toBe(200);
    expect(Number(login.headers['x-ratelimit-limit'])).toBe(t.app.config.authRateLimitMax);

    const hook = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/lemon-squeezy',
      headers: { 'content-type': 'application/json', 'x-signature': 'sha256=00' },
      payload: '{}',
      remoteAddress: '192.168.1.30',
    });
    expect(hook.statusCode).toBe(401);
    expect(Number(hook.headers['x-ratelimit-limit'])).toBe(t.app.config.rateLimitMax);
  });
});
