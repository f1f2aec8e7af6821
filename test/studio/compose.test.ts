import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Composer, ComposeInput } from '../../src-server/compose/composer';
import { encodeAudio } from '../../src-server/media/ffmpeg';
import { makeTestApp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { bigWavForm } from '../stage/helpers';
import {
  errorOf,
  form,
  makeStudioSamples,
  putTo,
  storedFiles,
  tempFiles,
  type StudioSamples,
  type StudioUser,
  studioCast,
} from './helpers';
import { fileFixture } from '../helpers/fixtures';

let samples: StudioSamples, t: TestApp, alice: StudioUser, bob: StudioUser, studioId: number;
fileFixture(makeStudioSamples, (made) => (samples = made));
afterEach(async () => {
  await t.close();
});

/** A stand-in engine for the seam: it records what it was asked and writes a real 2 s tone. */
class ToneComposer implements Composer {
  readonly name = 'test tone';
  readonly calls: ComposeInput[] = [];
  constructor(private readonly output: 'tone' | 'garbage' = 'tone') {}
  async compose(input: ComposeInput) {
    this.calls.push(input);
    input.progress(0.5, 'composing');
    const file = path.join(input.workDir, 'out.wav');
    if (this.output === 'garbage') fs.writeFileSync(file, 'not audio');
    else {
      const pcm = new Float32Array(16000 * 2).map((_, i) => 0.2 * Math.sin(i / 5));
      await encodeAudio(pcm, { sampleRate: 16000, channels: 1, output: file });
    }
    return { file };
  }
}

async function setUp(engine?: Composer) {
  t = await makeTestApp({}, { setup: (app) => (engine ? app.studioComposer.install(engine) : app.studioComposer.uninstall()) });
  [alice, bob, studioId] = await studioCast(t.app);
}

const { as, anon } = requests(() => t.app);

async function basicSong(user = alice, studio = studioId) {
  const ticket = (await as(user).get('/api/song/basic/presignedUrl')).json().data;
  await putTo(t.app, ticket.basicSongPresignedUrl, samples.wav);
  const res = await as(user).post(`/api/song/studios/${studio}/basic/save`, {
    basicSongFilePath: ticket.basicSongFilePath,
    name: 'Hum',
    genre: 'pop',
    mood: 'calm',
    instruments: ['piano'],
  });
  return res.json().data.songId as number;
}

const composeForm = (parts: Parameters<typeof form>[0], user = alice) => as(user).post('/api/compose', form(parts));

async function waitForJob(id: string) {
  for (let i = 0; i < 200; i++) {
    const job = t.app.jobs.get(id);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('job did not finish');
}

describe('without a composing engine', () => {
  it('checks an AI compose request fully, then answers 503 COMPOSER_UNAVAILABLE and queues nothing', async () => {
    await setUp();
    const songId = await basicSong();
    const url = `/api/song/studios/${studioId}/ai`;
    // An unknown field (`extra`) is ignored like any other; these are refused for what they say.
    for (const body of [
      {},
      { basicSongId: 'x' },
      { basicSongId: songId, prompt: ' ', extra: true },
      { basicSongId: songId, prompt: 'x'.repeat(1001) },
    ]) {
      const res = await as(alice).post(url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await as(alice).post(url, { basicSongId: 999 })).json()).toEqual(errorOf('SONG_NOT_FOUND', 'Song not found'));
    expect((await as(alice).post(`/api/song/studios/999/ai`, { basicSongId: songId })).json()).toEqual(
      errorOf('STUDIO_NOT_FOUND', 'Studio not found'),
    );
    expect((await as(bob).post(url, { basicSongId: songId })).statusCode).toBe(403);
    expect((await anon().post(url, { basicSongId: songId })).statusCode).toBe(401);
    const res = await as(alice).post(url, { basicSongId: songId, prompt: 'brass band', genre: 'jazz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorOf('COMPOSER_UNAVAILABLE', expect.stringContaining('not installed')));
    expect(t.app.jobs.count({ kind: 'studio.compose' })).toBe(0);
  });

  it('checks an /api/compose upload fully, then answers 503 and keeps nothing', async () => {
    await setUp();
    const notMultipart = await as(alice).post('/api/compose', { prompt: 'x' });
    expect(notMultipart.statusCode).toBe(400);
    expect(notMultipart.json()).toEqual(errorOf('VALIDATION_ERROR', expect.stringContaining('multipart/form-data')));
    expect((await composeForm([{ name: 'prompt', value: 'jazz' }])).json()).toEqual(
      errorOf('VALIDATION_ERROR', 'body.file is required: a WAV recording'),
    );
    expect((await composeForm([{ name: 'file', filename: 'a.wav', content: samples.wav }])).json()).toEqual(
      errorOf('VALIDATION_ERROR', 'body.prompt is required'),
    );
    expect(
      (
        await composeForm([
          { name: 'file', filename: 'a.wav', content: samples.wav },
          { name: 'prompt', value: 'x'.repeat(1001) },
        ])
      ).json().error.code,
    ).toBe('VALIDATION_ERROR');
    // The spec takes a .wav: other audio, and what only claims to be WAV, are refused.
    for (const content of [samples.mp3, Buffer.from('RIFF....WAVEnot really')]) {
      const res = await composeForm([
        { name: 'prompt', value: 'jazz' },
        { name: 'file', filename: 'a.wav', content },
      ]);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(errorOf('INVALID_AUDIO'));
    }
    const res = await composeForm([
      { name: 'file', filename: 'a.wav', content: samples.wav },
      { name: 'prompt', value: 'upbeat jazz' },
    ]);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(errorOf('COMPOSER_UNAVAILABLE', expect.any(String)));
    expect((await t.app.inject({ method: 'POST', url: '/api/compose' })).statusCode).toBe(401);
    expect(storedFiles(t.dataDir, `studio/${alice.id}`)).toEqual([]);
    expect(tempFiles(t.dataDir)).toEqual([]);
  });

  it('refuses a WAV over 100 MB with 413 and keeps nothing', async () => {
    await setUp();
    const size = 100 * 1024 * 1024 + 1;
    const res = await as(alice).post('/api/compose', bigWavForm([{ name: 'prompt', value: 'jazz' }], 'file', size));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual(errorOf('PAYLOAD_TOO_LARGE', 'The file may be at most 100 MB'));
    expect(storedFiles(t.dataDir, `studio/${alice.id}`)).toEqual([]);
    expect(tempFiles(t.dataDir)).toEqual([]);
  });
});

describe('with an engine plugged into the seam', () => {
  it('queues a composing job (202); the AI song appears in the studio when it completes', async () => {
    const engine = new ToneComposer();
    await setUp(engine);
    const songId = await basicSong();
    const res = await as(alice).post(`/api/song/studios/${studioId}/ai`, { basicSongId: songId, mood: 'energetic' });
    expect(res.statusCode, res.body).toBe(202);
    const accepted = res.json().data;
    expect(accepted).toEqual({
      jobId: expect.any(String),
      status: 'queued',
      position: expect.any(Number),
      estimatedWaitSeconds: expect.any(Number),
      studioId,
      basicSongId: songId,
    });
    const job = await waitForJob(accepted.jobId);
    expect(job.status).toBe('completed');
    expect(engine.calls[0]).toMatchObject({
      prompt: 'pop energetic featuring piano',
      genre: 'pop',
      mood: 'energetic',
      instruments: ['piano'],
    });
    const ai = (await as(alice).get(`/api/song/ai/${studioId}`)).json().data;
    expect(ai).toEqual([
      expect.objectContaining({
        songId: (job.result as { songId: number }).songId,
        title: 'Hum (AI)',
        source: 'ai',
        aiUsed: true,
        basicSongId: songId,
        format: 'wav',
      }),
    ]);
    expect(ai[0].duration).toBeCloseTo(2, 1);
    // The engine's work folder is gone.
    expect(fs.existsSync(engine.calls[0]!.workDir)).toBe(false);
  });

  it('fails the job, keeping nothing, when the engine produces no audio', async () => {
    await setUp(new ToneComposer('garbage'));
    const songId = await basicSong();
    const res = await as(alice).post(`/api/song/studios/${studioId}/ai`, { basicSongId: songId });
    const job = await waitForJob(res.json().data.jobId);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'COMPOSER_FAILED' });
    expect((await as(alice).get(`/api/song/ai/${studioId}`)).json().data).toEqual([]);
    expect(storedFiles(t.dataDir, `studio/${alice.id}`).filter((f) => f.startsWith('incoming/'))).toEqual([]);
  });

  it('/api/compose answers the composed audio and keeps nothing', async () => {
    const engine = new ToneComposer();
    await setUp(engine);
    const res = await composeForm([
      { name: 'prompt', value: ' lo-fi beat ' },
      { name: 'file', filename: 'voice.wav', content: samples.wav },
      { name: 'genre', value: 'lofi' },
    ]);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['content-disposition']).toContain('composed.wav');
    expect(res.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    expect(engine.calls[0]).toMatchObject({ prompt: 'lo-fi beat', genre: 'lofi', mood: null });
    expect(storedFiles(t.dataDir, `studio/${alice.id}`)).toEqual([]);
  });

  it('/api/compose answers 502 COMPOSER_FAILED when the engine produces no audio', async () => {
    await setUp(new ToneComposer('garbage'));
    const res = await composeForm([
      { name: 'prompt', value: 'x' },
      { name: 'file', filename: 'voice.wav', content: samples.wav },
    ]);
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual(errorOf('COMPOSER_FAILED', 'The composing engine did not produce audio'));
    expect(storedFiles(t.dataDir, `studio/${alice.id}`)).toEqual([]);
  });
});
