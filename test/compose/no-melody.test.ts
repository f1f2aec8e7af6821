import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import { ArrangerComposer, energyPhrases, whyNoPhrases } from '../../src-server/compose/engine';
import { encodeAudio } from '../../src-server/media/ffmpeg';

const RATE = 16_000;

/** Full-scale 60 ms bursts of a clipped tone every half second: loud, yet nothing is sung. */
function loudTaps(seconds: number): Float32Array {
  const out = new Float32Array(seconds * RATE);
  for (let at = 0.25; at + 0.06 < seconds; at += 0.5)
    for (let i = 0; i < 0.06 * RATE; i++) out[Math.round(at * RATE) + i] = Math.sign(Math.sin((2 * Math.PI * 440 * i) / RATE)) || 1;
  return out;
}

let dir: string;
let pool: AiPool;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-no-melody-'));
  pool = new AiPool({ providers: chooseProviders({ env: {} }) });
});
afterAll(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function composeWithoutPrompt(samples: Float32Array): Promise<string> {
  const source = path.join(dir, `take-${Math.random().toString(36).slice(2)}.wav`);
  await encodeAudio(samples, { sampleRate: RATE, channels: 1, output: source });
  const workDir = fs.mkdtempSync(path.join(dir, 'work-'));
  const error = await new ArrangerComposer(pool)
    .compose({
      source,
      prompt: '',
      genre: null,
      mood: null,
      instruments: [],
      workDir,
      signal: new AbortController().signal,
      progress: () => {},
    })
    .then(
      () => null,
      (err: Error) => err,
    );
  expect(error).not.toBeNull();
  return error!.message;
}

describe('a take that cannot carry a melody', () => {
  it('calls a loud take of short taps loud, not silent, and says to sing held notes', async () => {
    const taps = loudTaps(4);
    expect(energyPhrases(taps, RATE)).toEqual([]);
    const message = await composeWithoutPrompt(taps);
    expect(message).not.toMatch(/silent/);
    expect(message).toMatch(/no sung melody: the take is loud enough \(peaks at 0 dBFS\)/);
    expect(message).toMatch(/Sing or hum a few phrases with held notes/);
  }, 60_000);

  it('calls a silent take silent and says to check the microphone', async () => {
    const message = await composeWithoutPrompt(new Float32Array(3 * RATE));
    expect(message).toMatch(/the recording is silent \(its loudest moment is digital silence\)/);
    expect(message).toMatch(/Check that the right microphone is chosen/);
    expect(whyNoPhrases(0.001).found).toMatch(/silent \(its loudest moment is -60 dBFS\)/);
  }, 60_000);

  it('calls a half-second take too short, with its length', async () => {
    const message = await composeWithoutPrompt(new Float32Array(RATE / 2).fill(0.5));
    expect(message).toMatch(/the recording is too short \(0\.5 s\)\. Record at least a few seconds/);
  }, 60_000);
});
