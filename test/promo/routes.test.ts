import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDLE_HEALTH, makeTestApp, type TestApp } from '../helpers/app';
import { promoItems, promoVideos } from '../../src-server/db/schema';
import { joinPromo, type PromoUser } from './helpers';

let t: TestApp;
let me: PromoUser;
let other: PromoUser;

beforeEach(async () => {
  t = await makeTestApp();
  me = await joinPromo(t.app);
  other = await joinPromo(t.app, 'Other');
});
afterEach(async () => {
  await t.close();
});

const stamp = () => new Date().toISOString();

function addItem(userId: string, name = '카페 블루문') {
  return t.app.db
    .insert(promoItems)
    .values({
      id: crypto.randomUUID(),
      userId,
      name,
      url: 'https://bluemoon.cafe',
      address: '서울시 강남구 역삼동 123-45',
      phoneNumber: '02-1234-5678',
      hashtags: ['카페'],
      colors: [],
      images: [],
      createdAt: stamp(),
      updatedAt: stamp(),
    })
    .returning()
    .get();
}

async function addVideo(userId: string, bytes = Buffer.from('0123456789abcdefghij')) {
  const id = crypto.randomUUID();
  const fileKey = `promo/${userId}/${id}.mp4`;
  await t.app.storage.put(fileKey, bytes);
  return t.app.db
    .insert(promoVideos)
    .values({
      id,
      userId,
      title: '카페 블루문 홍보 영상',
      filename: `bluemoon_${id.slice(0, 8)}.mp4`,
      fileKey,
      resolution: '1920x1080',
      durationSec: 12,
      status: 'completed',
      createdAt: stamp(),
    })
    .returning()
    .get();
}

const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload: unknown, who: PromoUser | null = me) =>
  t.app.inject({ method, url, payload: payload as object, ...(who ? who.as : {}) });

describe('items', () => {
  it('lists only your own businesses, edits and deletes them', async () => {
    const mine = addItem(me.id);
    addItem(other.id, 'Someone else');
    const list = await send('POST', '/user/items', { id: me.id });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      total_count: 1,
      items: [{ item_id: mine.id, name: '카페 블루문', phone_number: '02-1234-5678', hashtags: ['카페'] }],
    });

    const update = await send('PUT', '/user/item/update', {
      id: me.id,
      item_id: mine.id,
      name: '카페 블루문 강남점',
      hashtags: ['브런치'],
    });
    expect(update.json()).toEqual({ success: true, item_id: mine.id });
    expect((await send('POST', '/user/items', { id: me.id })).json().items[0]).toMatchObject({
      name: '카페 블루문 강남점',
      hashtags: ['브런치'],
      address: '서울시 강남구 역삼동 123-45',
    });

    const del = await send('DELETE', '/user/item/delete', { id: me.id, item_id: mine.id });
    expect(del.json()).toEqual({ success: true, item_id: mine.id });
    expect((await send('POST', '/user/items', { id: me.id })).json()).toEqual({ total_count: 0, items: [] });
  });

  it('answers 403 for a body id that is not yours, ITEM_001 for an item that is not, 422 for bad fields, 401 without identity', async () => {
    const theirs = addItem(other.id);
    const forbidden = await send('POST', '/user/items', { id: other.id });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error_code: 'AUTH_004', error_message: expect.any(String) });
    const notMine = await send('PUT', '/user/item/update', { id: me.id, item_id: theirs.id, name: 'Mine now' });
    expect(notMine.statusCode).toBe(404);
    expect(notMine.json().error_code).toBe('ITEM_001');
    const invalid = await send('PUT', '/user/item/update', { id: me.id, item_id: 'not-a-uuid' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error_code).toBe('VALIDATION_001');
    const badPhone = await send('PUT', '/user/item/update', { id: me.id, item_id: theirs.id, phone_number: 'call me' });
    expect(badPhone.statusCode).toBe(422);
    expect((await send('DELETE', '/user/item/delete', { id: me.id, item_id: theirs.id })).json().error_code).toBe('ITEM_001');
    const anonymous = await send('POST', '/user/items', { id: me.id }, null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error_code).toBe('AUTH_003');
  });
});

describe('videos', () => {
  it('lists videos with a playable signed url and streams them with Range', async () => {
    const video = await addVideo(me.id);
    const list = await send('POST', '/user/videos', { id: me.id });
    expect(list.statusCode).toBe(200);
    const [row] = list.json().videos;
    expect(list.json().total_count).toBe(1);
    expect(row).toMatchObject({
      id: video.id,
      title: '카페 블루문 홍보 영상',
      is_uploaded: false,
      download_count: 0,
      resolution: '1920x1080',
      status: 'completed',
    });
    expect(row.url).toMatch(new RegExp(`^/user/video/${video.filename}\\?`));

    // The signed link plays with no cookie at all (a <video> tag), in ranges.
    const part = await t.app.inject({ url: row.url, headers: { range: 'bytes=2-5' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-type']).toBe('video/mp4');
    expect(part.headers['content-range']).toBe('bytes 2-5/20');
    expect(part.body).toBe('2345');
    // The owner's session works without a signature; a download counts.
    const whole = await t.app.inject({ url: `/user/video/${video.filename}?download=true`, ...me.as });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-disposition']).toContain(video.filename);
    expect((await send('POST', '/user/videos', { id: me.id })).json().videos[0].download_count).toBe(1);
  });

  it('answers {"detail":"Video not found"} for a missing name, someone else\'s video or a forged signature', async () => {
    const video = await addVideo(other.id);
    for (const url of [
      '/user/video/nope.mp4',
      `/user/video/${video.filename}`,
      `/user/video/${video.filename}?m=GET&exp=9999999999&sig=forged`,
    ]) {
      const res = await t.app.inject({ url, ...me.as });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ detail: 'Video not found' });
    }
  });

  it("deletes a video with its file; VIDEO_001 for another's; 403 for another user_id", async () => {
    const video = await addVideo(me.id);
    const theirs = await addVideo(other.id);
    expect((await send('DELETE', '/user/video/delete', { user_id: other.userId, video_id: video.id })).statusCode).toBe(403);
    const notMine = await send('DELETE', '/user/video/delete', { user_id: me.userId, video_id: theirs.id });
    expect(notMine.statusCode).toBe(404);
    expect(notMine.json()).toEqual({ error_code: 'VIDEO_001', error_message: expect.any(String) });
    const del = await send('DELETE', '/user/video/delete', { user_id: me.userId, video_id: video.id });
    expect(del.json()).toEqual({ message: '비디오가 성공적으로 삭제되었습니다' });
    expect(await t.app.storage.exists(video.fileKey)).toBe(false);
    expect((await t.app.inject({ url: `/user/video/${video.filename}`, ...me.as })).json()).toEqual({ detail: 'Video not found' });
    expect((await send('DELETE', '/user/video/delete', { user_id: me.userId, video_id: 'x' })).statusCode).toBe(422);
  });
});

describe('moviemaker', () => {
  let site: http.Server;
  let base: string;
  beforeEach(async () => {
    // A site that never finishes answering: the task stays in its first stage until cancelled.
    site = http.createServer(() => undefined);
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
  });

  it('refuses addresses it may not crawl with URL_001 and bad bodies with 422', async () => {
    for (const url of [
      'ftp://bluemoon.cafe',
      'not a url',
      'http://user:pw@bluemoon.cafe',
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://10.0.0.7/',
      'http://[::ffff:192.168.0.1]/',
    ]) {
      const res = await send('POST', '/moviemaker/start-workflow', { url });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error_code, url).toBe('URL_001');
    }
    expect((await send('POST', '/moviemaker/start-workflow', { url: 42 })).json().error_code).toBe('VALIDATION_001');
    expect((await send('POST', '/moviemaker/start-workflow', { url: 'https://a.example', aspect_ratio: '4:3' })).statusCode).toBe(422);
    expect((await send('POST', '/moviemaker/start-workflow', { url: 'https://a.example' }, null)).statusCode).toBe(401);
  });

  it('starts a task, reports its six flags, cancels it; TASK_001 for unknown or foreign tasks', async () => {
    t.app.promo.crawl.allow = (ip) => ip === '127.0.0.1';
    const start = await send('POST', '/moviemaker/start-workflow', { url: `${base}/`, aspect_ratio: '9:16' });
    expect(start.statusCode).toBe(200);
    const flags = { metadata: false, lyrics: false, songs: false, images: false, movies: false, combined: false };
    expect(start.json()).toEqual({ task_id: expect.any(String), progress: flags });
    const taskId = start.json().task_id;

    const progress = await send('POST', '/moviemaker/progress', { task_id: taskId });
    expect(progress.statusCode).toBe(200);
    expect(progress.json()).toMatchObject({ progress: flags, task_id: taskId, status: expect.stringMatching(/queued|processing/) });

    expect((await send('POST', '/moviemaker/progress', { task_id: taskId }, other)).json()).toEqual({
      error_code: 'TASK_001',
      error_message: expect.any(String),
    });
    expect((await send('POST', '/moviemaker/progress', { task_id: crypto.randomUUID() })).statusCode).toBe(404);
    expect((await send('POST', '/moviemaker/progress', {})).statusCode).toBe(422);

    const cancel = await send('POST', '/moviemaker/cancel', { task_id: taskId });
    expect(cancel.json()).toMatchObject({ status: 'cancelled', progress: flags });
    const again = await send('POST', '/moviemaker/cancel', { task_id: taskId });
    expect(again.statusCode).toBe(409);
    expect(again.json().error_code).toBe('TASK_002');
  });

  it("makes a video again from a stored (edited) business without crawling; ITEM_001 for someone else's", async () => {
    t.app.promo.crawl.allow = (ip) => ip === '127.0.0.1';
    const mine = addItem(me.id);
    t.app.db
      .update(promoItems)
      .set({ url: `${base}/` })
      .run();
    const start = await send('POST', '/moviemaker/start-workflow', { item_id: mine.id });
    expect(start.statusCode).toBe(200);
    const state = (await send('POST', '/moviemaker/progress', { task_id: start.json().task_id })).json();
    expect(state.item_id).toBe(mine.id);
    await send('POST', '/moviemaker/cancel', { task_id: start.json().task_id });
    const theirs = addItem(other.id);
    expect((await send('POST', '/moviemaker/start-workflow', { item_id: theirs.id })).json().error_code).toBe('ITEM_001');
    expect((await send('POST', '/moviemaker/start-workflow', { aspect_ratio: '1:1' })).json().error_code).toBe('URL_001');
  });
});

describe('health', () => {
  it('reports the database, the job runner, the queue and the AI workers', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.json()).toEqual(IDLE_HEALTH);
  });
});
