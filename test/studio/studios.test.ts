import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app';
import type { Method } from '../helpers/inject';
import { errorOf, studioUser, type StudioUser } from './helpers';
import { appFixture } from '../helpers/fixtures';

let t: TestApp, alice: StudioUser, bob: StudioUser;
const { as, anon } = appFixture(studioUser, ['Alice', 'Bob'], (c) => ([t, alice, bob] = c));

const newStudio = async (user: StudioUser, studioName = 'Demo') => {
  const res = await as(user).post('/api/work/studio', { studioName });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data as { studioId: number; studioName: string };
};

const newTrack = async (user: StudioUser, studioId: number, trackName: string, order?: number) => {
  const res = await as(user).post(`/api/work/track/${studioId}`, { trackName, instrument: 'trumpet', ...(order ? { order } : {}) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.track as { trackId: number; order: number };
};

const trackNames = async (user: StudioUser, studioId: number) =>
  (await as(user).get(`/api/work/studio/${studioId}`))
    .json()
    .data.trackList.map((x: { trackName: string; order: number }) => [x.order, x.trackName]);

describe('studios (작업실)', () => {
  it('creates, lists newest-changed first, and shows only my own', async () => {
    const created = await as(alice).post('/api/work/studio', { studioName: '  Summer demo  ' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      success: true,
      message: 'Studio created',
      data: {
        studioId: expect.any(Number),
        studioName: 'Summer demo',
        trackInfo: [],
        trackCount: 0,
        createdAt: expect.any(String),
        modifiedAt: expect.any(String),
      },
    });
    t.clock.advance(1000);
    const second = await newStudio(alice, 'Winter');
    await newStudio(bob, 'Bob only');
    const list = (await as(alice).get('/api/work/studio')).json();
    expect(list.success).toBe(true);
    expect(list.data.map((s: { studioName: string }) => s.studioName)).toEqual(['Winter', 'Summer demo']);
    // Adding a track makes a studio the most recently changed.
    t.clock.advance(1000);
    await newTrack(alice, created.json().data.studioId, 'Take 1');
    const again = (await as(alice).get('/api/work/studio')).json().data;
    expect(again.map((s: { studioName: string }) => s.studioName)).toEqual(['Summer demo', 'Winter']);
    expect(again[0]).toMatchObject({ trackCount: 1, trackInfo: [] });
    expect(second.studioName).toBe('Winter');
  });

  it('refuses a missing, blank or over-long name with VALIDATION_ERROR and ignores unknown fields', async () => {
    for (const body of [{}, { studioName: '   ' }, { studioName: 'x'.repeat(101) }]) {
      const res = await as(alice).post('/api/work/studio', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(errorOf('VALIDATION_ERROR'));
    }
    const notJson = await as(alice).post('/api/work/studio', '{oops', { headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toEqual(errorOf('INVALID_JSON'));
    expect((await as(alice).get('/api/work/studio')).json().data).toEqual([]);
    // A field the spec does not have is dropped, as the seed's clients expect: never stored.
    const extra = await as(alice).post('/api/work/studio', { studioName: 'ok', extra: 1 });
    expect(extra.statusCode).toBe(201);
    expect(extra.json().data).not.toHaveProperty('extra');
  });

  it('needs a signed-in user on every route', async () => {
    const studio = await newStudio(alice);
    const routes: [Method, string][] = [
      ['GET', '/api/work/studio'],
      ['POST', '/api/work/studio'],
      ['GET', `/api/work/studio/${studio.studioId}`],
      ['PUT', `/api/work/studio/${studio.studioId}`],
      ['DELETE', `/api/work/studio/${studio.studioId}`],
      ['DELETE', `/api/work/studio/${studio.studioId}/reset`],
    ];
    for (const [method, url] of routes) {
      const res = await anon().send(method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json()).toEqual(errorOf('UNAUTHORIZED'));
    }
    const bad = await t.app.inject({ url: '/api/work/studio', headers: { authorization: 'Bearer nope' } });
    expect(bad.json()).toEqual(errorOf('INVALID_TOKEN'));
  });

  it("answers 404 for an unknown studio, 403 for someone else's, 404 for a malformed id", async () => {
    const studio = await newStudio(alice);
    for (const [method, suffix] of [
      ['GET', ''],
      ['PUT', ''],
      ['DELETE', ''],
      ['DELETE', '/reset'],
    ] as const) {
      const body = method === 'PUT' ? { studioName: 'x' } : undefined;
      const missing = await as(alice).send(method, `/api/work/studio/9999${suffix}`, body);
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual(errorOf('STUDIO_NOT_FOUND', 'Studio not found'));
      const foreign = await as(bob).send(method, `/api/work/studio/${studio.studioId}${suffix}`, body);
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json()).toEqual(errorOf('FORBIDDEN'));
    }
    // An id that is not digits names no studio (never read leniently).
    const bad = await as(alice).get('/api/work/studio/abc');
    expect(bad.statusCode).toBe(404);
    expect(bad.json()).toEqual(errorOf('NOT_FOUND'));
    // Bob's attempts changed nothing.
    expect((await as(alice).get(`/api/work/studio/${studio.studioId}`)).json().data.studioName).toBe('Demo');
  });

  it('opens a studio with its tracks in order', async () => {
    const studio = await newStudio(alice);
    await newTrack(alice, studio.studioId, 'Bass');
    await newTrack(alice, studio.studioId, 'Drums');
    await newTrack(alice, studio.studioId, 'Intro', 1);
    const res = await as(alice).get(`/api/work/studio/${studio.studioId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ studioId: studio.studioId, studioName: 'Demo' });
    expect(await trackNames(alice, studio.studioId)).toEqual([
      [1, 'Intro'],
      [2, 'Bass'],
      [3, 'Drums'],
    ]);
  });

  it('renames the studio and renames/reorders several tracks at once (PUT)', async () => {
    const studio = await newStudio(alice);
    const a = await newTrack(alice, studio.studioId, 'A');
    const b = await newTrack(alice, studio.studioId, 'B');
    const c = await newTrack(alice, studio.studioId, 'C');
    const res = await as(alice).put(`/api/work/studio/${studio.studioId}`, {
      studioName: 'Renamed',
      updateList: [
        { trackId: c.trackId, order: 1, trackName: 'C!' },
        { trackId: a.trackId, order: 3 },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.studioName).toBe('Renamed');
    expect(res.json().data.trackList.map((x: { trackName: string; order: number }) => [x.order, x.trackName])).toEqual([
      [1, 'C!'],
      [2, 'B'],
      [3, 'A'],
    ]);
    expect(b.order).toBe(2);
  });

  it('applies a bulk update entirely or not at all', async () => {
    const studio = await newStudio(alice);
    const other = await newStudio(alice, 'Other');
    const a = await newTrack(alice, studio.studioId, 'A');
    const foreign = await newTrack(alice, other.studioId, 'Elsewhere');
    const res = await as(alice).put(`/api/work/studio/${studio.studioId}`, {
      updateList: [
        { trackId: a.trackId, trackName: 'Changed' },
        { trackId: foreign.trackId, order: 1 },
      ],
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('TRACK_NOT_FOUND'));
    expect(await trackNames(alice, studio.studioId)).toEqual([[1, 'A']]);
    const twice = await as(alice).put(`/api/work/studio/${studio.studioId}`, {
      updateList: [{ trackId: a.trackId }, { trackId: a.trackId, order: 1 }],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual(errorOf('VALIDATION_ERROR', 'body.updateList names a track more than once'));
    for (const body of [{}, { updateList: [{ trackId: a.trackId, order: 0 }] }, { updateList: [{ trackId: a.trackId, trackName: ' ' }] }]) {
      const bad = await as(alice).put(`/api/work/studio/${studio.studioId}`, body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('resets a studio: every track goes, the studio stays', async () => {
    const studio = await newStudio(alice);
    await newTrack(alice, studio.studioId, 'A');
    await newTrack(alice, studio.studioId, 'B');
    const res = await as(alice).delete(`/api/work/studio/${studio.studioId}/reset`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Studio reset', data: { studioId: studio.studioId, deletedTracks: 2 } });
    expect(await trackNames(alice, studio.studioId)).toEqual([]);
    expect((await as(alice).get('/api/work/studio')).json().data).toHaveLength(1);
  });

  it('deletes a studio with its tracks', async () => {
    const studio = await newStudio(alice);
    const track = await newTrack(alice, studio.studioId, 'A');
    const res = await as(alice).delete(`/api/work/studio/${studio.studioId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ studioId: studio.studioId, deletedTracks: 1 });
    expect((await as(alice).get(`/api/work/studio/${studio.studioId}`)).statusCode).toBe(404);
    expect((await as(alice).delete(`/api/work/track/${track.trackId}`)).statusCode).toBe(404);
    expect((await as(alice).get('/api/work/studio')).json().data).toEqual([]);
  });
});
