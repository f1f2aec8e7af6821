import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudio } from '../../src-server/media/ffmpeg';
import { makeTestApp, type TestApp } from '../helpers/app';
import { form, putTo, storedFiles, studioUser, type StudioUser } from '../studio/helpers';
import { A_MINOR_MELODY, synthesiseTake } from './melody';

const ENGINE = 'atelier-arranger (basic-pitch onnx, cpu)';

let dir: string;
let wav: Buffer;
let t: TestApp;
let alice: StudioUser;

// The first four bars of the test melody, sung at 100 BPM: enough for key, tempo and a real song.
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-compose-routes-'));
  const take = synthesiseTake({ sampleRate: 22_050, bpm: 100, notes: A_MINOR_MELODY.slice(0, 15), leadInSec: 0.5, tailSec: 0.5 });
  const file = path.join(dir, 'take.wav');
  await encodeAudio(take.samples, { sampleRate: 22_050, channels: 1, output: file });
  wav = fs.readFileSync(file);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await t?.close();
});

async function setUp() {
  // The production factory, with the composing engine it installs itself.
  t = await makeTestApp();
  alice = await studioUser(t.app, 'Alice');
}

async function waitForJob(id: string) {
  for (let i = 0; i < 1200; i++) {
    const job = t.app.jobs.get(id);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('job did not finish');
}

describe('composing through the studio routes', () => {
  it('installs atelier-arranger as the studio composer', async () => {
    await setUp();
    expect(t.app.studioComposer.current?.name).toBe(ENGINE);
  });

  it('POST /api/compose answers a real song, read from a Korean prompt, keeping nothing', async () => {
    await setUp();
    const { payload, headers } = form([
      { name: 'prompt', value: '슬픈 발라드, 피아노 강조' },
      { name: 'file', filename: 'hum.wav', content: wav },
    ]);
    const res = await t.app.inject({ method: 'POST', url: '/api/compose', payload, headers: { ...headers, ...alice.headers } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['x-atelier-engine']).toBe(ENGINE);
    expect(res.headers['x-atelier-key']).toBe('A minor');
    expect(Math.abs(Number(res.headers['x-atelier-tempo']) - 100)).toBeLessThan(1);
    const song = path.join(dir, 'answer.wav');
    fs.writeFileSync(song, res.rawPayload);
    // Four bars at 100 BPM and the two-second tail, as 44.1 kHz stereo 16-bit PCM.
    const seconds = (res.rawPayload.length - 44) / (44_100 * 2 * 2);
    expect(Math.abs(seconds - (4 * 2.4 + 2))).toBeLessThan(0.5);
    expect(storedFiles(t.dataDir, `studio/${alice.id}`)).toEqual([]);
  }, 240_000);

  it('POST /api/song/studios/:id/ai composes a basic song into an AI song with its MP3, MIDI and stems', async () => {
    await setUp();
    const studioId = (
      await t.app.inject({ method: 'POST', url: '/api/work/studio', headers: alice.headers, payload: { studioName: 'Demo' } })
    ).json().data.studioId as number;
    const ticket = (await t.app.inject({ method: 'GET', url: '/api/song/basic/presignedUrl', headers: alice.headers })).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, wav);
    const saved = await t.app.inject({
      method: 'POST',
      url: `/api/song/studios/${studioId}/basic/save`,
      headers: alice.headers,
      payload: { basicSongFilePath: ticket.basicSongFilePath, name: 'Hum', genre: 'jazz', mood: 'calm', instruments: ['sax'] },
    });
    const basicSongId = saved.json().data.songId as number;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/song/studios/${studioId}/ai`,
      headers: alice.headers,
      payload: { basicSongId },
    });
    expect(res.statusCode, res.body).toBe(202);
    const job = await waitForJob(res.json().data.jobId);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const result = job.result as { songId: number; engine: string; key: string; tempo: number; extras: string[] };
    expect(result).toMatchObject({ engine: ENGINE, key: 'A minor' });
    expect(Math.abs(result.tempo - 100)).toBeLessThan(1);
    expect(result.extras).toEqual([
      'song.mp3',
      'song.mid',
      'stems/drums.wav',
      'stems/bass.wav',
      'stems/chords.wav',
      'stems/pad.wav',
      'stems/lead.wav',
    ]);

    const ai = (await t.app.inject({ method: 'GET', url: `/api/song/ai/${studioId}`, headers: alice.headers })).json().data;
    expect(ai).toEqual([
      expect.objectContaining({
        songId: result.songId,
        title: 'Hum (AI)',
        source: 'ai',
        basicSongId,
        format: 'wav',
        genre: 'jazz',
        mood: 'calm',
      }),
    ]);
    expect(Math.abs(ai[0].duration - (4 * 2.4 + 2))).toBeLessThan(0.5);
    const files = storedFiles(t.dataDir, `studio/${alice.id}/songs`);
    const jobId = job.id;
    for (const extra of result.extras) expect(files).toContain(`${jobId}/${extra}`);
    expect(files).toContain(`${jobId}.wav`);

    // Deleting the AI song takes its extras with it.
    const del = await t.app.inject({ method: 'DELETE', url: `/api/song/download/${result.songId}`, headers: alice.headers });
    expect(del.statusCode, del.body).toBeLessThan(300);
    expect(storedFiles(t.dataDir, `studio/${alice.id}/songs`).filter((f) => f.startsWith(jobId))).toEqual([]);
  }, 300_000);

  it('composes in the key and at the tempo the user set instead of those heard, and refuses a key that is not one', async () => {
    await setUp();
    const studioId = (
      await t.app.inject({ method: 'POST', url: '/api/work/studio', headers: alice.headers, payload: { studioName: 'Demo' } })
    ).json().data.studioId as number;
    const ticket = (await t.app.inject({ method: 'GET', url: '/api/song/basic/presignedUrl', headers: alice.headers })).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, wav);
    const basicSongId = (
      await t.app.inject({
        method: 'POST',
        url: `/api/song/studios/${studioId}/basic/save`,
        headers: alice.headers,
        payload: { basicSongFilePath: ticket.basicSongFilePath, name: 'Hum' },
      })
    ).json().data.songId as number;
    const ask = (payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/song/studios/${studioId}/ai`, headers: alice.headers, payload });

    const wrongKey = await ask({ basicSongId, key: 'H major' });
    expect(wrongKey.statusCode).toBe(400);
    expect(wrongKey.json().error.code).toBe('VALIDATION_ERROR');
    expect((await ask({ basicSongId, bpm: 400 })).statusCode).toBe(400);

    const res = await ask({ basicSongId, key: 'C minor', bpm: 80 });
    expect(res.statusCode, res.body).toBe(202);
    const job = await waitForJob(res.json().data.jobId);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    expect(job.result).toMatchObject({ key: 'C minor', tempo: 80 });
  }, 300_000);
});
