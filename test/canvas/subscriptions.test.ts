import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeTestApp, type TestApp } from '../helpers/app';
import { canvasUser, errorOf, type CanvasUser } from './helpers';
import { TIERS } from '../../src-server/families/canvas/plans/tiers';
import type { LemonSqueezyConfig } from '../../src-server/config';
import { requests } from '../helpers/inject';

/** What the fake Lemon Squeezy saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * A local stand-in for api.lemonsqueezy.com: records each request and answers with what the test
 * set (`respond`), by default a created checkout in Lemon Squeezy's JSON:API shape.
 */
async function fakeLemonSqueezy() {
  const seen: Seen[] = [];
  let respond: (s: Seen, res: http.ServerResponse) => void = (s, res) => {
    res.writeHead(201, { 'content-type': 'application/vnd.api+json' });
    res.end(
      JSON.stringify({
        jsonapi: { version: '1.0' },
        data: {
          type: 'checkouts',
          id: 'c0ffee',
          attributes: {
            url: 'https://atelier-test.lemonsqueezy.com/checkout/custom/c0ffee?signature=abc',
            expires_at: '2030-01-01T00:00:00.000000Z',
          },
        },
      }),
    );
    void s;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as unknown) : null };
      seen.push(s);
      respond(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answer(fn: typeof respond) {
      respond = fn;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function signIn(t: TestApp, u: CanvasUser): Promise<Record<string, string>> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: u.password } });
  return bearer(res.json().data.access_token);
}

const SECRET = 'whsec-test';
const VARIANTS = { 'starter:monthly': '111', 'pro:monthly': '222', 'pro:yearly': '223', 'studio:monthly': '333' };

const billingConfig = (base: string, extra: Partial<LemonSqueezyConfig> = {}): LemonSqueezyConfig => ({
  apiBase: base,
  apiKey: 'ls-test-key',
  storeId: '4242',
  webhookSecret: SECRET,
  variants: VARIANTS,
  timeoutMs: 2000,
  ...extra,
});

function signedWebhook(t: TestApp, body: unknown) {
  const raw = JSON.stringify(body);
  const signature = crypto.createHmac('sha256', SECRET).update(raw).digest('hex');
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/lemon-squeezy',
    headers: { 'content-type': 'application/json', 'x-signature': signature },
    payload: raw,
  });
}

const subscriptionEvent = (userId: string, id: string, over: Record<string, unknown> = {}, eventName = 'subscription_created') => ({
  meta: { event_name: eventName, custom_data: { user_id: userId } },
  data: {
    type: 'subscriptions',
    id,
    attributes: {
      store_id: 4242,
      customer_id: 67890,
      variant_id: 222,
      variant_name: 'Pro Monthly',
      status: 'active',
      card_brand: 'visa',
      card_last_four: '4242',
      renews_at: '2030-02-01T00:00:00.000000Z',
      ends_at: null,
      created_at: '2030-01-01T00:00:00.000000Z',
      updated_at: '2030-01-01T00:00:00.000000Z',
      ...over,
    },
  },
});

describe('canvas subscriptions without billing (a local installation)', () => {
  let t: TestApp;
  const { as, anon } = requests(() => t.app);
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => t?.close());

  it('lists the paid plans from tiers.ts without sign-in', async () => {
    const res = await anon().get('/api/v1/subscriptions/plans');
    expect(res.statusCode, res.body).toBe(200);
    const plans = res.json().data as Array<Record<string, unknown>>;
    expect(plans.map((p) => p.id)).toEqual(['plan-starter', 'plan-pro', 'plan-studio']);
    expect(plans[1]).toEqual({
      id: 'plan-pro',
      name: 'pro',
      display_name: 'Pro',
      monthly_price: 75,
      yearly_price: 750,
      credits: 15000,
      storage_gb: 100,
      queue_count: 1,
      features: { sd_models: true, flux_model: true, nano_banana_api: true, lora_training: false },
      requests_per_minute: 120,
      generations_per_minute: 10,
    });
    expect(plans[0]).toMatchObject({
      credits: TIERS.starter.credits,
      storage_gb: TIERS.starter.storageGb,
      monthly_price: 25,
      yearly_price: 250,
    });
  });

  it('answers a Free account with no subscription row', async () => {
    const u = await canvasUser(t.app);
    const res = await as(u).get('/api/v1/subscriptions/current');
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data).toMatchObject({
      id: null,
      plan: { name: 'free', display_name: 'Free' },
      status: 'active',
      billing_cycle: null,
      cancel_at_period_end: false,
      payment_method: null,
      managed_by: null,
    });
    expect(Date.parse(data.current_period_end)).toBeGreaterThan(Date.parse(data.current_period_start));
    expect((await anon().get('/api/v1/subscriptions/current')).json()).toEqual(errorOf('UNAUTHORIZED'));
  });

  it('refuses checkout when billing is not configured, and never makes up a URL', async () => {
    const u = await canvasUser(t.app);
    const res = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'pro', billing_cycle: 'monthly' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorOf('BILLING_NOT_CONFIGURED'));
    const bad = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'gold', billing_cycle: 'monthly' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_ERROR');
  });

  it("upgrades locally, grants the new plan's credits as upgrade_grant and changes the tier", async () => {
    const u = await canvasUser(t.app);
    const before = (await as(u).get('/api/v1/users/me/credits')).json().data.balance;
    const res = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'pro' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      previous_plan: 'free',
      new_plan: 'pro',
      effective_immediately: true,
      credits_granted: 15000,
      message: expect.any(String),
    });
    const credits = (await as(u).get('/api/v1/users/me/credits?type=upgrade_grant')).json().data;
    expect(credits.balance).toBe(before + 15000);
    expect(credits.transactions).toEqual([
      expect.objectContaining({ type: 'upgrade_grant', amount: 15000, balance_after: before + 15000 }),
    ]);
    const me = (await as(u).get('/api/v1/users/me')).json().data;
    expect(me.tier).toBe('pro');
    expect(me.features.flux_model).toBe(true);
    const current = (await as(u).get('/api/v1/subscriptions/current')).json().data;
    expect(current).toMatchObject({
      plan: { name: 'pro', display_name: 'Pro' },
      status: 'active',
      billing_cycle: 'monthly',
      managed_by: 'local',
      cancel_at_period_end: false,
    });
    expect(current.id).toEqual(expect.any(String));

    const studio = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'studio' });
    expect(studio.json().data).toMatchObject({ previous_plan: 'pro', new_plan: 'studio', credits_granted: 30000 });
    // The same subscription, moved to the new plan.
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toMatchObject({ id: current.id, plan: { name: 'studio' } });
  });

  it('without billing, refuses a plan to a LAN peer: only the computer running Atelier hands plans out', async () => {
    const u = await canvasUser(t.app);
    const fromPeer = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions/upgrade',
      headers: u.headers,
      payload: { target_plan: 'studio' },
      remoteAddress: '192.168.1.20',
    });
    expect(fromPeer.statusCode).toBe(403);
    expect(fromPeer.json()).toEqual(errorOf('FORBIDDEN', { target_plan: 'studio' }));
    expect((await as(u).get('/api/v1/users/me')).json().data.tier).toBe('free');
  });

  it('refuses the same plan, a lower one and Enterprise with INVALID_PARAMETERS', async () => {
    const u = await canvasUser(t.app);
    expect((await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'free' })).json()).toEqual(
      errorOf('INVALID_PARAMETERS', expect.anything()),
    );
    await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'pro' });
    for (const target of ['pro', 'starter', 'free', 'enterprise']) {
      const res = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: target });
      expect(res.statusCode, target).toBe(400);
      expect(res.json().error.code, target).toBe('INVALID_PARAMETERS');
    }
    const unknown = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'platinum' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('VALIDATION_ERROR');
    expect((await as(u).get('/api/v1/users/me')).json().data.tier).toBe('pro');
  });

  it('cancels at the period end, then the account is Free', async () => {
    const u = await canvasUser(t.app);
    const nothing = await as(u).post('/api/v1/subscriptions/cancel', { reason: 'Too expensive' });
    expect(nothing.statusCode).toBe(404);
    expect(nothing.json()).toEqual(errorOf('NOT_FOUND'));

    await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'starter' });
    const current = (await as(u).get('/api/v1/subscriptions/current')).json().data;
    const res = await as(u).post('/api/v1/subscriptions/cancel', { reason: 'Too expensive', feedback: 'Optional feedback' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      status: 'cancelling',
      ends_at: current.current_period_end,
      message: expect.stringContaining(current.current_period_end.slice(0, 10)),
    });
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toMatchObject({
      status: 'cancelling',
      cancel_at_period_end: true,
      plan: { name: 'starter' },
    });
    expect((await as(u).get('/api/v1/users/me')).json().data).toMatchObject({
      tier: 'starter',
      subscription: { plan: 'starter', status: 'cancelling', current_period_end: current.current_period_end },
    });

    // No body at all is a valid cancel request too.
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/subscriptions/cancel', headers: u.headers });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('INVALID_PARAMETERS');

    t.clock.advance(Date.parse(current.current_period_end) - t.clock.now() + 1000);
    // A month later the access token has long expired: sign in again.
    u.headers = await signIn(t, u);
    // Any canvas request after the end sees the Free plan, not only the subscription routes.
    expect((await as(u).get('/api/v1/users/me')).json().data).toMatchObject({
      tier: 'free',
      subscription: { plan: 'free', status: 'active' },
    });
    const after = (await as(u).get('/api/v1/subscriptions/current')).json().data;
    expect(after).toMatchObject({ id: null, plan: { name: 'free' }, status: 'active' });
    expect((await as(u).post('/api/v1/subscriptions/cancel', {})).statusCode).toBe(404);
  });

  it("ignores unknown fields in the cancel body, as the seed's clients expect", async () => {
    const u = await canvasUser(t.app);
    const res = await as(u).post('/api/v1/subscriptions/cancel', { reason: 'x', refund: true });
    const bare = await as(u).post('/api/v1/subscriptions/cancel', {});
    expect(res.statusCode).toBe(bare.statusCode);
    expect(res.json()).toEqual(bare.json());
  });
});

describe('canvas checkout against a fake Lemon Squeezy', () => {
  let ls: Awaited<ReturnType<typeof fakeLemonSqueezy>>;
  let t: TestApp;
  const { as } = requests(() => t.app);
  beforeAll(async () => {
    ls = await fakeLemonSqueezy();
    t = await makeTestApp({ lemonSqueezy: billingConfig(ls.base, { timeoutMs: 300 }) });
  });
  afterEach(() => {
    ls.seen.length = 0;
  });
  afterAll(async () => {
    await t?.close();
    await ls?.close();
  });

  it('creates a checkout with the JSON:API body, the key and the account id', async () => {
    const u = await canvasUser(t.app);
    const res = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'pro', billing_cycle: 'monthly' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual({
      checkout_url: 'https://atelier-test.lemonsqueezy.com/checkout/custom/c0ffee?signature=abc',
      expires_at: '2030-01-01T00:00:00.000000Z',
    });
    expect(ls.seen).toHaveLength(1);
    const req = ls.seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/checkouts');
    expect(req.headers.authorization).toBe('Bearer ls-test-key');
    expect(req.headers['content-type']).toBe('application/vnd.api+json');
    expect(req.headers.accept).toBe('application/vnd.api+json');
    expect(req.body).toMatchObject({
      data: {
        type: 'checkouts',
        attributes: { checkout_data: { email: u.email, custom: { user_id: u.id } }, expires_at: expect.any(String) },
        relationships: { store: { data: { type: 'stores', id: '4242' } }, variant: { data: { type: 'variants', id: '222' } } },
      },
    });
  });

  it('uses the variant of the chosen cycle and refuses a plan with none configured', async () => {
    const u = await canvasUser(t.app);
    await as(u).post('/api/v1/subscriptions/checkout', { plan: 'pro', billing_cycle: 'yearly' });
    expect(
      (ls.seen[0]!.body as { data: { relationships: { variant: { data: { id: string } } } } }).data.relationships.variant.data.id,
    ).toBe('223');
    const res = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'studio', billing_cycle: 'yearly' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorOf('BILLING_NOT_CONFIGURED', { plan: 'studio', billing_cycle: 'yearly' }));
    expect(ls.seen).toHaveLength(1);
  });

  it('maps an upstream refusal, garbage and a timeout to 502 PAYMENT_PROVIDER_ERROR', async () => {
    const u = await canvasUser(t.app);
    ls.answer((_s, res) => {
      res.writeHead(422, { 'content-type': 'application/vnd.api+json' });
      res.end(JSON.stringify({ errors: [{ status: '422', title: 'Unprocessable Entity', detail: 'The variant is not published.' }] }));
    });
    const refused = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'pro', billing_cycle: 'monthly' });
    expect(refused.statusCode).toBe(502);
    expect(refused.json()).toEqual(
      errorOf('PAYMENT_PROVIDER_ERROR', { reason: 'status', upstream_status: 422, upstream_detail: 'The variant is not published.' }),
    );

    ls.answer((_s, res) => {
      res.writeHead(201, { 'content-type': 'application/vnd.api+json' });
      res.end(JSON.stringify({ data: { type: 'checkouts', id: '1', attributes: {} } }));
    });
    const noUrl = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'pro', billing_cycle: 'monthly' });
    expect(noUrl.json()).toEqual(errorOf('PAYMENT_PROVIDER_ERROR', { reason: 'bad_response' }));

    // Never answers: the configured timeout (300 ms here) ends the call.
    ls.answer(() => undefined);
    const slow = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'pro', billing_cycle: 'monthly' });
    expect(slow.statusCode).toBe(502);
    expect(slow.json()).toEqual(errorOf('PAYMENT_PROVIDER_ERROR', { reason: 'timeout' }));
    ls.answer((_s, res) => {
      res.writeHead(500);
      res.end('oops');
    });
    const broken = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'starter', billing_cycle: 'monthly' });
    expect(broken.json()).toEqual(errorOf('PAYMENT_PROVIDER_ERROR', { reason: 'status', upstream_status: 500 }));
  });

  it('where billing is configured, an upgrade without a paid subscription points to checkout and grants nothing', async () => {
    const u = await canvasUser(t.app);
    const res = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'studio' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { target_plan: 'studio', checkout: '/api/v1/subscriptions/checkout' }));
    const current = await as(u).get('/api/v1/subscriptions/current');
    expect(current.json().data.plan.name).toBe('free');
    expect(ls.seen).toHaveLength(0);
  });

  it('refuses a second checkout while a subscription is active', async () => {
    const u = await canvasUser(t.app);
    expect((await signedWebhook(t, subscriptionEvent(u.id, '9001'))).statusCode).toBe(200);
    const res = await as(u).post('/api/v1/subscriptions/checkout', { plan: 'studio', billing_cycle: 'monthly' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { current_plan: 'pro' }));
    expect(ls.seen).toHaveLength(0);
  });

  it('moves a Lemon Squeezy subscription to the new variant on upgrade and cancels it there', async () => {
    const u = await canvasUser(t.app);
    await signedWebhook(t, subscriptionEvent(u.id, '9002'));
    ls.answer((s, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.api+json' });
      res.end(JSON.stringify({ data: { type: 'subscriptions', id: '9002', attributes: {} } }));
      void s;
    });
    const up = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'studio' });
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json().data).toMatchObject({ previous_plan: 'pro', new_plan: 'studio', credits_granted: 30000 });
    expect(ls.seen[0]).toMatchObject({
      method: 'PATCH',
      url: '/v1/subscriptions/9002',
      body: { data: { type: 'subscriptions', id: '9002', attributes: { variant_id: 333 } } },
    });
    expect(ls.seen[0]!.headers.authorization).toBe('Bearer ls-test-key');

    const cancel = await as(u).post('/api/v1/subscriptions/cancel', { reason: 'Too expensive' });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json().data).toMatchObject({ status: 'cancelling', ends_at: '2030-02-01T00:00:00.000Z' });
    expect(ls.seen[1]).toMatchObject({ method: 'DELETE', url: '/v1/subscriptions/9002' });
  });

  it('changes nothing when the provider refuses an upgrade', async () => {
    const u = await canvasUser(t.app);
    await signedWebhook(t, subscriptionEvent(u.id, '9003'));
    ls.answer((_s, res) => {
      res.writeHead(404, { 'content-type': 'application/vnd.api+json' });
      res.end(JSON.stringify({ errors: [{ detail: 'Not found' }] }));
    });
    const before = (await as(u).get('/api/v1/users/me/credits')).json().data.balance;
    const up = await as(u).post('/api/v1/subscriptions/upgrade', { target_plan: 'studio' });
    expect(up.statusCode).toBe(502);
    expect(up.json().error.code).toBe('PAYMENT_PROVIDER_ERROR');
    expect((await as(u).get('/api/v1/users/me')).json().data).toMatchObject({ tier: 'pro', credits: before });
  });
});
