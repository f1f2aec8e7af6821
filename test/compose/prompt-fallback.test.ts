import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudio } from '../../src-server/media/ffmpeg';
import { makeTestApp, type TestApp } from '../helpers/app';
import { form, studioUser } from '../studio/helpers';
import { synthesiseTake } from './melody';

/** A take with too little melody and a prompt: the arranger composes from the prompt and says so. */
let dir: string;
let t: TestApp;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-compose-fallback-'));
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/compose with one clear note and a prompt', () => {
  it('composes a song from the prompt instead of answering NO_MELODY_FOUND, and the note says so', async () => {
    const take = synthesiseTake({ sampleRate: 22_050, bpm: 100, notes: [{ midi: 69, beats: 4 }], leadInSec: 0.5, tailSec: 0.5 });
    const file = path.join(dir, 'one-note.wav');
    await encodeAudio(take.samples, { sampleRate: 22_050, channels: 1, output: file });
    const alice = await studioUser(t.app, 'Alice');
    const { payload, headers } = form([
      { name: 'prompt', value: 'sad ballad, piano, 90 bpm' },
      { name: 'file', filename: 'hum.wav', content: fs.readFileSync(file) },
    ]);
    const res = await t.app.inject({ method: 'POST', url: '/api/compose', payload, headers: { ...headers, ...alice.headers } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['x-atelier-note']).toMatch(
      /only 1 clear note could be heard.*composed a melody of its own from the prompt, sad ballad in A minor/,
    );
    expect(res.headers['x-atelier-key']).toBe('A minor');
    expect(Number(res.headers['x-atelier-tempo'])).toBe(90);
    // Eight bars at 90 BPM and the two-second tail, as 44.1 kHz stereo 16-bit PCM.
    const seconds = (res.rawPayload.length - 44) / (44_100 * 2 * 2);
    expect(Math.abs(seconds - (8 * (240 / 90) + 2))).toBeLessThan(0.5);
  }, 240_000);
});
