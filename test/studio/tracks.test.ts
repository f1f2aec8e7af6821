import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app';
import {
  errorOf,
  makeStudioSamples,
  pathOf,
  putTo,
  signIn,
  storedFiles,
  tempFiles,
  type StudioSamples,
  type StudioUser,
  studioFixture,
} from './helpers';
import { fileFixture } from '../helpers/fixtures';

let samples: StudioSamples, t: TestApp, alice: StudioUser, bob: StudioUser, studioId: number;
fileFixture(makeStudioSamples, (made) => (samples = made));
const { as, anon } = studioFixture((c) => ([t, alice, bob, studioId] = c));

interface Created {
  track: { trackId: number; status: string; order: number };
  trackPresignedUrl: string;
  recordPresignedUrl: string;
  expiresAt: string;
  maxBytes: number;
}

const start = async (trackName = 'Chorus', extra: Record<string, unknown> = {}): Promise<Created> => {
  const res = await as(alice).post(`/api/work/track/${studioId}`, { trackName, instrument: 'trumpet', ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
};

const studio = async (user = alice) => (await as(user).get(`/api/work/studio/${studioId}`)).json().data;
const userFiles = (user: StudioUser) => storedFiles(t.dataDir, `studio/${user.id}`);

describe('recording a track through signed uploads', () => {
  it('creates a pending track with two upload URLs; after both uploads it is ready, playable and its files are checked', async () => {
    const created = await start('Chorus take 1');
    expect(created).toEqual({
      track: expect.objectContaining({
        trackName: 'Chorus take 1',
        instrumentName: 'trumpet',
        order: 1,
        status: 'pending',
        trackUrl: null,
        recordUrl: null,
        failure: null,
      }),
      trackPresignedUrl: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/files\/studio\/.+\/incoming\/.+\?m=PUT&/),
      recordPresignedUrl: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/files\/studio\/.+\/incoming\/.+\?m=PUT&/),
      expiresAt: expect.any(String),
      maxBytes: 100 * 1024 * 1024,
    });
    expect(Date.parse(created.expiresAt) - t.clock.now()).toBeGreaterThan(14 * 60 * 1000);

    await putTo(t.app, created.trackPresignedUrl, samples.mp3);
    // One file is not enough.
    expect((await studio()).trackList[0].status).toBe('pending');
    await putTo(t.app, created.recordPresignedUrl, samples.webm);

    const [track] = (await studio()).trackList;
    expect(track).toMatchObject({
      trackId: created.track.trackId,
      status: 'ready',
      trackFormat: 'mp3',
      recordFormat: 'webm',
      failure: null,
    });
    expect(track.duration).toBeGreaterThan(samples.seconds - 0.2);
    // Checked files left the upload area, so the still-valid upload URL cannot replace them.
    expect(userFiles(alice)).toEqual([`tracks/${track.trackId}/record.webm`, `tracks/${track.trackId}/track.mp3`]);
    const played = await t.app.inject({ url: pathOf(track.trackUrl), headers: { range: 'bytes=0-9' } });
    expect(played.statusCode).toBe(206);
    expect(played.headers['content-type']).toBe('audio/mp3');
    expect(played.rawPayload.equals(samples.mp3.subarray(0, 10))).toBe(true);
    const record = await t.app.inject({ url: pathOf(track.recordUrl) });
    expect(record.rawPayload.equals(samples.webm)).toBe(true);
    expect(record.headers['content-type']).toBe('audio/webm');

    await putTo(t.app, created.trackPresignedUrl, Buffer.from('not audio at all'));
    const after = (await studio()).trackList[0];
    expect(after.status).toBe('ready');
    expect((await t.app.inject({ url: pathOf(after.trackUrl) })).rawPayload.equals(samples.mp3)).toBe(true);
    expect((await as(alice).get('/api/work/studio')).json().data[0].trackInfo).toEqual(['trumpet']);
  });

  it('works over real HTTP with the absolute URLs it hands out', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const post = await fetch(`${address}/api/work/track/${studioId}`, {
      method: 'POST',
      headers: { ...alice.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ trackName: 'Live', instrument: 'violin' }),
    });
    const created = ((await post.json()) as { data: Created }).data;
    expect(created.trackPresignedUrl.startsWith(`${address}/files/`)).toBe(true);
    for (const [url, body] of [
      [created.trackPresignedUrl, samples.wav],
      [created.recordPresignedUrl, samples.ogg],
    ] as const) {
      const put = await fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': 'audio/wav' } });
      expect(put.status).toBe(201);
    }
    const studioRes = await fetch(`${address}/api/work/studio/${studioId}`, { headers: alice.headers });
    const opened = ((await studioRes.json()) as { data: { trackList: { trackUrl: string }[] } }).data.trackList[0]!;
    expect(opened).toMatchObject({ status: 'ready', trackFormat: 'wav', recordFormat: 'ogg' });
    const bytes = Buffer.from(await (await fetch(opened.trackUrl)).arrayBuffer());
    expect(bytes.equals(samples.wav)).toBe(true);
  });

  it.each(['wav', 'mp3', 'm4a', 'aac', 'ogg', 'webm', 'flac'] as const)('accepts a %s recording, named by its content', async (format) => {
    const created = await start();
    await putTo(t.app, created.trackPresignedUrl, samples.wav);
    await putTo(t.app, created.recordPresignedUrl, samples[format]);
    expect((await studio()).trackList[0]).toMatchObject({ status: 'ready', recordFormat: format });
  });

  it('marks a track failed when an upload is not audio, and keeps none of its bytes', async () => {
    const created = await start();
    await putTo(t.app, created.trackPresignedUrl, samples.m4a);
    await putTo(t.app, created.recordPresignedUrl, samples.video);
    const [track] = (await studio()).trackList;
    expect(track).toMatchObject({
      status: 'failed',
      trackUrl: null,
      recordUrl: null,
      failure: { code: 'INVALID_AUDIO', message: expect.stringContaining('recording is not') },
    });
    expect(userFiles(alice)).toEqual([]);
    const text = await start('Text');
    await putTo(t.app, text.trackPresignedUrl, Buffer.from('hello '.repeat(500)));
    await putTo(t.app, text.recordPresignedUrl, samples.wav);
    expect((await studio()).trackList[1].failure).toEqual({
      code: 'INVALID_AUDIO',
      message: expect.stringContaining('converted track is not'),
    });
    expect(userFiles(alice)).toEqual([]);
    expect(tempFiles(t.dataDir)).toEqual([]);
  });

  it('fails a track whose URLs expired before both files arrived, and sweeps abandoned uploads', async () => {
    const created = await start();
    await putTo(t.app, created.trackPresignedUrl, samples.wav);
    t.clock.advance(16 * 60 * 1000);
    const late = await t.app.inject({ method: 'PUT', url: pathOf(created.recordPresignedUrl), payload: samples.wav });
    expect(late.statusCode).toBe(403);
    expect((await studio()).trackList[0]).toMatchObject({
      status: 'failed',
      failure: { code: 'UPLOAD_EXPIRED', message: expect.any(String) },
    });
    expect(userFiles(alice)).toEqual([]);
  });

  it('refuses bad bodies, unknown studios and other accounts', async () => {
    for (const body of [
      {},
      { trackName: 'x' },
      { instrument: 'x' },
      { trackName: ' ', instrument: 'x' },
      { trackName: 'x', instrument: 'y', order: 0 },
    ]) {
      const res = await as(alice).post(`/api/work/track/${studioId}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await as(alice).post('/api/work/track/999', { trackName: 'x', instrument: 'y' })).json()).toEqual(
      errorOf('STUDIO_NOT_FOUND', 'Studio not found'),
    );
    const foreign = await as(bob).post(`/api/work/track/${studioId}`, { trackName: 'x', instrument: 'y' });
    expect(foreign.statusCode).toBe(403);
    expect((await anon().post(`/api/work/track/${studioId}`, { trackName: 'x', instrument: 'y' })).statusCode).toBe(401);
    expect((await studio()).trackList).toEqual([]);
  });
});

describe('DELETE /api/work/track/{studioid}/fail', () => {
  it('removes a pending track and whatever file did arrive; the others close up', async () => {
    const first = await start('First');
    const failed = await start('Second');
    await start('Third');
    await putTo(t.app, failed.trackPresignedUrl, samples.wav);
    expect(userFiles(alice)).toHaveLength(1);
    const res = await as(alice).delete(`/api/work/track/${studioId}/fail`, { trackId: failed.track.trackId });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Failed track removed', data: { trackId: failed.track.trackId, studioId } });
    expect(userFiles(alice)).toEqual([]);
    expect((await studio()).trackList.map((x: { trackName: string; order: number }) => [x.order, x.trackName])).toEqual([
      [1, 'First'],
      [2, 'Third'],
    ]);
    // The URL of a removed track only makes a stray file, which a later look at the studio sweeps after its grace.
    await putTo(t.app, failed.recordPresignedUrl, samples.wav);
    t.clock.advance(2 * 3600 * 1000);
    await signIn(t.app, alice);
    expect((await studio()).trackList.map((x: { status: string }) => x.status)).toEqual(['failed', 'failed']);
    expect(userFiles(alice)).toEqual([]);
    expect(first.track.order).toBe(1);
  });

  it('refuses a ready track (409), an unknown one (404), a bare DELETE with nothing pending (404) and other accounts (403)', async () => {
    const created = await start();
    await putTo(t.app, created.trackPresignedUrl, samples.wav);
    await putTo(t.app, created.recordPresignedUrl, samples.wav);
    await studio();
    const ready = await as(alice).delete(`/api/work/track/${studioId}/fail`, { trackId: created.track.trackId });
    expect(ready.statusCode).toBe(409);
    expect(ready.json()).toEqual(errorOf('TRACK_NOT_PENDING'));
    expect((await as(alice).delete(`/api/work/track/${studioId}/fail`, { trackId: 999 })).json()).toEqual(
      errorOf('TRACK_NOT_FOUND', 'Track not found'),
    );
    // A bare DELETE (the seed's clients send no body) gives up the newest track that is not ready: here there is none.
    const noBody = await as(alice).delete(`/api/work/track/${studioId}/fail`);
    expect(noBody.statusCode).toBe(404);
    expect(noBody.json()).toEqual(errorOf('TRACK_NOT_FOUND', 'Track not found'));
    expect((await as(alice).delete(`/api/work/track/${studioId}/fail`, { trackId: 'x' })).json().error.code).toBe('VALIDATION_ERROR');
    expect((await as(bob).delete(`/api/work/track/${studioId}/fail`, { trackId: created.track.trackId })).statusCode).toBe(403);
    expect((await studio()).trackList[0].status).toBe('ready');
  });
});

describe('one track', () => {
  it('deletes a track with its files (DELETE /api/work/track/{trackId})', async () => {
    const keep = await start('Keep');
    const gone = await start('Gone');
    for (const c of [keep, gone]) {
      await putTo(t.app, c.trackPresignedUrl, samples.wav);
      await putTo(t.app, c.recordPresignedUrl, samples.wav);
    }
    await studio();
    expect(userFiles(alice)).toHaveLength(4);
    expect((await as(bob).delete(`/api/work/track/${gone.track.trackId}`)).statusCode).toBe(403);
    const res = await as(alice).delete(`/api/work/track/${gone.track.trackId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ trackId: gone.track.trackId, studioId });
    expect(userFiles(alice)).toEqual([`tracks/${keep.track.trackId}/record.wav`, `tracks/${keep.track.trackId}/track.wav`]);
    expect(fs.existsSync(path.join(t.dataDir, 'files', 'studio', alice.id, 'tracks', String(gone.track.trackId)))).toBe(false);
    // Resetting the studio takes the rest.
    expect((await as(alice).delete(`/api/work/studio/${studioId}/reset`)).json().data.deletedTracks).toBe(1);
    expect(fs.readdirSync(path.join(t.dataDir, 'files', 'studio', alice.id, 'tracks'))).toEqual([]);
    expect((await as(alice).delete(`/api/work/track/${gone.track.trackId}`)).json()).toEqual(errorOf('TRACK_NOT_FOUND', 'Track not found'));
    // An id that is not digits names no track.
    expect((await as(alice).delete('/api/work/track/zero')).statusCode).toBe(404);
  });

  it('renames and moves a track (PUT /api/work/track/{studioid}/{trackId})', async () => {
    const a = await start('A');
    await start('B');
    await start('C');
    const res = await as(alice).put(`/api/work/track/${studioId}/${a.track.trackId}`, { trackName: ' Lead ', order: 3 });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ trackId: a.track.trackId, trackName: 'Lead', order: 3 });
    expect((await studio()).trackList.map((x: { trackName: string }) => x.trackName)).toEqual(['B', 'C', 'Lead']);
    const far = await as(alice).put(`/api/work/track/${studioId}/${a.track.trackId}`, { order: 99 });
    expect(far.json().data.order).toBe(3);
    const first = await as(alice).put(`/api/work/track/${studioId}/${a.track.trackId}`, { order: 1 });
    expect(first.json().data.order).toBe(1);
    expect((await studio()).trackList.map((x: { trackName: string; order: number }) => [x.order, x.trackName])).toEqual([
      [1, 'Lead'],
      [2, 'B'],
      [3, 'C'],
    ]);
  });

  it('refuses an empty change, a track of another studio and other accounts', async () => {
    const a = await start('A');
    const other = (await as(alice).post('/api/work/studio', { studioName: 'Other' })).json().data.studioId;
    expect((await as(alice).put(`/api/work/track/${studioId}/${a.track.trackId}`, {})).statusCode).toBe(400);
    expect((await as(alice).put(`/api/work/track/${studioId}/${a.track.trackId}`, { trackName: '' })).statusCode).toBe(400);
    const wrong = await as(alice).put(`/api/work/track/${other}/${a.track.trackId}`, { trackName: 'x' });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json()).toEqual(errorOf('TRACK_NOT_FOUND', 'Track not found'));
    expect((await as(bob).put(`/api/work/track/${studioId}/${a.track.trackId}`, { trackName: 'x' })).statusCode).toBe(403);
    expect((await studio()).trackList[0].trackName).toBe('A');
  });
});

describe('account deletion', () => {
  it("removes the account's studios, tracks and every file", async () => {
    const created = await start();
    await putTo(t.app, created.trackPresignedUrl, samples.wav);
    await putTo(t.app, created.recordPresignedUrl, samples.wav);
    await studio();
    expect(userFiles(alice)).toHaveLength(2);
    const res = await t.app.inject({ method: 'DELETE', url: '/api/users', headers: alice.headers, payload: { password: alice.password } });
    expect(res.statusCode).toBe(200);
    expect(fs.existsSync(path.join(t.dataDir, 'files', 'studio', alice.id))).toBe(false);
    const rows = t.app.db.$client
      .prepare('SELECT (SELECT count(*) FROM studio_studios) AS s, (SELECT count(*) FROM studio_tracks) AS t')
      .get();
    expect(rows).toEqual({ s: 0, t: 0 });
  });
});
