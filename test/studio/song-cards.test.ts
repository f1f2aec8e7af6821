import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { GENRES, INSTRUMENTS, MOODS } from '../../src-server/compose/prompt';
import { makeTestApp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { errorOf, makeStudioSamples, pathOf, putTo, studioUser, type StudioSamples, type StudioUser } from './helpers';

// What the song cards ask of the server that needs no composing engine: the vibes the arranger
// plays, a cover of its own per card, and the refusals of the rework routes.

let samples: StudioSamples;
let t: TestApp;
let alice: StudioUser;

beforeAll(async () => {
  samples = await makeStudioSamples();
});
afterAll(() => fs.rmSync(samples.dir, { recursive: true, force: true }));
afterEach(async () => {
  await t.close();
});

const { as } = requests(() => t.app);

async function setUp() {
  // No engine installed: the checks before a job is queued are what is tested here.
  t = await makeTestApp({}, { setup: (app) => app.studioComposer.uninstall() });
  alice = await studioUser(t.app, 'Alice');
}

async function voiceTake() {
  const studioId = (await as(alice).post('/api/work/studio', { studioName: 'Cards' })).json().data.studioId as number;
  const ticket = (await as(alice).get('/api/song/basic/presignedUrl')).json().data;
  await putTo(t.app, ticket.basicSongPresignedUrl, samples.wav);
  const songId = (
    await as(alice).post(`/api/song/studios/${studioId}/basic/save`, { basicSongFilePath: ticket.basicSongFilePath, name: 'Hum' })
  ).json().data.songId as number;
  return { studioId, songId };
}

describe('song cards without an engine', () => {
  it('lists the genres, moods and instruments the arranger plays, as the chips offer them', async () => {
    await setUp();
    const res = await as(alice).get('/api/compose/vibes');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ genres: [...GENRES], moods: [...MOODS], instruments: [...INSTRUMENTS] });
  });

  it('draws each card its own cover: the same words with two seeds make two pictures', async () => {
    await setUp();
    const words = { title: 'Hum · A', genre: 'pop', mood: 'happy' };
    const draw = async (seed?: number) => {
      const res = await as(alice).post('/api/song/cover', { ...words, engine: 'auto', ...(seed === undefined ? {} : { seed }) });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data).toMatchObject({ engine: 'procedural', seed: seed ?? null });
      const png = await t.app.inject({ method: 'GET', url: pathOf(res.json().data.imageUrl) });
      return png.rawPayload;
    };
    const plain = await draw();
    const [a, b] = [await draw(1), await draw(2)];
    expect(a.equals(b)).toBe(false);
    expect(a.equals(plain)).toBe(false);
    expect((await draw(1)).equals(a)).toBe(true);
  });

  it('refuses an unknown vibe, a bad variant and a cover not drawn for this account before anything else', async () => {
    await setUp();
    const { studioId, songId } = await voiceTake();
    const url = `/api/song/studios/${studioId}/ai`;
    expect((await as(alice).post(url, { basicSongId: songId, genre: 'polka' })).json()).toEqual(
      errorOf('UNKNOWN_VIBE', expect.stringContaining('polka')),
    );
    expect((await as(alice).post(url, { basicSongId: songId, instruments: ['kazoo'] })).json()).toEqual(
      errorOf('UNKNOWN_VIBE', expect.stringContaining('kazoo')),
    );
    expect((await as(alice).post(url, { basicSongId: songId, variant: 9 })).json().error.code).toBe('VALIDATION_ERROR');
    expect((await as(alice).post(url, { basicSongId: songId, imageFilePath: 'studio/x/covers/nope.png' })).json().error.code).toBe(
      'INVALID_IMAGE_PATH',
    );
    // Words the arranger reads as its own are fine; then the missing engine answers.
    const res = await as(alice).post(url, {
      basicSongId: songId,
      genre: 'lo-fi',
      mood: 'dreamy',
      instruments: ['acoustic guitar'],
      variant: 1,
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorOf('COMPOSER_UNAVAILABLE'));
  });

  it('refuses to rework a voice take: only the arranger keeps what a rework needs', async () => {
    await setUp();
    const { songId } = await voiceTake();
    for (const [route, body] of [
      ['extend', { bars: 4 }],
      ['remix', { genre: 'jazz' }],
      ['replace', { fromBar: 1, toBar: 2 }],
    ] as const) {
      const res = await as(alice).post(`/api/song/${songId}/${route}`, body);
      expect(res.statusCode, route).toBe(409);
      expect(res.json()).toEqual(errorOf('NOT_ARRANGED', expect.stringContaining('atelier-arranger')));
    }
    expect((await as(alice).post(`/api/song/${songId}/extend`, { bars: 33 })).json().error.code).toBe('VALIDATION_ERROR');
    expect((await as(alice).post(`/api/song/${songId}/remix`, { genre: 'polka' })).json()).toEqual(
      errorOf('UNKNOWN_VIBE', expect.any(String)),
    );
    const bob = await studioUser(t.app, 'Bob');
    expect((await as(bob).post(`/api/song/${songId}/extend`, { bars: 1 })).statusCode).toBe(403);
  });
});
