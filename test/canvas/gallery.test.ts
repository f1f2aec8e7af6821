import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorOf, generated, pathOf, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';

let t: CanvasTest;
let alice: CanvasUser;
let bob: CanvasUser;
let ids: string[];
const { as } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c));
beforeEach(async () => {
  // Three images of different sizes (so different file sizes), oldest first.
  ids = [];
  for (const size of [64, 32, 128]) ids.push((await generated(t, alice, { width: size, height: size, seed: size })).result.image_id);
});

const idsOf = (res: { json(): { data: { id: string }[] } }) => res.json().data.map((i) => i.id);

describe('images', () => {
  it('lists the gallery newest first, pages it, sorts by size and filters stars', async () => {
    const res = await as(alice).get('/api/v1/images');
    expect(res.json().meta).toEqual({ page: 1, per_page: 20, total: 3 });
    expect(idsOf(res)).toEqual([ids[2], ids[1], ids[0]]);
    expect(res.json().data[0]).toEqual({
      id: ids[2],
      thumbnail_url: expect.stringContaining('/files/canvas/'),
      full_url: expect.stringContaining('/files/canvas/'),
      width: 128,
      height: 128,
      file_size: expect.any(Number),
      is_starred: false,
      created_at: expect.any(String),
      metadata: { model: 'tiny-sd1', prompt: 'a red fox in the snow' },
    });
    const thumb = await t.app.inject({ method: 'GET', url: pathOf(res.json().data[0].thumbnail_url) });
    expect(thumb.headers['content-type']).toBe('image/webp');

    expect(idsOf(await as(alice).get('/api/v1/images?order=asc&per_page=2'))).toEqual([ids[0], ids[1]]);
    expect(idsOf(await as(alice).get('/api/v1/images?order=asc&per_page=2&page=2'))).toEqual([ids[2]]);
    const bySize = (await as(alice).get('/api/v1/images?sort=file_size&order=asc')).json().data;
    expect(bySize.map((i: { file_size: number }) => i.file_size)).toEqual(
      [...bySize.map((i: { file_size: number }) => i.file_size)].sort((a, b) => a - b),
    );
    expect(bySize[0].width).toBe(32);

    const star = await as(alice).post(`/api/v1/images/${ids[1]}/star`);
    expect(star.json()).toEqual({ success: true, data: { id: ids[1], is_starred: true } });
    expect(idsOf(await as(alice).get('/api/v1/images?starred=true'))).toEqual([ids[1]]);
    expect(idsOf(await as(alice).get('/api/v1/images?starred=false'))).toEqual([ids[2], ids[0]]);
    const unstar = await as(alice).delete(`/api/v1/images/${ids[1]}/star`);
    expect(unstar.json().data.is_starred).toBe(false);
    expect((await as(alice).get('/api/v1/images?starred=true')).json().meta.total).toBe(0);
    expect((await as(bob).get('/api/v1/images')).json().meta.total).toBe(0);
  });

  it('refuses bad list queries', async () => {
    for (const q of ['per_page=51', 'page=0', 'sort=name', 'order=up', 'starred=maybe', 'board_id=nope']) {
      const res = await as(alice).get(`/api/v1/images?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toEqual(errorOf('VALIDATION_ERROR'));
    }
    expect((await as(alice).get('/api/v1/images?board_id=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('shares an image publicly by token until the link is turned off', async () => {
    const res = await as(alice).post(`/api/v1/images/${ids[0]}/share`);
    expect(res.statusCode).toBe(200);
    const share = res.json().data;
    expect(share).toEqual({
      share_url: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/api\/v1\/shared\/[A-Za-z0-9_-]{24}$/),
      share_token: expect.any(String),
      expires_at: null,
    });
    expect((await as(alice).post(`/api/v1/images/${ids[0]}/share`)).json().data.share_token).toBe(share.share_token);
    const open = await t.app.inject({ method: 'GET', url: pathOf(share.share_url) });
    expect(open.statusCode).toBe(200);
    expect(open.headers['content-type']).toBe('image/png');
    expect(open.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const detail = (await as(alice).get(`/api/v1/images/${ids[0]}`)).json().data;
    expect(detail).toMatchObject({ is_public: true, share_url: share.share_url });
    expect((await as(bob).post(`/api/v1/images/${ids[0]}/share`)).statusCode).toBe(403);

    expect((await as(alice).delete(`/api/v1/images/${ids[0]}/share`)).json().data).toEqual({ id: ids[0], is_public: false });
    const gone = await t.app.inject({ method: 'GET', url: pathOf(share.share_url) });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual(errorOf('NOT_FOUND'));
    // A token of another shape names no share either.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/shared/short' })).statusCode).toBe(404);
  });

  it('deletes an image with its files, board memberships and share link', async () => {
    const board = (await as(alice).post('/api/v1/boards', { name: 'Best' })).json().data;
    await as(alice).post(`/api/v1/boards/${board.id}/images`, { image_ids: [ids[0], ids[1]] });
    const share = (await as(alice).post(`/api/v1/images/${ids[0]}/share`)).json().data;
    const files = () => fs.readdirSync(path.join(t.dataDir, 'files', 'canvas', alice.id, 'images'));
    expect(files()).toHaveLength(3);
    expect((await as(bob).delete(`/api/v1/images/${ids[0]}`)).statusCode).toBe(403);
    const res = await as(alice).delete(`/api/v1/images/${ids[0]}`);
    expect(res.json()).toEqual({ success: true, data: { id: ids[0], deleted: true } });
    expect(files()).toHaveLength(2);
    expect((await as(alice).get(`/api/v1/images/${ids[0]}`)).statusCode).toBe(404);
    expect((await as(alice).delete(`/api/v1/images/${ids[0]}`)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: pathOf(share.share_url) })).statusCode).toBe(404);
    expect((await as(alice).get(`/api/v1/boards/${board.id}`)).json().data.image_count).toBe(1);
  });

  it('answers 403 and 404 for images that are not yours or do not exist', async () => {
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/star'],
      ['DELETE', '/star'],
      ['POST', '/share'],
      ['DELETE', '/share'],
    ] as const) {
      const theirs = await as(bob).send(method, `/api/v1/images/${ids[0]}${suffix}`);
      expect(theirs.statusCode, `${method} ${suffix}`).toBe(403);
      expect(theirs.json()).toEqual(errorOf('FORBIDDEN'));
      const none = await as(alice).send(method, `/api/v1/images/00000000-0000-4000-8000-000000000000${suffix}`);
      expect(none.statusCode).toBe(404);
    }
    // The spec's own id shape names no image here: 404, not a validation error.
    expect((await as(alice).get('/api/v1/images/img-001')).json()).toEqual(errorOf('NOT_FOUND'));
  });

  it('reports storage use against the plan, in /storage/usage and /users/me', async () => {
    const list = (await as(alice).get('/api/v1/images')).json().data as { file_size: number }[];
    const images = list.reduce((a, i) => a + i.file_size, 0);
    const usage = (await as(alice).get('/api/v1/storage/usage')).json().data;
    expect(usage.breakdown.images).toBe(images);
    expect(usage.breakdown.workflows).toBe(0);
    expect(usage.breakdown.other).toBeGreaterThan(0);
    expect(usage.used_bytes).toBe(images + usage.breakdown.other);
    expect(usage.quota_bytes).toBe(5 * 1024 ** 3);
    expect(usage.used_percentage).toBe(Math.round((usage.used_bytes / usage.quota_bytes) * 10_000) / 100);
    const me = (await as(alice).get('/api/v1/users/me')).json().data;
    expect([me.storage_used, me.storage_quota]).toEqual([usage.used_bytes, usage.quota_bytes]);
  });
});

describe('boards', () => {
  it('creates, lists, renames and deletes boards; images stay in the gallery', async () => {
    const res = await as(alice).post('/api/v1/boards', { name: '  My Collection ', description: 'Best AI artworks' });
    expect(res.statusCode).toBe(201);
    const board = res.json().data;
    expect(board).toEqual({
      id: expect.any(String),
      name: 'My Collection',
      description: 'Best AI artworks',
      image_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const second = (await as(alice).post('/api/v1/boards', { name: 'Second' })).json().data;
    expect((await as(alice).get('/api/v1/boards')).json().data.map((b: { name: string }) => b.name)).toEqual(['My Collection', 'Second']);
    expect((await as(bob).get('/api/v1/boards')).json().data).toEqual([]);

    const added = await as(alice).post(`/api/v1/boards/${board.id}/images`, { image_ids: [ids[0], ids[1]] });
    expect(added.json().data).toMatchObject({ id: board.id, image_count: 2, added: 2 });
    expect((await as(alice).post(`/api/v1/boards/${board.id}/images`, { image_ids: [ids[1], ids[2]] })).json().data).toMatchObject({
      image_count: 3,
      added: 1,
    });
    await as(alice).post(`/api/v1/boards/${second.id}/images`, { image_ids: [ids[0]] });
    expect((await as(alice).get(`/api/v1/images/${ids[0]}`)).json().data.boards).toEqual([
      { id: board.id, name: 'My Collection' },
      { id: second.id, name: 'Second' },
    ]);
    expect(idsOf(await as(alice).get(`/api/v1/images?board_id=${board.id}&order=asc`))).toEqual(ids);

    const removed = await as(alice).delete(`/api/v1/boards/${board.id}/images/${ids[1]}`);
    expect(removed.json().data.image_count).toBe(2);
    expect((await as(alice).delete(`/api/v1/boards/${board.id}/images/${ids[1]}`)).statusCode).toBe(404);

    const renamed = await as(alice).patch(`/api/v1/boards/${board.id}`, { name: 'Renamed', description: null });
    expect(renamed.json().data).toMatchObject({ name: 'Renamed', description: null, image_count: 2 });

    expect((await as(alice).delete(`/api/v1/boards/${board.id}`)).json()).toEqual({ success: true, data: { id: board.id, deleted: true } });
    expect((await as(alice).get(`/api/v1/boards/${board.id}`)).statusCode).toBe(404);
    expect((await as(alice).get('/api/v1/images')).json().meta.total).toBe(3);
    expect((await as(alice).get(`/api/v1/images/${ids[0]}`)).json().data.boards).toEqual([{ id: second.id, name: 'Second' }]);
  });

  it("refuses bad bodies, other accounts' boards and images, and adds nothing when one image is not yours", async () => {
    const board = (await as(alice).post('/api/v1/boards', { name: 'Mine' })).json().data;
    const bobs = (await generated(t, bob)).result.image_id;
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/boards', {}, 400, 'VALIDATION_ERROR'],
      ['POST', '/api/v1/boards', { name: '   ' }, 400, 'VALIDATION_ERROR'],
      ['POST', '/api/v1/boards', { name: 'x'.repeat(101) }, 400, 'VALIDATION_ERROR'],
      ['PATCH', `/api/v1/boards/${board.id}`, {}, 400, 'VALIDATION_ERROR'],
      ['POST', `/api/v1/boards/${board.id}/images`, { image_ids: [] }, 400, 'VALIDATION_ERROR'],
      ['POST', `/api/v1/boards/${board.id}/images`, { image_ids: [ids[0], ids[0]] }, 400, 'VALIDATION_ERROR'],
      ['GET', '/api/v1/boards/00000000-0000-4000-8000-000000000000', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const res = await as(alice).send(method as 'GET', url, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(status);
      expect(res.json()).toEqual(errorOf(code));
    }
    const mixed = await as(alice).post(`/api/v1/boards/${board.id}/images`, { image_ids: [ids[0], bobs] });
    expect(mixed.statusCode).toBe(404);
    expect(mixed.json()).toEqual(errorOf('NOT_FOUND', { image_ids: [bobs] }));
    expect((await as(alice).get(`/api/v1/boards/${board.id}`)).json().data.image_count).toBe(0);
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
      ['POST', '/images', { image_ids: [bobs] }],
      ['DELETE', `/images/${ids[0]}`, undefined],
    ] as const) {
      const res = await as(bob).send(method, `/api/v1/boards/${board.id}${suffix}`, body);
      expect(res.statusCode, `${method} ${suffix}`).toBe(403);
      expect(res.json()).toEqual(errorOf('FORBIDDEN'));
    }
  });
});
