import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { canvasUser, errorOf, type CanvasUser } from './helpers';
import { canvasSubscriptions, canvasWebhookEvents } from '../../src-server/db/schema';
import type { LemonSqueezyConfig } from '../../src-server/config';
import { requests } from '../helpers/inject';

const SECRET = 'whsec-test';
const URL = '/api/v1/webhooks/lemon-squeezy';

const billing: LemonSqueezyConfig = {
  apiBase: 'http://127.0.0.1:9',
  apiKey: null,
  storeId: null,
  webhookSecret: SECRET,
  variants: { 'starter:monthly': '111', 'pro:monthly': '222', 'studio:yearly': '334' },
  timeoutMs: 1000,
};

const sign = (raw: string, secret = SECRET) => crypto.createHmac('sha256', secret).update(raw).digest('hex');

function post(t: TestApp, raw: string, signature: string | null, contentType = 'application/json') {
  return t.app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': contentType, ...(signature !== null ? { 'x-signature': signature } : {}) },
    payload: raw,
  });
}

const send = (t: TestApp, body: unknown) => {
  const raw = JSON.stringify(body);
  return post(t, raw, sign(raw));
};

function subscriptionEvent(userId: string | null, id: string, over: Record<string, unknown> = {}, eventName = 'subscription_created') {
  return {
    meta: { test_mode: true, event_name: eventName, ...(userId ? { custom_data: { user_id: userId } } : {}) },
    data: {
      type: 'subscriptions',
      id,
      attributes: {
        store_id: 12345,
        customer_id: 67890,
        variant_id: 222,
        variant_name: 'Pro Monthly',
        status: 'active',
        card_brand: 'visa',
        card_last_four: '4242',
        trial_ends_at: null,
        renews_at: '2030-02-01T00:00:00.000000Z',
        ends_at: null,
        created_at: '2030-01-01T00:00:00.000000Z',
        updated_at: '2030-01-01T00:00:00.000000Z',
        ...over,
      },
    },
  };
}

function paymentEvent(userId: string | null, subscriptionId: string, invoiceId: string) {
  return {
    meta: { event_name: 'subscription_payment_success', ...(userId ? { custom_data: { user_id: userId } } : {}) },
    data: {
      type: 'subscription-invoices',
      id: invoiceId,
      attributes: {
        store_id: 12345,
        subscription_id: Number(subscriptionId),
        billing_reason: 'initial',
        status: 'paid',
        total: 7500,
        updated_at: '2030-01-01T00:00:05.000000Z',
      },
    },
  };
}

const me = async (t: TestApp, u: CanvasUser) => (await requests(t.app).as(u).get('/api/v1/users/me')).json().data;

describe('POST /webhooks/lemon-squeezy', () => {
  let t: TestApp;
  const { as } = requests(() => t.app);
  beforeAll(async () => {
    t = await makeTestApp({ lemonSqueezy: billing });
  });
  afterAll(async () => t?.close());

  it('applies a signed subscription_created: plan, status, period and card', async () => {
    const u = await canvasUser(t.app);
    const res = await send(t, subscriptionEvent(u.id, '5001'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ success: true, data: { result: 'applied', credits_granted: 0 } });
    expect((await me(t, u)).tier).toBe('pro');
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toEqual({
      id: expect.any(String),
      plan: { name: 'pro', display_name: 'Pro' },
      status: 'active',
      billing_cycle: 'monthly',
      current_period_start: '2030-01-01T00:00:00.000Z',
      current_period_end: '2030-02-01T00:00:00.000Z',
      cancel_at_period_end: false,
      payment_method: { type: 'card', last_four: '4242', brand: 'visa' },
      managed_by: 'lemon_squeezy',
    });
  });

  it("grants the month's credits on payment once, however often it is delivered", async () => {
    const u = await canvasUser(t.app);
    const before = (await me(t, u)).credits;
    await send(t, subscriptionEvent(u.id, '5002'));
    const payment = paymentEvent(u.id, '5002', '7002');
    const first = await send(t, payment);
    expect(first.statusCode, first.body).toBe(200);
    // Free's 500 were granted this period already: the payment tops the month up to Pro's 15,000.
    expect(first.json().data).toEqual({ result: 'applied', credits_granted: 15000 - before });
    expect((await me(t, u)).credits).toBe(15000);
    for (let i = 0; i < 2; i++) {
      const again = await send(t, payment);
      expect(again.statusCode).toBe(200);
      expect(again.json().data).toEqual({ result: 'duplicate', credits_granted: 0 });
    }
    expect((await me(t, u)).credits).toBe(15000);
    const grants = (await as(u).get('/api/v1/users/me/credits?type=subscription_grant')).json();
    expect(grants.meta.total).toBe(2);
    // A second invoice in the same period (a retried charge) finds the month already paid for.
    const second = await send(t, paymentEvent(u.id, '5002', '7003'));
    expect(second.json().data).toEqual({ result: 'applied', credits_granted: 0 });
  });

  it('accepts the sha256= form of the signature', async () => {
    const u = await canvasUser(t.app);
    const raw = JSON.stringify(subscriptionEvent(u.id, '5003', { variant_id: '111' }));
    const res = await post(t, raw, `sha256=${sign(raw)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect((await me(t, u)).tier).toBe('starter');
  });

  it('refuses a missing, wrong or malformed signature and a tampered body with 401', async () => {
    const u = await canvasUser(t.app);
    const raw = JSON.stringify(subscriptionEvent(u.id, '5004'));
    const tampered = raw.replace('"variant_id":222', '"variant_id":334');
    expect(tampered).not.toBe(raw);
    for (const [body, signature] of [
      [raw, null],
      [raw, ''],
      [raw, sign(raw, 'another-secret')],
      [raw, 'sha256=zz'],
      [raw, sign(raw).slice(0, 40)],
      [tampered, sign(raw)],
    ] as const) {
      const res = await post(t, body, signature);
      expect(res.statusCode, String(signature)).toBe(401);
      expect(res.json()).toEqual(errorOf('INVALID_SIGNATURE'));
    }
    expect((await me(t, u)).tier).toBe('free');
    expect(t.app.db.select().from(canvasSubscriptions).where(eq(canvasSubscriptions.providerSubscriptionId, '5004')).all()).toHaveLength(0);
  });

  it('checks the signature before it reads the body', async () => {
    const notJson = 'this is not json';
    expect((await post(t, notJson, 'sha256=' + '0'.repeat(64))).statusCode).toBe(401);
    const signed = await post(t, notJson, sign(notJson));
    expect(signed.statusCode).toBe(400);
    expect(signed.json().error.code).toBe('VALIDATION_ERROR');
    const notAnEvent = JSON.stringify({ hello: 'world' });
    const res = await post(t, notAnEvent, sign(notAnEvent));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('refuses a variant that is not configured with 422 and stores nothing, so it can be retried', async () => {
    const u = await canvasUser(t.app);
    const event = subscriptionEvent(u.id, '5005', { variant_id: 999 });
    const res = await send(t, event);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual(errorOf('UNKNOWN_VARIANT', { variant_id: 999 }));
    expect((await me(t, u)).tier).toBe('free');
    expect((await send(t, event)).statusCode).toBe(422);
  });

  it('acknowledges and ignores an event for no known account', async () => {
    const ghost = crypto.randomUUID();
    const res = await send(t, subscriptionEvent(ghost, '5006'));
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ result: 'ignored', credits_granted: 0 });
    const noUser = await send(t, subscriptionEvent(null, '5007'));
    expect(noUser.json().data.result).toBe('ignored');
    expect(t.app.db.select().from(canvasSubscriptions).where(eq(canvasSubscriptions.providerSubscriptionId, '5006')).all()).toHaveLength(0);
    expect(
      t.app.db
        .select()
        .from(canvasWebhookEvents)
        .where(eq(canvasWebhookEvents.eventName, 'subscription_created'))
        .all()
        .some((e) => e.eventKey.includes(':5006:')),
    ).toBe(true);
  });

  it('refuses a payment for a subscription it has not seen yet with 422', async () => {
    const u = await canvasUser(t.app);
    const res = await send(t, paymentEvent(u.id, '5008', '7008'));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('UNKNOWN_SUBSCRIPTION');
    expect((await me(t, u)).credits).toBe(500);
  });

  it('follows the subscription through cancel, resume and expiry, finding the account by subscription id', async () => {
    const u = await canvasUser(t.app);
    await send(t, subscriptionEvent(u.id, '5009', { variant_id: 334, renews_at: '2031-01-01T00:00:00Z' }));
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toMatchObject({
      plan: { name: 'studio' },
      billing_cycle: 'yearly',
      current_period_start: '2030-01-01T00:00:00.000Z',
    });

    // No custom data on this one: the subscription id names the account.
    const cancelled = await send(
      t,
      subscriptionEvent(
        null,
        '5009',
        { variant_id: 334, status: 'cancelled', ends_at: '2031-01-01T00:00:00Z', updated_at: '2030-03-01T00:00:00Z' },
        'subscription_cancelled',
      ),
    );
    expect(cancelled.json().data.result).toBe('applied');
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toMatchObject({
      status: 'cancelling',
      cancel_at_period_end: true,
      current_period_end: '2031-01-01T00:00:00.000Z',
    });
    expect((await me(t, u)).tier).toBe('studio');

    await send(
      t,
      subscriptionEvent(u.id, '5009', { variant_id: 334, status: 'active', updated_at: '2030-03-02T00:00:00Z' }, 'subscription_resumed'),
    );
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toMatchObject({ status: 'active', cancel_at_period_end: false });

    await send(
      t,
      subscriptionEvent(u.id, '5009', { variant_id: 334, status: 'past_due', updated_at: '2030-03-03T00:00:00Z' }, 'subscription_updated'),
    );
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data.status).toBe('past_due');
    expect((await me(t, u)).tier).toBe('studio');

    await send(
      t,
      subscriptionEvent(
        u.id,
        '5009',
        { variant_id: 334, status: 'expired', ends_at: '2030-03-04T00:00:00Z', updated_at: '2030-03-04T00:00:00Z' },
        'subscription_expired',
      ),
    );
    expect((await me(t, u)).tier).toBe('free');
    expect((await as(u).get('/api/v1/subscriptions/current')).json().data).toMatchObject({ id: null, plan: { name: 'free' } });
  });

  it('acknowledges order_created without changing anything', async () => {
    const u = await canvasUser(t.app);
    const res = await send(t, {
      meta: { event_name: 'order_created', custom_data: { user_id: u.id } },
      data: { type: 'orders', id: 1, attributes: { status: 'paid', updated_at: '2030-01-01T00:00:00Z' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.result).toBe('ignored');
    expect(await me(t, u)).toMatchObject({ tier: 'free', credits: 500 });
  });
});

describe('POST /webhooks/lemon-squeezy without a secret', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => t?.close());

  it('answers 503 BILLING_NOT_CONFIGURED', async () => {
    const raw = JSON.stringify(subscriptionEvent(crypto.randomUUID(), '1'));
    const res = await post(t, raw, sign(raw));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorOf('BILLING_NOT_CONFIGURED'));
  });
});
