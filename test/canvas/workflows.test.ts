import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { canvasWorkflows } from '../../src-server/db/schema';
import { canvasFixture, errorOf, type CanvasTest, type CanvasUser } from './helpers';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/invoke-workflows', name), 'utf8')) as Record<string, unknown>;

let t: CanvasTest;
let alice: CanvasUser;
let bob: CanvasUser;
const { as, anon } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c), { models: false });

const save = (user: CanvasUser, body: Record<string, unknown>) => as(user).post('/api/v1/workflows', body);

describe('POST /workflows, GET /workflows/{id}', () => {
  it('stores the definition exactly as sent, trims the name, and counts it in storage usage', async () => {
    const definition = fixture('text-to-image-sdxl.json');
    const res = await save(alice, { name: '  Portrait Enhancer ', description: 'Enhance portrait photos', definition, is_public: false });
    expect(res.statusCode, res.body).toBe(201);
    const size = Buffer.byteLength(JSON.stringify(definition));
    const created = res.json().data;
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Portrait Enhancer',
      description: 'Enhance portrait photos',
      is_public: false,
      is_mine: true,
      owner_id: alice.id,
      definition_size: size,
      created_at: expect.any(String),
      updated_at: created.created_at,
      definition,
    });
    const got = await as(alice).get(`/api/v1/workflows/${created.id}`);
    expect(got.statusCode).toBe(200);
    // Key order and every field survive the round trip.
    expect(JSON.stringify(got.json().data.definition)).toBe(JSON.stringify(definition));

    const usage = (await as(alice).get('/api/v1/storage/usage')).json().data;
    expect(usage).toMatchObject({ used_bytes: size, breakdown: { images: 0, workflows: size, other: 0 } });
    const me = (await as(alice).get('/api/v1/users/me')).json().data;
    expect(me.storage_used).toBe(size);
    // Deleting it gives the bytes back.
    expect((await as(alice).delete(`/api/v1/workflows/${created.id}`)).json()).toEqual({
      success: true,
      data: { id: created.id, deleted: true },
    });
    expect((await as(alice).get('/api/v1/storage/usage')).json().data.breakdown.workflows).toBe(0);
    expect((await as(alice).get(`/api/v1/workflows/${created.id}`)).statusCode).toBe(404);
  });

  it('takes a realistic workflow of tens of KB and refuses one over 1 MiB with PAYLOAD_TOO_LARGE', async () => {
    // Forty copies of the SD 1.5 graph's nodes: about 250 KB of ordinary InvokeAI JSON.
    const base = fixture('text-to-image-sd15.json') as { nodes: { id: string }[] };
    const big = { ...base, nodes: Array.from({ length: 40 }, (_, i) => base.nodes.map((n) => ({ ...n, id: `${n.id}-${i}` }))).flat() };
    const bytes = Buffer.byteLength(JSON.stringify(big));
    expect(bytes).toBeGreaterThan(100_000);
    let res = await save(alice, { name: 'Big', definition: big });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data.definition_size).toBe(bytes);

    const copies = Math.ceil((1.1 * 1024 * 1024) / Buffer.byteLength(JSON.stringify(base.nodes)));
    const huge = { ...base, nodes: Array.from({ length: copies }, (_, i) => base.nodes.map((n) => ({ ...n, id: `${n.id}-${i}` }))).flat() };
    res = await save(alice, { name: 'Huge', definition: huge });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual(
      errorOf('PAYLOAD_TOO_LARGE', { field: 'definition', bytes: Buffer.byteLength(JSON.stringify(huge)), max_bytes: 1024 * 1024 }),
    );
  });

  it('answers VALIDATION_ERROR for a missing or blank name, a long name, a definition that is not an object; ignores unknown fields', async () => {
    const definition = fixture('upscale-esrgan.json');
    for (const body of [
      { definition },
      { name: '   ', definition },
      { name: 'x'.repeat(101), definition },
      { name: 'A', definition: [definition] },
      { name: 'A', definition: 'not json' },
      { name: 'A' },
      { name: 'A', definition, is_public: 'yes please' },
    ]) {
      const res = await save(alice, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json()).toEqual(errorOf('VALIDATION_ERROR'));
    }
    // A field the spec does not have is dropped, as the seed's Pydantic did: never stored.
    const extra = await save(alice, { name: 'A', definition, owner: 'me' });
    expect(extra.statusCode).toBe(201);
    expect(extra.json().data).not.toHaveProperty('owner');
    expect((await anon().post('/api/v1/workflows', { name: 'A', definition })).statusCode).toBe(401);
    // An id of another shape names no workflow.
    expect((await as(alice).get('/api/v1/workflows/not-a-uuid')).json()).toEqual(errorOf('NOT_FOUND'));
  });

  it("refuses with STORAGE_EXCEEDED when saving would pass the plan's quota, also when a PATCH grows the definition", async () => {
    const small = await save(alice, { name: 'Small', definition: { nodes: [], edges: [] } });
    expect(small.statusCode).toBe(201);
    const tiny = (await save(alice, { name: 'Tiny', definition: {} })).json().data;
    // Free: 5 GB. Leave less room than the next definition needs, and than growing Tiny ({}, 2 bytes) to it does.
    const quota = 5 * 1024 ** 3;
    const definition = fixture('text-to-image-sd15.json');
    const size = Buffer.byteLength(JSON.stringify(definition));
    t.app.db
      .update(canvasWorkflows)
      .set({ definitionSize: quota - size + 3 - tiny.definition_size })
      .where(eq(canvasWorkflows.id, small.json().data.id))
      .run();
    let res = await save(alice, { name: 'Next', definition });
    expect(res.statusCode).toBe(402);
    expect(res.json()).toEqual(errorOf('STORAGE_EXCEEDED', { used_bytes: quota - size + 3, quota_bytes: quota, required_bytes: size }));
    res = await as(alice).patch(`/api/v1/workflows/${tiny.id}`, { definition });
    expect(res.statusCode).toBe(402);
    expect(res.json()).toEqual(
      errorOf('STORAGE_EXCEEDED', { used_bytes: quota - size + 3, quota_bytes: quota, required_bytes: size - tiny.definition_size }),
    );
    // A smaller definition frees room, so it is taken.
    expect((await as(alice).patch(`/api/v1/workflows/${small.json().data.id}`, { definition: {} })).statusCode).toBe(200);
    // Renaming takes no room; Bob's storage is his own.
    expect((await as(alice).patch(`/api/v1/workflows/${small.json().data.id}`, { name: 'Renamed' })).statusCode).toBe(200);
    expect((await save(bob, { name: 'Next', definition })).statusCode).toBe(201);
  });
});

describe('GET /workflows, PATCH and DELETE /workflows/{id}', () => {
  it("lists your own and others' public workflows, newest first, paged; mine=true only yours", async () => {
    const definition = fixture('upscale-esrgan.json');
    const a1 = (await save(alice, { name: 'A private', definition })).json().data;
    const b1 = (await save(bob, { name: 'B public', definition, is_public: true })).json().data;
    await save(bob, { name: 'B private', definition });
    const a2 = (await save(alice, { name: 'A public', definition, is_public: true })).json().data;

    const res = await as(alice).get('/api/v1/workflows');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual({ page: 1, per_page: 20, total: 3 });
    expect(body.data.map((w: { name: string }) => w.name)).toEqual(['A public', 'B public', 'A private']);
    expect(body.data[1]).toEqual({ ...b1, is_mine: false, definition: undefined });
    expect(body.data[0]).not.toHaveProperty('definition');

    const page2 = (await as(alice).get('/api/v1/workflows?page=2&per_page=2')).json();
    expect(page2.meta).toEqual({ page: 2, per_page: 2, total: 3 });
    expect(page2.data.map((w: { id: string }) => w.id)).toEqual([a1.id]);
    const mine = (await as(alice).get('/api/v1/workflows?mine=true')).json();
    expect(mine.data.map((w: { id: string }) => w.id)).toEqual([a2.id, a1.id]);
    expect((await as(alice).get('/api/v1/workflows?per_page=101')).json()).toEqual(errorOf('VALIDATION_ERROR'));
  });

  it('lets others read a public workflow but not a private one (403 as for images), and only the owner change or delete', async () => {
    const definition = fixture('upscale-esrgan.json');
    const pub = (await save(bob, { name: 'Public', definition, is_public: true })).json().data;
    const priv = (await save(bob, { name: 'Private', definition })).json().data;

    let res = await as(alice).get(`/api/v1/workflows/${pub.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ id: pub.id, is_mine: false, definition });
    res = await as(alice).get(`/api/v1/workflows/${priv.id}`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('FORBIDDEN'));
    res = await as(alice).get('/api/v1/workflows/00000000-0000-4000-8000-000000000000');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('NOT_FOUND'));

    for (const id of [pub.id, priv.id]) {
      expect((await as(alice).patch(`/api/v1/workflows/${id}`, { name: 'Mine now' })).statusCode).toBe(403);
      expect((await as(alice).delete(`/api/v1/workflows/${id}`)).statusCode).toBe(403);
    }
    expect((await as(alice).delete('/api/v1/workflows/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);

    // Bob makes it private: Alice loses it.
    t.clock.advance(1000);
    res = await as(bob).patch(`/api/v1/workflows/${pub.id}`, {
      is_public: false,
      name: ' Hidden ',
      description: null,
      definition: fixture('text-to-image-sd15.json'),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({
      name: 'Hidden',
      description: null,
      is_public: false,
      definition: fixture('text-to-image-sd15.json'),
    });
    expect(res.json().data.updated_at > pub.updated_at).toBe(true);
    expect((await as(alice).get(`/api/v1/workflows/${pub.id}`)).statusCode).toBe(403);
    expect((await as(alice).get('/api/v1/workflows')).json().meta.total).toBe(0);
    expect((await as(bob).patch(`/api/v1/workflows/${pub.id}`, {})).json()).toEqual(errorOf('VALIDATION_ERROR'));
    expect((await as(bob).get('/api/v1/storage/usage')).json().data.breakdown.workflows).toBe(
      Buffer.byteLength(JSON.stringify(fixture('text-to-image-sd15.json'))) + Buffer.byteLength(JSON.stringify(definition)),
    );
  });
});

describe('OpenAPI', () => {
  it("documents the workflow routes, their errors, and inputs that carry no defaults (they would replace the workflow's values)", async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/workflows'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/v1/workflows/{workflow_id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(Object.keys(doc.paths['/api/v1/workflows'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '402', '413']));
    const run = doc.paths['/api/v1/generate/workflow'].post;
    expect(Object.keys(run.responses)).toEqual(expect.arrayContaining(['202', '400', '402', '403', '404', '429']));
    expect(run.description).toContain('denoise_latents');
    const inputs = run.requestBody.content['application/json'].schema.properties.inputs;
    expect(Object.keys(inputs.properties)).toEqual(expect.arrayContaining(['prompt', 'seed', 'steps', 'image_id', 'strength', 'scale']));
    for (const [name, field] of Object.entries(inputs.properties as Record<string, { default?: unknown }>))
      expect(field.default, name).toBeUndefined();
  });
});
