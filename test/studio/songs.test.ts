import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
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

/** The compose flow as the spec numbers it: 1. upload URL, 2. the upload, 3. the save request. */
async function saveSong(kind: 'basic' | 'ai', body: Buffer, fields: Record<string, unknown> = {}, user = alice, studio = studioId) {
  const ticket = (await as(user).get(`/api/song/${kind}/presignedUrl`)).json().data;
  await putTo(t.app, ticket[`${kind}SongPresignedUrl`], body);
  return as(user).post(`/api/song/studios/${studio}/${kind}/save`, {
    [`${kind}SongFilePath`]: ticket[`${kind}SongFilePath`],
    name: 'My song',
    ...fields,
  });
}

const songFiles = (user = alice) => storedFiles(t.dataDir, `studio/${user.id}`);

describe('saving songs through signed uploads', () => {
  it('issues upload URLs, then saves a basic song checked by content', async () => {
    const ticket = await as(alice).get('/api/song/basic/presignedUrl');
    expect(ticket.statusCode).toBe(200);
    expect(ticket.json().data).toEqual({
      basicSongPresignedUrl: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/files\/studio\//),
      basicSongFilePath: expect.stringMatching(new RegExp(`^studio/${alice.id}/incoming/[0-9a-f-]{36}$`)),
      expiresAt: expect.any(String),
      maxBytes: 100 * 1024 * 1024,
    });
    const res = await saveSong('basic', samples.m4a, { genre: 'jazz', mood: 'calm', instruments: ['piano', ' bass '] });
    expect(res.statusCode, res.body).toBe(201);
    const song = res.json().data;
    expect(song).toEqual({
      songId: expect.any(Number),
      studioId,
      basicSongId: null,
      title: 'My song',
      genre: 'jazz',
      mood: 'calm',
      instruments: ['piano', 'bass'],
      source: 'basic',
      aiUsed: false,
      format: 'm4a',
      size: samples.m4a.length,
      duration: expect.any(Number),
      songUrl: expect.stringContaining('/files/studio/'),
      downloadUrl: `/api/song/download/${song.songId}`,
      imageUrl: null,
      imageFilePath: null,
      shared: false,
      viewCount: 0,
      createdAt: expect.any(String),
      extras: null,
    });
    expect(songFiles()).toEqual([expect.stringMatching(/^songs\/[0-9a-f-]{36}\.m4a$/)]);
    const served = await t.app.inject({ url: pathOf(song.songUrl) });
    expect(served.headers['content-type']).toBe('audio/mp4');
    expect(served.rawPayload.equals(samples.m4a)).toBe(true);
  });

  it('saves an AI song and lists songs per account, per studio and AI-only', async () => {
    const basic = (await saveSong('basic', samples.wav)).json().data;
    const ai = await saveSong('ai', samples.mp3, { name: 'AI version', basicSongId: basic.songId, genre: 'pop' });
    expect(ai.statusCode, ai.body).toBe(201);
    expect(ai.json().data).toMatchObject({ source: 'ai', aiUsed: true, basicSongId: basic.songId, format: 'mp3', title: 'AI version' });
    const otherStudio = (await as(alice).post('/api/work/studio', { studioName: 'Other' })).json().data.studioId;
    const elsewhere = (await saveSong('basic', samples.ogg, { name: 'Elsewhere' }, alice, otherStudio)).json().data;
    await saveSong(
      'basic',
      samples.wav,
      { name: 'Bob' },
      bob,
      (await as(bob).post('/api/work/studio', { studioName: 'B' })).json().data.studioId,
    );

    const titles = async (url: string) => (await as(alice).get(url)).json().data.map((s: { title: string }) => s.title);
    expect(await titles('/api/song')).toEqual(['Elsewhere', 'AI version', 'My song']);
    expect(await titles(`/api/song/${studioId}`)).toEqual(['AI version', 'My song']);
    expect(await titles(`/api/song/ai/${studioId}`)).toEqual(['AI version']);
    expect(await titles(`/api/song/ai/${otherStudio}`)).toEqual([]);
    expect(elsewhere.format).toBe('ogg');
    expect((await as(bob).get(`/api/song/${studioId}`)).statusCode).toBe(403);
    expect((await as(bob).get(`/api/song/ai/${studioId}`)).statusCode).toBe(403);
    expect((await as(alice).get('/api/song/999')).json()).toEqual(errorOf('STUDIO_NOT_FOUND', 'Studio not found'));
    // An AI song must name a basic song of the same studio.
    const wrongBasic = await saveSong('ai', samples.mp3, { basicSongId: elsewhere.songId });
    expect(wrongBasic.statusCode).toBe(404);
    expect(wrongBasic.json()).toEqual(errorOf('SONG_NOT_FOUND', 'Song not found'));
  });

  it('refuses a file that is not audio and keeps none of it', async () => {
    for (const bytes of [Buffer.from('plain text, not a song '.repeat(100)), samples.video, Buffer.alloc(0)]) {
      const res = await saveSong('basic', bytes);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorOf('INVALID_AUDIO'));
    }
    expect(songFiles()).toEqual([]);
    expect(tempFiles(t.dataDir)).toEqual([]);
    expect((await as(alice).get('/api/song')).json().data).toEqual([]);
  });

  it('refuses paths it did not hand out, uploads that never happened and saving twice', async () => {
    const ticket = (await as(alice).get('/api/song/basic/presignedUrl')).json().data;
    const save = (user: StudioUser, filePath: string) =>
      as(user).post(`/api/song/studios/${studioId}/basic/save`, { basicSongFilePath: filePath, name: 'x' });
    const notYet = await save(alice, ticket.basicSongFilePath);
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json()).toEqual(errorOf('UPLOAD_NOT_FOUND'));
    await putTo(t.app, ticket.basicSongPresignedUrl, samples.wav);
    for (const filePath of [
      '../../secrets/jwt.key',
      `studio/${bob.id}/incoming/${ticket.basicSongFilePath.split('/').pop()}`,
      'studio/x',
      ticket.basicSongFilePath.replace('incoming', 'songs'),
    ]) {
      const res = await save(alice, filePath);
      expect(res.statusCode, filePath).toBe(400);
      expect(res.json()).toEqual(errorOf('INVALID_FILE_PATH'));
    }
    // Bob cannot save Alice's upload, even into his own studio.
    const bobStudio = (await as(bob).post('/api/work/studio', { studioName: 'B' })).json().data.studioId;
    const stolen = await as(bob).post(`/api/song/studios/${bobStudio}/basic/save`, {
      basicSongFilePath: ticket.basicSongFilePath,
      name: 'x',
    });
    expect(stolen.json()).toEqual(errorOf('INVALID_FILE_PATH'));
    expect((await save(alice, ticket.basicSongFilePath)).statusCode).toBe(201);
    expect((await save(alice, ticket.basicSongFilePath)).json()).toEqual(errorOf('UPLOAD_NOT_FOUND'));
    expect((await as(alice).get('/api/song')).json().data).toHaveLength(1);
  });

  it('validates the save body and the studio', async () => {
    const ticket = (await as(alice).get('/api/song/basic/presignedUrl')).json().data;
    for (const body of [
      {},
      { basicSongFilePath: ticket.basicSongFilePath },
      { basicSongFilePath: ticket.basicSongFilePath, name: '  ' },
      { basicSongFilePath: ticket.basicSongFilePath, name: 'x', instruments: 'x'.repeat(60) },
    ]) {
      const res = await as(alice).post(`/api/song/studios/${studioId}/basic/save`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    const foreign = await as(bob).post(`/api/song/studios/${studioId}/basic/save`, {
      basicSongFilePath: ticket.basicSongFilePath,
      name: 'x',
    });
    expect(foreign.statusCode).toBe(403);
    const unknown = await as(alice).post('/api/song/studios/777/ai/save', { aiSongFilePath: ticket.basicSongFilePath, name: 'x' });
    expect(unknown.json()).toEqual(errorOf('STUDIO_NOT_FOUND', 'Studio not found'));
    expect((await anon().get('/api/song/ai/presignedUrl')).statusCode).toBe(401);
    expect((await anon().get('/api/song/basic/presignedUrl')).statusCode).toBe(401);
    expect((await anon().get('/api/song')).json()).toEqual(errorOf('UNAUTHORIZED'));
  });
});

describe('download and delete', () => {
  it('downloads the bytes as an attachment, with Range, HEAD and 416', async () => {
    const song = (await saveSong('basic', samples.mp3, { name: '여름 노래/1' })).json().data;
    const url = `/api/song/download/${song.songId}`;
    const whole = await as(alice).get(url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/mp3');
    expect(whole.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('여름 노래_1.mp3')}`);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.equals(samples.mp3)).toBe(true);
    const part = await as(alice).get(url, { headers: { range: 'bytes=100-199' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${samples.mp3.length}`);
    expect(part.rawPayload.equals(samples.mp3.subarray(100, 200))).toBe(true);
    const past = await as(alice).get(url, { headers: { range: `bytes=${samples.mp3.length}-` } });
    expect(past.statusCode).toBe(416);
    expect(past.json()).toEqual(errorOf('RANGE_NOT_SATISFIABLE'));
    const head = await as(alice).head(url);
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(samples.mp3.length));
    expect(head.body).toBe('');
    expect((await as(bob).get(url)).statusCode).toBe(403);
    expect((await anon().get(url)).statusCode).toBe(401);
    expect((await as(alice).get('/api/song/download/999')).json()).toEqual(errorOf('SONG_NOT_FOUND', 'Song not found'));
    fs.rmSync(path.join(t.dataDir, 'files', song.songUrl.split('/files/')[1].split('?')[0]));
    // Readers share an open file, checked against the disk once a second: a file removed behind
    // the store's back (not through it) is noticed at the next check.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await as(alice).get(url)).json()).toEqual(errorOf('FILE_NOT_FOUND'));
  });

  it('deletes a song with its file; its share link stops working', async () => {
    const song = (await saveSong('basic', samples.wav)).json().data;
    const share = (await as(alice).get(`/api/song/share/${song.songId}`)).json().data;
    expect((await as(bob).delete(`/api/song/download/${song.songId}`)).statusCode).toBe(403);
    const res = await as(alice).delete(`/api/song/download/${song.songId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Song deleted', data: { songId: song.songId } });
    expect(songFiles()).toEqual([]);
    expect((await as(alice).get(`/api/song/download/${song.songId}`)).statusCode).toBe(404);
    expect((await anon().get(pathOf(share.shareUrl))).json()).toEqual(errorOf('SHARE_NOT_FOUND'));
  });
});

describe('album covers', () => {
  it('draws a PNG from the words, the same for the same words, and saves it with a song', async () => {
    const res = await as(alice).get('/api/song/cover?title=Night%20Drive&genre=electronic&mood=dark');
    expect(res.statusCode, res.body).toBe(200);
    const cover = res.json().data;
    expect(cover.imageFilePath).toMatch(new RegExp(`^studio/${alice.id}/covers/[0-9a-f-]{36}\\.png$`));
    const image = await t.app.inject({ url: pathOf(cover.imageUrl) });
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const again = await as(alice).post('/api/song/cover', { title: 'Night Drive', genre: 'electronic', mood: 'dark' });
    expect(again.statusCode).toBe(201);
    const second = await t.app.inject({ url: pathOf(again.json().data.imageUrl) });
    expect(second.rawPayload.equals(image.rawPayload)).toBe(true);
    const other = await as(alice).get('/api/song/cover?title=Morning');
    expect((await t.app.inject({ url: pathOf(other.json().data.imageUrl) })).rawPayload.equals(image.rawPayload)).toBe(false);

    const song = await saveSong('basic', samples.wav, { imageFilePath: cover.imageFilePath });
    expect(song.statusCode).toBe(201);
    expect(song.json().data).toMatchObject({ imageFilePath: cover.imageFilePath, imageUrl: expect.stringContaining('/covers/') });
  });

  it('forgets covers no song kept after a day, and keeps the ones in use', async () => {
    const kept = (await as(alice).get('/api/song/cover?title=Kept')).json().data.imageFilePath;
    const dropped = (await as(alice).get('/api/song/cover?title=Dropped')).json().data.imageFilePath;
    await saveSong('basic', samples.wav, { imageFilePath: kept });
    t.clock.advance(25 * 3600 * 1000);
    await signIn(t.app, alice);
    const fresh = (await as(alice).get('/api/song/cover?title=Fresh')).json().data.imageFilePath;
    const covers = songFiles().filter((f) => f.startsWith('covers/'));
    expect(covers.sort()).toEqual([kept, fresh].map((k) => k.replace(`studio/${alice.id}/`, '')).sort());
    expect(covers).not.toContain(dropped.replace(`studio/${alice.id}/`, ''));
  });

  it('answers a disk failure with a plain 500 and leaves no file', async () => {
    vi.spyOn(t.app.storage, 'put').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    const res = await as(alice).get('/api/song/cover?title=x');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(errorOf('INTERNAL_ERROR', 'Internal server error'));
    expect(songFiles()).toEqual([]);
    vi.restoreAllMocks();
  });

  it("refuses a missing title, and covers that are not this account's", async () => {
    expect((await as(alice).get('/api/song/cover')).json()).toEqual(errorOf('VALIDATION_ERROR'));
    expect((await as(alice).post('/api/song/cover', { title: ' ' })).statusCode).toBe(400);
    expect((await anon().get('/api/song/cover?title=x')).statusCode).toBe(401);
    const bobCover = (await as(bob).get('/api/song/cover?title=Bob')).json().data.imageFilePath;
    const stolen = await saveSong('basic', samples.wav, { imageFilePath: bobCover });
    expect(stolen.json()).toEqual(errorOf('INVALID_IMAGE_PATH'));
    const missing = await saveSong('basic', samples.wav, {
      imageFilePath: `studio/${alice.id}/covers/00000000-0000-0000-0000-000000000000.png`,
    });
    expect(missing.json()).toEqual(errorOf('IMAGE_NOT_FOUND'));
    // The refused saves kept their uploads for a retry, and made no song.
    expect((await as(alice).get('/api/song')).json().data).toEqual([]);
  });
});

describe('sharing', () => {
  it('hands out a public page that plays the song without signing in', async () => {
    const cover = (await as(alice).get('/api/song/cover?title=x')).json().data;
    const song = (
      await saveSong('basic', samples.mp3, { name: '<b>Night</b> & "Day"', genre: 'jazz', imageFilePath: cover.imageFilePath })
    ).json().data;
    const res = await as(alice).get(`/api/song/share/${song.songId}`);
    expect(res.statusCode).toBe(200);
    const share = res.json().data;
    expect(share).toEqual({
      songId: song.songId,
      title: '<b>Night</b> & "Day"',
      shareUrl: expect.stringMatching(/^http:\/\/localhost(:\d+)?\/api\/song\/shared\/[A-Za-z0-9_-]{24}$/),
      audioUrl: `${share.shareUrl}/audio`,
      imageUrl: `${share.shareUrl}/cover`,
      lan: false,
    });
    // The same link every time.
    expect((await as(alice).get(`/api/song/share/${song.songId}`)).json().data.shareUrl).toBe(share.shareUrl);

    const page = await anon().get(pathOf(share.shareUrl), { headers: { accept: 'text/html,*/*' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('&lt;b&gt;Night&lt;/b&gt; &amp; &quot;Day&quot;');
    expect(page.body).not.toContain('<b>Night');
    expect(page.body).toContain(`<audio controls preload="metadata" src="${pathOf(share.audioUrl)}">`);
    // A pasted link unfurls with the song's title, cover and audio, all as absolute URLs.
    expect(page.body).toContain('<meta property="og:title" content="&lt;b&gt;Night&lt;/b&gt; &amp; &quot;Day&quot;">');
    expect(page.body).toContain(`<meta property="og:image" content="${share.imageUrl}">`);
    expect(page.body).toContain(`<meta property="og:audio" content="${share.audioUrl}">`);
    expect(page.body).toContain(`<meta property="og:url" content="${share.shareUrl}">`);
    expect(page.body).toContain('<meta property="og:description" content="jazz">');
    const json = await anon().get(pathOf(share.shareUrl), { headers: { accept: 'application/json' } });
    expect(json.json().data).toEqual({
      songTitle: '<b>Night</b> & "Day"',
      songUrl: share.audioUrl,
      imageUrl: share.imageUrl,
      genre: 'jazz',
      mood: null,
      duration: expect.any(Number),
    });

    const audio = await anon().get(pathOf(share.audioUrl), { headers: { range: 'bytes=0-99' } });
    expect(audio.statusCode).toBe(206);
    expect(audio.rawPayload.equals(samples.mp3.subarray(0, 100))).toBe(true);
    const image = await anon().get(pathOf(share.imageUrl));
    expect(image.headers['content-type']).toBe('image/png');
    expect((await as(alice).get(`/api/song/download/${song.songId}`)).statusCode).toBe(200);
    expect((await as(alice).get('/api/song')).json().data[0]).toMatchObject({ shared: true, viewCount: 1 });

    expect((await as(bob).get(`/api/song/share/${song.songId}`)).statusCode).toBe(403);
    expect((await as(bob).delete(`/api/song/share/${song.songId}`)).statusCode).toBe(403);
    expect((await as(alice).delete(`/api/song/share/${song.songId}`)).statusCode).toBe(200);
    for (const url of [share.shareUrl, share.audioUrl, share.imageUrl]) {
      const gone = await anon().get(pathOf(url));
      expect(gone.statusCode, url).toBe(404);
      expect(gone.json()).toEqual(errorOf('SHARE_NOT_FOUND'));
    }
    // A token of another shape names no share: 404, and never a path outside the store.
    expect((await anon().get('/api/song/shared/..%2F..%2Fsecrets')).statusCode).toBe(404);
  });

  it('answers 404 for the cover of a song without one', async () => {
    const song = (await saveSong('basic', samples.wav)).json().data;
    const share = (await as(alice).get(`/api/song/share/${song.songId}`)).json().data;
    expect(share.imageUrl).toBeNull();
    const res = await anon().get(`${pathOf(share.shareUrl)}/cover`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('FILE_NOT_FOUND', 'This song has no cover'));
  });
});

describe('POST /api/song/{studioid}: finishing a song', () => {
  async function readyTrack(name: string, track: Buffer) {
    const created = (await as(alice).post(`/api/work/track/${studioId}`, { trackName: name, instrument: name.toLowerCase() })).json().data;
    await putTo(t.app, created.trackPresignedUrl, track);
    await putTo(t.app, created.recordPresignedUrl, samples.wav);
    return created.track.trackId as number;
  }

  it("mixes the studio's ready tracks into one MP3 with the real ffmpeg", async () => {
    const a = await readyTrack('Trumpet', samples.wav);
    const b = await readyTrack('Violin', samples.webm);
    await as(alice).get(`/api/work/studio/${studioId}`);
    const res = await as(alice).post(`/api/song/${studioId}`, { title: 'Together', trackIds: [a, b], mood: 'happy' });
    expect(res.statusCode, res.body).toBe(201);
    const song = res.json().data;
    expect(song).toMatchObject({
      source: 'mix',
      aiUsed: false,
      format: 'mp3',
      title: 'Together',
      instruments: ['trumpet', 'violin'],
      mood: 'happy',
      studioId,
    });
    // As long as the longer input (the 1.5 s tone), within MP3 framing.
    expect(song.duration).toBeGreaterThan(samples.seconds - 0.1);
    expect(song.duration).toBeLessThan(samples.seconds + 0.3);
    const bytes = (await as(alice).get(`/api/song/download/${song.songId}`)).rawPayload;
    expect(bytes.length).toBe(song.size);
    expect(tempFiles(t.dataDir)).toEqual([]);
  });

  it('saves an uploaded mix given as songFilePath', async () => {
    const ticket = (await as(alice).get('/api/song/basic/presignedUrl')).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, samples.aac);
    const res = await as(alice).post(`/api/song/${studioId}`, { title: 'Upload', songFilePath: ticket.basicSongFilePath });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).toMatchObject({ source: 'basic', format: 'aac' });
  });

  it('refuses neither or both sources, tracks not ready or elsewhere, and other accounts', async () => {
    const pending = (await as(alice).post(`/api/work/track/${studioId}`, { trackName: 'P', instrument: 'p' })).json().data.track.trackId;
    const both = await as(alice).post(`/api/song/${studioId}`, { title: 'x', trackIds: [pending], songFilePath: 'studio/x' });
    expect(both.json()).toEqual(errorOf('VALIDATION_ERROR', 'Send exactly one of body.songFilePath and body.trackIds'));
    expect((await as(alice).post(`/api/song/${studioId}`, { title: 'x' })).statusCode).toBe(400);
    expect((await as(alice).post(`/api/song/${studioId}`, { title: 'x', trackIds: [] })).statusCode).toBe(400);
    expect((await as(alice).post(`/api/song/${studioId}`, { title: 'x', trackIds: [pending, pending] })).json()).toEqual(
      errorOf('VALIDATION_ERROR', 'body.trackIds names a track more than once'),
    );
    const notReady = await as(alice).post(`/api/song/${studioId}`, { title: 'x', trackIds: [pending] });
    expect(notReady.statusCode).toBe(409);
    expect(notReady.json()).toEqual(errorOf('TRACK_NOT_READY'));
    expect((await as(alice).post(`/api/song/${studioId}`, { title: 'x', trackIds: [9999] })).json()).toEqual(
      errorOf('TRACK_NOT_FOUND', 'Track not found'),
    );
    expect((await as(bob).post(`/api/song/${studioId}`, { title: 'x', trackIds: [pending] })).statusCode).toBe(403);
    expect((await as(alice).get('/api/song')).json().data).toEqual([]);
  });
});

describe('songs outlive their studio, not their account', () => {
  it('keeps songs when the studio is deleted; removes everything with the account', async () => {
    const song = (await saveSong('basic', samples.wav)).json().data;
    await as(alice).get(`/api/song/share/${song.songId}`);
    expect((await as(alice).delete(`/api/work/studio/${studioId}`)).statusCode).toBe(200);
    const mine = (await as(alice).get('/api/song')).json().data;
    expect(mine).toEqual([expect.objectContaining({ songId: song.songId, studioId: null })]);
    expect((await as(alice).get(`/api/song/download/${song.songId}`)).statusCode).toBe(200);

    const res = await as(alice).delete('/api/users', { password: alice.password });
    expect(res.statusCode).toBe(200);
    expect(fs.existsSync(path.join(t.dataDir, 'files', 'studio', alice.id))).toBe(false);
    expect(t.app.db.$client.prepare('SELECT count(*) AS n FROM studio_songs').get()).toEqual({ n: 0 });
  });
});
