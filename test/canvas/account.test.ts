import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src-server/db/schema';
import { canvasApp, canvasUser, errorOf, generated, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';
import { requests } from '../helpers/inject';

let t: CanvasTest;
let alice: CanvasUser;
const { as, anon } = canvasFixture(['Alice'], (c) => ([t, alice] = c));

const DAY = 86_400_000;

describe('GET|PATCH /users/me', () => {
  it('carries the canvas fields: credits, storage, subscription and plan features, beside the stories fields', async () => {
    const res = await as(alice).get('/api/v1/users/me');
    expect(Object.keys(res.headers)).toEqual(expect.arrayContaining(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']));
    const me = res.json().data;
    expect(me).toMatchObject({
      id: alice.id,
      object: 'user',
      email: alice.email,
      tier: 'free',
      credits: 500,
      storage_used: 0,
      storage_quota: 5 * 1024 ** 3,
      subscription: { plan: 'free', status: 'active', current_period_end: expect.any(String) },
      features: { sd_models: true, flux_model: false, nano_banana_api: false, lora_training: false, queue_count: 1 },
    });
    t.app.db.update(users).set({ tier: 'pro' }).where(eq(users.id, alice.id)).run();
    const patched = (await as(alice).patch('/api/v1/users/me', { name: '김철수' })).json().data;
    expect(patched).toMatchObject({
      name: '김철수',
      tier: 'pro',
      storage_quota: 100 * 1024 ** 3,
      features: { flux_model: true, nano_banana_api: true, queue_count: 1 },
      subscription: { plan: 'pro' },
    });
    const login = (await anon().post('/api/v1/auth/login', { email: alice.email, password: alice.password })).json().data;
    expect(login.user).toMatchObject({ id: alice.id, tier: 'pro', credits: 500 });
  });
});

describe('GET /users/me/credits', () => {
  it("starts with the plan's monthly grant and grants again when a month has passed", async () => {
    let res = await as(alice).get('/api/v1/users/me/credits');
    expect(res.json()).toEqual({
      success: true,
      data: {
        balance: 500,
        reserved: 0,
        available: 500,
        transactions: [
          {
            id: expect.any(String),
            type: 'subscription_grant',
            amount: 500,
            description: 'Free plan monthly credits',
            balance_after: 500,
            created_at: expect.any(String),
          },
        ],
      },
      meta: { page: 1, per_page: 20, total: 1 },
    });
    const end = (await as(alice).get('/api/v1/users/me')).json().data.subscription.current_period_end;
    t.clock.advance(Date.parse(end) - t.clock.now() + 1000);
    // The access token lived an hour; sign in again after a month.
    const login = await anon().post('/api/v1/auth/login', { email: alice.email, password: alice.password });
    alice = { ...alice, headers: { authorization: `Bearer ${login.json().data.access_token}` } };
    res = await as(alice).get('/api/v1/users/me/credits');
    expect(res.json().data.balance).toBe(1000);
    expect(res.json().data.transactions[0]).toMatchObject({ type: 'subscription_grant', balance_after: 1000 });
    expect(Date.parse((await as(alice).get('/api/v1/users/me')).json().data.subscription.current_period_end)).toBeGreaterThan(
      Date.parse(end),
    );
  });

  it('lists generation charges, pages and filters by type', async () => {
    await generated(t, alice);
    await generated(t, alice);
    let res = (await as(alice).get('/api/v1/users/me/credits?per_page=1')).json();
    expect(res.meta).toEqual({ page: 1, per_page: 1, total: 3 });
    expect(res.data.transactions[0].type).toBe('generation_use');
    expect(res.data.transactions[0].description).toMatch(/^Image generation \(\d+ s, tiny-sd1\)$/);
    res = (await as(alice).get('/api/v1/users/me/credits?type=generation_use')).json();
    expect(res.meta.total).toBe(2);
    expect(res.data.balance).toBe(500 + res.data.transactions.reduce((a: number, x: { amount: number }) => a + x.amount, 0));
    for (const q of ['per_page=101', 'page=0', 'type=bonus']) {
      const bad = await as(alice).get(`/api/v1/users/me/credits?${q}`);
      expect(bad.statusCode, q).toBe(400);
      expect(bad.json()).toEqual(errorOf('VALIDATION_ERROR'));
    }
    expect((await anon().get('/api/v1/users/me/credits')).json()).toEqual(errorOf('UNAUTHORIZED'));
  });
});

describe('GET /users/me/usage', () => {
  it('sums completed generations by day and by model over the period', async () => {
    const a = await generated(t, alice, { batch_size: 2 });
    const b = await generated(t, alice);
    const res = await as(alice).get('/api/v1/users/me/usage?period=week');
    expect(res.statusCode).toBe(200);
    const usage = res.json().data;
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    expect(usage).toMatchObject({
      period: 'week',
      end_date: today,
      start_date: new Date(Date.parse(today) - 6 * DAY).toISOString().slice(0, 10),
    });
    expect(usage.daily).toHaveLength(7);
    const used = a.credits_used + b.credits_used;
    expect(usage.summary).toMatchObject({ total_generations: 2, total_credits_used: used, total_images_created: 3, api_calls: 2 });
    expect(usage.summary.storage_used_bytes).toBeGreaterThan(0);
    expect(usage.daily.at(-1)).toEqual({ date: today, generations: 2, credits_used: used, images_created: 3 });
    expect(usage.by_model).toEqual([{ model: 'tiny-sd1', generations: 2, credits_used: used }]);

    const month = (await as(alice).get('/api/v1/users/me/usage')).json().data;
    expect(month.period).toBe('month');
    expect(month.start_date).toBe(`${today.slice(0, 8)}01`);
    expect((await as(alice).get('/api/v1/users/me/usage?period=day')).json().data.daily).toHaveLength(1);
    expect((await as(alice).get('/api/v1/users/me/usage?period=year')).json()).toEqual(errorOf('VALIDATION_ERROR'));
  });
});

describe('GET /models', () => {
  it("lists the installed models as the caller's plan sees them, with the documented filters", async () => {
    const res = await as(alice).get('/api/v1/models');
    expect(res.statusCode).toBe(200);
    const all = res.json().data;
    expect(all.map((m: { name: string }) => m.name)).toEqual([
      'tiny-sd1',
      'tiny-sdxl',
      'tiny-x2',
      'tiny-lora',
      'tiny-lora-xl',
      'tiny-canny',
    ]);
    expect(all[0]).toEqual({
      id: 'tiny-sd1',
      name: 'tiny-sd1',
      display_name: 'Tiny SD 1.5',
      type: 'main',
      base: 'sd-1',
      description: 'Random weights, for tests',
      thumbnail_url: null,
      min_tier: 'free',
      is_available: true,
      unavailable_reason: null,
      inpainting: false,
      native_size: 64,
      scale: null,
      size_bytes: expect.any(Number),
      license: null,
    });
    expect(all[1]).toMatchObject({
      base: 'sdxl',
      min_tier: 'starter',
      is_available: false,
      unavailable_reason: 'needs the starter plan or above',
      native_size: 128,
    });
    expect(all[2]).toMatchObject({ type: 'upscaler', base: null, scale: 2, is_available: true });
    // LoRAs say their base (from their layers or metadata) and the licence their folder records.
    expect(all[3]).toMatchObject({ type: 'lora', base: 'sd-1', is_available: true, license: 'CreativeML Open RAIL-M' });
    expect(all[4]).toMatchObject({ type: 'lora', base: 'sdxl', license: null });
    expect(all[5]).toMatchObject({ type: 'controlnet', is_available: true });

    const names = async (q: string) => (await as(alice).get(`/api/v1/models?${q}`)).json().data.map((m: { name: string }) => m.name);
    expect(await names('type=main')).toEqual(['tiny-sd1', 'tiny-sdxl']);
    expect(await names('type=upscaler')).toEqual(['tiny-x2']);
    expect(await names('type=lora')).toEqual(['tiny-lora', 'tiny-lora-xl']);
    expect(await names('type=lora&base=sdxl')).toEqual(['tiny-lora-xl']);
    expect(await names('type=controlnet')).toEqual(['tiny-canny']);
    expect(await names('base=sdxl')).toEqual(['tiny-sdxl']);
    expect(await names('base=flux')).toEqual([]);
    expect(await names('min_tier=starter')).toEqual(['tiny-sdxl']);
    expect(await names('is_available=true')).toEqual(['tiny-sd1', 'tiny-x2', 'tiny-lora', 'tiny-lora-xl', 'tiny-canny']);
    expect(await names('is_available=false')).toEqual(['tiny-sdxl']);
    t.app.db.update(users).set({ tier: 'studio' }).where(eq(users.id, alice.id)).run();
    expect(await names('is_available=false')).toEqual([]);

    for (const q of ['type=embedding', 'base=sd-3', 'min_tier=gold', 'is_available=perhaps']) {
      const bad = await as(alice).get(`/api/v1/models?${q}`);
      expect(bad.statusCode, q).toBe(400);
      expect(bad.json()).toEqual(errorOf('VALIDATION_ERROR'));
    }
  });

  it('shows an empty catalog when nothing is installed, and a broken model as unavailable', async () => {
    const empty = await canvasApp(null);
    try {
      const u = await canvasUser(empty.app);
      expect((await requests(empty.app).as(u).get('/api/v1/models')).json()).toEqual({ success: true, data: [] });
      fs.mkdirSync(`${empty.dataDir}/models/diffusion/half-downloaded/unet`, { recursive: true });
      const broken = (await requests(empty.app).as(u).get('/api/v1/models')).json().data;
      expect(broken).toMatchObject([{ name: 'half-downloaded', is_available: false, unavailable_reason: expect.any(String) }]);
      const res = await requests(empty.app).as(u).post('/api/v1/generate/text-to-image', { prompt: 'x', model: 'half-downloaded' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'model' }));
    } finally {
      await empty.close();
    }
  });
});

describe('the canvas family as a whole', () => {
  it('documents every canvas route in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    for (const p of [
      '/api/v1/models',
      '/api/v1/generate/text-to-image',
      '/api/v1/generate/image-to-image',
      '/api/v1/generate/inpaint',
      '/api/v1/generate/outpaint',
      '/api/v1/generate/upscale',
      '/api/v1/queue/status',
      '/api/v1/queue/items',
      '/api/v1/queue/items/{job_id}',
      '/api/v1/images',
      '/api/v1/images/{image_id}',
      '/api/v1/images/{image_id}/star',
      '/api/v1/images/{image_id}/share',
      '/api/v1/shared/{token}',
      '/api/v1/boards',
      '/api/v1/boards/{board_id}',
      '/api/v1/boards/{board_id}/images',
      '/api/v1/boards/{board_id}/images/{image_id}',
      '/api/v1/users/me/credits',
      '/api/v1/users/me/usage',
      '/api/v1/storage/usage',
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    const t2i = doc.paths['/api/v1/generate/text-to-image'].post;
    expect(Object.keys(t2i.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '402', '403', '404', '429']));
    expect(t2i.responses['429'].description).toMatch(/QUOTA_EXCEEDED/);
  });

  it('deleting the account removes its images, files and credits', async () => {
    await generated(t, alice);
    const folder = `${t.dataDir}/files/canvas/${alice.id}`;
    expect(fs.readdirSync(`${folder}/images`)).toHaveLength(1);
    const res = await as(alice).delete('/api/users', { password: alice.password });
    expect(res.statusCode, res.body).toBe(200);
    expect(fs.existsSync(folder)).toBe(false);
    const left = t.app.db.$client
      .prepare(
        'SELECT (SELECT count(*) FROM canvas_images) + (SELECT count(*) FROM canvas_credit_transactions) + (SELECT count(*) FROM canvas_generations) AS n',
      )
      .get() as { n: number };
    expect(left.n).toBe(0);
  });
});
