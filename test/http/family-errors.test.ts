import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { errorScope } from '../../src-server/http/family';
import { requireUser } from '../../src-server/plugins/app/auth';
import { stageDialect } from '../../src-server/families/stage/dialect';
import { studioDialect } from '../../src-server/families/studio/dialect';
import { bearer, makeTestApp, signUp, type TestApp } from '../helpers/app';
import { STAGE_AUTH_REFUSALS } from '../stage/helpers';

/** A route in each family that needs a user, takes a typed body, or fails unexpectedly. */
async function probeRoutes(app: FastifyInstance) {
  await app.register(
    errorScope(stageDialect, async (f) => {
      f.get('/api/audio/probe', { preHandler: requireUser() }, async (request) => ({ success: true, user: request.user!.seq }));
      f.get('/api/audio/boom', async () => {
        throw new Error('secret internal detail at /home/user/db.sqlite');
      });
    }),
  );
  await app.register(
    errorScope(studioDialect, async (f) => {
      f.post('/api/work/probe', { schema: { body: Type.Object({ count: Type.Integer() }) } }, async () => ({ success: true }));
    }),
  );
}

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({}, { setup: probeRoutes });
});
afterAll(async () => {
  await t.close();
});

describe('stage authentication codes', () => {
  it.each(STAGE_AUTH_REFUSALS)('%o → %i %s', async (headers, status, code, message) => {
    const res = await t.app.inject({ url: '/api/audio/probe', headers });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ success: false, error: code, message });
  });

  it('an expired token is 401 TOKEN_EXPIRED with expiredAt', async () => {
    const u = await signUp(t.app);
    expect((await t.app.inject({ url: '/api/audio/probe', headers: bearer(u.accessToken) })).json()).toEqual({
      success: true,
      user: expect.any(Number),
    });
    t.clock.advance(2 * 3600 * 1000);
    const res = await t.app.inject({ url: '/api/audio/probe', headers: bearer(u.accessToken) });
    expect(res.statusCode).toBe(401);
    const body = res.json();
    expect(body).toMatchObject({ success: false, error: 'TOKEN_EXPIRED', message: 'Token has expired' });
    expect(Date.parse(body.expiredAt)).toBeLessThan(t.clock.now());
    t.clock.advance(-2 * 3600 * 1000);
  });
});

describe('bad input answers in each family format, never a bare 500', () => {
  const badJson = '{"email": ';
  it.each([
    ['studio', '/api/login', 400, (b: any) => b.success === false && b.error.code === 'INVALID_JSON'],
    ['promo', '/auth/login', 422, (b: any) => b.error_code === 'VALIDATION_002' && typeof b.error_message === 'string'],
    ['stories', '/api/v1/auth/token', 400, (b: any) => b.error.code === 'VALIDATION_ERROR'],
    ['stage', '/api/auth/login', 400, (b: any) => b.error === 'INVALID_JSON' && typeof b.message === 'string'],
    ['canvas', '/api/v1/auth/login', 400, (b: any) => b.error.code === 'VALIDATION_ERROR'],
  ])('malformed JSON on %s', async (_family, url, status, shape) => {
    const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: badJson });
    expect(res.statusCode).toBe(status);
    expect(shape(res.json())).toBe(true);
  });

  it('a wrong type names the field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/work/probe', payload: { count: 'many' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ success: false, error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('count') } });
  });

  it.each([
    ['/api/work/nothing-here', (b: any) => b.error.code === 'NOT_FOUND'],
    ['/nothing-here', (b: any) => b.error_code === 'NOT_FOUND'],
    ['/api/v1/stories/x/y/z', (b: any) => b.error.code === 'RESOURCE_NOT_FOUND'],
    ['/api/concert/x/y/z/w', (b: any) => b.error === 'NOT_FOUND'],
    ['/api/v1/nothing', (b: any) => b.error.code === 'NOT_FOUND' && b.success === false],
  ])('unknown route %s is a 404 in its family format', async (url, shape) => {
    const res = await t.app.inject({ url });
    expect(res.statusCode).toBe(404);
    expect(shape(res.json())).toBe(true);
  });

  it.each([
    ['/api/concert/%ZZ/info', (b: any) => b.success === false && b.error === 'INVALID_INPUT' && /Malformed/.test(b.message)],
    ['/api/v1/images/%ZZ', (b: any) => b.success === false && b.error.code === 'VALIDATION_ERROR'],
    ['/api/work/studio/%ZZ', (b: any) => b.success === false && typeof b.error.code === 'string'],
  ])('a malformed URL %s is a 400 in its family format', async (url, shape) => {
    const res = await t.app.inject({ url });
    expect(res.statusCode).toBe(400);
    expect(shape(res.json())).toBe(true);
  });

  it('a body over 1 MB is 413 in the family format', async () => {
    const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1_100_000) });
    const canvas = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(canvas.statusCode).toBe(413);
    expect(canvas.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const promo = await t.app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: big });
    expect(promo.statusCode).toBe(413);
    expect(promo.json().error_code).toBe('REQUEST_001');
  });

  it('a text field over 10,000 characters is refused', async () => {
    const u = await signUp(t.app);
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/users',
      headers: bearer(u.accessToken),
      payload: { avatar_url: 'x'.repeat(10_001) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('10000');
  });

  it('an unexpected failure is a 500 in the family format with no internals', async () => {
    const res = await t.app.inject({ url: '/api/audio/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ success: false, error: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('at ');
  });

  it('an unsupported content type is 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().success).toBe(false);
  });
});

describe('rate limiting', () => {
  // A LAN peer: the general limiter protects the owner's machine from the network.
  const peer = '192.168.1.20';

  it('counts a LAN peer down in X-RateLimit-* headers and answers 429 in the family format', async () => {
    const limited = await makeTestApp({ rateLimitMax: 3, authRateLimitMax: 2 });
    try {
      const first = await limited.app.inject({ url: '/health/resource', remoteAddress: peer });
      expect(first.statusCode).toBe(200);
      const seen: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await limited.app.inject({ url: '/api/v1/users/me', remoteAddress: peer });
        seen.push(Number(r.headers['x-ratelimit-remaining']));
        expect(r.headers['x-ratelimit-limit']).toBe('3');
      }
      expect(seen).toEqual([2, 1, 0]);
      const over = await limited.app.inject({ url: '/api/v1/users/me', remoteAddress: peer });
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
      expect(over.headers['retry-after']).toBeDefined();
      const promo = await limited.app.inject({ url: '/nothing', remoteAddress: peer });
      expect(promo.statusCode).toBe(429);
      expect(promo.json().error_code).toBe('RATE_001');

      // Sign-in has its own, smaller budget against password guessing.
      for (let i = 0; i < 2; i++)
        await limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { user_id: 'x', password: 'y' },
          remoteAddress: '127.0.0.9',
        });
      const stage = await limited.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { user_id: 'x', password: 'y' },
        remoteAddress: '127.0.0.9',
      });
      expect(stage.statusCode).toBe(429);
      expect(stage.json()).toMatchObject({ success: false, error: 'RATE_LIMITED' });
    } finally {
      await limited.close();
    }
  });

  it('never throttles the owner on loopback, but still limits sign-in attempts there', async () => {
    const limited = await makeTestApp({ rateLimitMax: 3, authRateLimitMax: 2 });
    try {
      for (const remoteAddress of ['127.0.0.1', '::1']) {
        const answers = [];
        for (let i = 0; i < 10; i++) answers.push(await limited.app.inject({ url: '/health/resource', remoteAddress }));
        expect(answers.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      }
      const login = () =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { user_id: 'x', password: 'y' },
          remoteAddress: '127.0.0.1',
        });
      for (let i = 0; i < 2; i++) expect((await login()).statusCode).not.toBe(429);
      expect((await login()).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('counts LAN peers per signed-in account and per address', async () => {
    const limited = await makeTestApp({ rateLimitMax: 3, authRateLimitMax: 100 });
    try {
      const token = async (email: string) => {
        await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email, password: 'peer password 1', name: email },
        });
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email, password: 'peer password 1' },
        });
        return { authorization: `Bearer ${res.json().data.access_token}` };
      };
      const [ann, ben] = [await token('ann@example.com'), await token('ben@example.com')];
      const me = (headers: Record<string, string>, remoteAddress: string) =>
        limited.app.inject({ url: '/api/users', headers, remoteAddress });
      for (let i = 0; i < 3; i++) expect((await me(ann, peer)).statusCode).toBe(200);
      expect((await me(ann, peer)).statusCode).toBe(429);
      // Another account behind the same address has its own budget, and so has another address.
      expect((await me(ben, peer)).statusCode).toBe(200);
      expect((await limited.app.inject({ url: '/health/resource', remoteAddress: '192.168.1.21' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
