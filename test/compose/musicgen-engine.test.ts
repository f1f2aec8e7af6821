import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyMusicgen } from '../../src-server/ai/musicgen/tiny/generate';
import type { ComposeResult } from '../../src-server/families/studio/compose/service';
import { encodeAudio } from '../../src-server/media/ffmpeg';
import { makeTestApp, tempDataDir, type TestApp } from '../helpers/app';
import { errorOf, form, putTo, storedFiles, studioUser, type StudioUser } from '../studio/helpers';
import { A_MINOR_MELODY, synthesiseTake } from './melody';

let dir: string;
let model: string;
let wav: Buffer;
let t: TestApp | null = null;
let dataDir: string;
let alice: StudioUser;

// A sung take of four seconds or so, and one tiny MusicGen written once and copied into each data folder.
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-musicgen-engine-'));
  const take = synthesiseTake({ sampleRate: 22_050, bpm: 100, notes: A_MINOR_MELODY.slice(0, 6), leadInSec: 0.3, tailSec: 0.3 });
  const file = path.join(dir, 'take.wav');
  await encodeAudio(take.samples, { sampleRate: 22_050, channels: 1, output: file });
  wav = fs.readFileSync(file);
  model = path.join(dir, 'tiny-musicgen');
  await writeTinyMusicgen(model);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await t?.close();
  t = null;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function setUp(install: 'model' | 'broken' | 'none') {
  dataDir = tempDataDir();
  const target = path.join(dataDir, 'models', 'musicgen', 'tiny-musicgen');
  if (install === 'model') fs.cpSync(model, target, { recursive: true });
  if (install === 'broken') {
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(path.join(model, 'config.json'), path.join(target, 'config.json'));
  }
  t = await makeTestApp({}, { dataDir });
  alice = await studioUser(t.app, 'Alice');
}

const app = () => t!.app;

function composeForm(parts: Parameters<typeof form>[0]) {
  const { payload, headers } = form(parts);
  return app().inject({ method: 'POST', url: '/api/compose', payload, headers: { ...headers, ...alice.headers } });
}

/** Seconds, rate and channels of a PCM WAV, from its header. */
function wavLength(bytes: Buffer): { seconds: number; rate: number; channels: number } {
  expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF');
  const channels = bytes.readUInt16LE(22);
  const rate = bytes.readUInt32LE(24);
  const bits = bytes.readUInt16LE(34);
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.subarray(at, at + 4).toString('ascii');
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') return { seconds: Math.min(size, bytes.length - at - 8) / (rate * channels * (bits / 8)), rate, channels };
    at += 8 + size;
  }
  throw new Error('no data chunk');
}

async function waitForJob(id: string) {
  for (let i = 0; i < 1200; i++) {
    const job = app().jobs.get(id);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not finish');
}

async function basicSong() {
  const studioId = (
    await app().inject({ method: 'POST', url: '/api/work/studio', headers: alice.headers, payload: { studioName: 'Demo' } })
  ).json().data.studioId as number;
  const ticket = (await app().inject({ method: 'GET', url: '/api/song/basic/presignedUrl', headers: alice.headers })).json().data;
  await putTo(app(), ticket.basicSongPresignedUrl, wav);
  const saved = await app().inject({
    method: 'POST',
    url: `/api/song/studios/${studioId}/basic/save`,
    headers: alice.headers,
    payload: { basicSongFilePath: ticket.basicSongFilePath, name: 'Hum', genre: 'jazz', mood: 'calm', instruments: ['piano'] },
  });
  return { studioId, basicSongId: saved.json().data.songId as number };
}

describe('MusicGen as the second composing engine', () => {
  it('POST /api/compose with engine=musicgen answers a song of the asked length that says MusicGen made it, keeping nothing', async () => {
    await setUp('model');
    const res = await composeForm([
      { name: 'prompt', value: 'upbeat jazz with piano' },
      { name: 'engine', value: 'musicgen' },
      { name: 'durationSec', value: '2.5' },
      { name: 'file', filename: 'hum.wav', content: wav },
    ]);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['x-atelier-engine']).toBe('musicgen:tiny-musicgen (onnx, cpu)');
    // The tiny model is text-only and cannot encode audio: the answer says the melody was not used.
    expect(res.headers['x-atelier-note']).toMatch(/^The melody was not used: tiny-musicgen is a text-only model/);
    expect(res.headers['x-atelier-key']).toBeUndefined();
    const song = wavLength(res.rawPayload);
    expect(song.rate).toBe(44_100);
    expect(Math.abs(song.seconds - 2.5)).toBeLessThan(0.05);
    expect(storedFiles(dataDir, `studio/${alice.id}`)).toEqual([]);
  }, 120_000);

  it('composes a basic song as a job: the result names MusicGen, the song lasts as asked, with the MusicGen and vocal stems', async () => {
    await setUp('model');
    const { studioId, basicSongId } = await basicSong();
    const res = await app().inject({
      method: 'POST',
      url: `/api/song/studios/${studioId}/ai`,
      headers: alice.headers,
      payload: { basicSongId, engine: 'musicgen', durationSec: 3 },
    });
    expect(res.statusCode, res.body).toBe(202);
    const job = await waitForJob(res.json().data.jobId);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const result = job.result as ComposeResult;
    expect(result.engine).toBe('musicgen:tiny-musicgen (onnx, cpu)');
    expect(result.key).toBeNull();
    expect(result.note).toMatch(/melody was not used/);
    expect(result).toHaveProperty('seed', expect.any(Number));
    expect(result.extras).toEqual(['song.mp3', 'stems/musicgen.wav', 'stems/vocal.wav']);
    const ai = (await app().inject({ method: 'GET', url: `/api/song/ai/${studioId}`, headers: alice.headers })).json().data;
    expect(ai).toEqual([expect.objectContaining({ songId: result.songId, title: 'Hum (AI)', source: 'ai', basicSongId, format: 'wav' })]);
    expect(Math.abs(ai[0].duration - 3)).toBeLessThan(0.05);
    const files = storedFiles(dataDir, `studio/${alice.id}/songs`);
    const musicStem = path.join(dataDir, 'files', 'studio', alice.id, 'songs', job.id, 'stems', 'musicgen.wav');
    expect(files).toContain(`${job.id}/stems/musicgen.wav`);
    // The MusicGen stem is the model's own output: 32 kHz mono, 3 s = 150 frames of 640 samples.
    const stem = wavLength(fs.readFileSync(musicStem));
    expect(stem).toEqual({ seconds: 3, rate: 32_000, channels: 1 });
  }, 120_000);

  it('checks the engine and duration fields before anything runs; the arranger stays the default', async () => {
    await setUp('model');
    const { studioId, basicSongId } = await basicSong();
    const url = `/api/song/studios/${studioId}/ai`;
    for (const body of [
      { basicSongId, engine: 'suno' },
      { basicSongId, engine: 'musicgen', durationSec: 0 },
      { basicSongId, engine: 'musicgen', durationSec: 'long' },
    ]) {
      const bad = await app().inject({ method: 'POST', url, headers: alice.headers, payload: body });
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_ERROR');
    }
    // The tiny model's max_length (1500 tokens, 4 codebooks) makes at most 29.92 s.
    const tooLong = await app().inject({
      method: 'POST',
      url,
      headers: alice.headers,
      payload: { basicSongId, engine: 'musicgen', durationSec: 60 },
    });
    expect(tooLong.json()).toEqual(errorOf('VALIDATION_ERROR', expect.stringContaining('at most 29.92')));
    for (const [engine, duration, message] of [
      ['suno', '2', 'engine must be one of arranger, musicgen'],
      ['musicgen', 'x', 'durationSec must be a number of seconds from 1 to 300'],
      ['musicgen', '45', 'at most 29.92'],
    ]) {
      const res = await composeForm([
        { name: 'prompt', value: 'jazz' },
        { name: 'engine', value: engine! },
        { name: 'durationSec', value: duration! },
        { name: 'file', filename: 'a.wav', content: wav },
      ]);
      expect(res.json()).toEqual(errorOf('VALIDATION_ERROR', expect.stringContaining(message!)));
    }
    expect(app().jobs.count({ kind: 'studio.compose' })).toBe(0);
    expect(app().studioComposer.current?.name).toMatch(/^atelier-arranger/);
    // The OpenAPI document describes the new fields.
    const doc = (await app().inject({ url: '/openapi.json' })).json();
    const body = doc.paths['/api/song/studios/{studioid}/ai'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(body.properties.engine)).toContain('musicgen');
    expect(body.properties.engine.description).toContain('models/musicgen/<id>/');
    expect(body.properties.durationSec).toMatchObject({ minimum: 1, maximum: 300 });
    const form = doc.paths['/api/compose'].post.requestBody.content['multipart/form-data'].schema;
    expect(Object.keys(form.properties)).toEqual(expect.arrayContaining(['engine', 'durationSec']));
  });

  it('GET /api/compose/engines offers MusicGen only while a usable model is installed, saying why not otherwise', async () => {
    await setUp('model');
    const listed = await app().inject({ method: 'GET', url: '/api/compose/engines', headers: alice.headers });
    expect(listed.statusCode).toBe(200);
    const musicgen = listed.json().data.find((e: { engine: string }) => e.engine === 'musicgen');
    expect(musicgen).toMatchObject({ available: true, reason: null, name: expect.stringContaining('musicgen:tiny-musicgen') });
    expect(musicgen.maxDurationSec).toBeGreaterThan(0);

    fs.rmSync(path.join(dataDir, 'models', 'musicgen', 'tiny-musicgen'), { recursive: true, force: true });
    const after = (await app().inject({ method: 'GET', url: '/api/compose/engines', headers: alice.headers })).json().data;
    expect(after.find((e: { engine: string }) => e.engine === 'musicgen')).toMatchObject({
      available: false,
      reason: expect.stringContaining('models/musicgen'),
      maxDurationSec: null,
    });
    expect((await app().inject({ method: 'GET', url: '/api/compose/engines' })).statusCode).toBe(401);
  });

  it('without a MusicGen model answers 503 COMPOSER_UNAVAILABLE naming what is missing, and queues nothing', async () => {
    await setUp('none');
    const { studioId, basicSongId } = await basicSong();
    const before = storedFiles(dataDir, `studio/${alice.id}`);
    const res = await app().inject({
      method: 'POST',
      url: `/api/song/studios/${studioId}/ai`,
      headers: alice.headers,
      payload: { basicSongId, engine: 'musicgen' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(
      errorOf('COMPOSER_UNAVAILABLE', expect.stringMatching(/MusicGen is not installed: no model folder in .*models[/\\]musicgen/)),
    );
    const now = await composeForm([
      { name: 'prompt', value: 'jazz' },
      { name: 'engine', value: 'musicgen' },
      { name: 'file', filename: 'a.wav', content: wav },
    ]);
    expect(now.statusCode).toBe(503);
    expect(now.json()).toEqual(errorOf('COMPOSER_UNAVAILABLE', expect.stringContaining('decoder_model_merged.onnx')));
    expect(app().jobs.count({ kind: 'studio.compose' })).toBe(0);
    expect(storedFiles(dataDir, `studio/${alice.id}`)).toEqual(before);
  });

  it('says which model folder is not usable and why', async () => {
    await setUp('broken');
    const { studioId, basicSongId } = await basicSong();
    const res = await app().inject({
      method: 'POST',
      url: `/api/song/studios/${studioId}/ai`,
      headers: alice.headers,
      payload: { basicSongId, engine: 'musicgen' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(
      errorOf(
        'COMPOSER_UNAVAILABLE',
        expect.stringContaining('models/musicgen/tiny-musicgen is not usable (cannot read generation_config.json: ENOENT)'),
      ),
    );
  });
});
