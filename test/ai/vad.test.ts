import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import { ortBinDir } from '../../src-server/ai/models';
import { isAiError } from '../../src-server/ai/protocol';
import { detectSpeech, speechSegments, type VadProgress } from '../../src-server/ai/pipelines/vad';
import { loop, readWav } from '../helpers/wav';

const fixture = fileURLToPath(new URL('../fixtures/speech-16k.wav', import.meta.url));
const cpuOnlyLinux = process.platform === 'linux' && !fs.existsSync(path.join(ortBinDir(), 'libonnxruntime_providers_cuda.so'));

/** Window probabilities from a list of [count, probability] runs. */
const runs = (...parts: [number, number][]) => Float32Array.from(parts.flatMap(([n, p]) => Array<number>(n).fill(p)));

describe('speechSegments (silero get_speech_timestamps)', () => {
  it('pads a speech run and ends it after the minimum silence', () => {
    const probs = runs([10, 0.1], [20, 0.9], [30, 0.1]);
    // 10 windows × 512 = 5120 samples, minus 30 ms (480) of padding; speech ends at window 30 plus padding.
    expect(speechSegments(probs, probs.length * 512)).toEqual([{ start: 0.29, end: 0.99 }]);
  });

  it('drops bursts shorter than the minimum speech and bridges pauses shorter than the minimum silence', () => {
    expect(speechSegments(runs([10, 0.1], [5, 0.9], [30, 0.1]), 45 * 512)).toEqual([]);
    const bridged = speechSegments(runs([10, 0.1], [20, 0.9], [2, 0.1], [20, 0.9], [30, 0.1]), 82 * 512);
    expect(bridged).toHaveLength(1);
  });

  it('keeps hysteresis between threshold and negThreshold, and closes speech running to the end', () => {
    expect(speechSegments(runs([10, 0.9], [40, 0.4]), 50 * 512)).toEqual([{ start: 0, end: 1.6 }]);
  });

  it('splits a pause shorter than two paddings down the middle', () => {
    const probs = runs([20, 0.9], [6, 0.1], [20, 0.9]);
    const [a, b] = speechSegments(probs, probs.length * 512, { speechPadMs: 100 });
    expect(a!.end).toBe(b!.start);
    expect(a!.end).toBeCloseTo((20 * 512 + 3 * 512) / 16_000, 3);
  });
});

describe('silero VAD in a worker thread', () => {
  const pool = new AiPool({ providers: chooseProviders({ env: {} }) });
  afterAll(() => pool.close());
  const { sampleRate, samples: speech } = readWav(fixture);

  it('finds the spoken words in the speech clip, on the CPU here', async () => {
    expect(sampleRate).toBe(16_000);
    const result = await detectSpeech(pool, speech.slice());
    expect(result.segments.length).toBeGreaterThanOrEqual(1);
    expect(result.segments[0]!.start).toBeGreaterThan(0.6);
    expect(result.segments[0]!.start).toBeLessThan(1.3);
    expect(result.segments.at(-1)!.end).toBeGreaterThan(2.5);
    expect(result.segments.at(-1)!.end).toBeLessThan(4.5);
    expect(Math.max(...result.probabilities)).toBeGreaterThan(0.9);
    expect(result.probabilities.length).toBe(Math.ceil(speech.length / 512));
    expect(result.provider).toBe(pool.providers.preferred);
    if (cpuOnlyLinux) expect(result.provider).toBe('cpu');
    expect(result.timing.sessionRuns).toBe(result.probabilities.length);
    expect(result.timing.sessionRunMs).toBeGreaterThan(0);
    expect(result.timing.sessionRunMs).toBeLessThanOrEqual(result.timing.workerMs);
    expect(result.timing.workerMs).toBeLessThanOrEqual(result.timing.totalMs);
  });

  it('finds no speech in silence or white noise', async () => {
    const silence = new Float32Array(3 * 16_000);
    let seed = 42;
    const noise = Float32Array.from({ length: 3 * 16_000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 0.2;
    });
    expect((await detectSpeech(pool, silence)).segments).toEqual([]);
    const noisy = await detectSpeech(pool, noise);
    expect(noisy.segments).toEqual([]);
    expect(Math.max(...noisy.probabilities)).toBeLessThan(0.5);
  });

  it('moves the samples to the worker instead of copying them, and copies views into bigger buffers', async () => {
    const owned = speech.slice();
    await detectSpeech(pool, owned);
    expect(owned.length).toBe(0);
    const view = speech.subarray(0, 16_000);
    await detectSpeech(pool, view);
    expect(view.length).toBe(16_000);
  });

  it('reports progress every 20 s of audio', async () => {
    const progress: VadProgress[] = [];
    const result = await detectSpeech(pool, loop(speech, 16_000, 60), { onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.processedSec)).toEqual([20, 40, 60]);
    expect(result.durationSec).toBe(60);
    // The clip repeats every ~5 s, so speech keeps coming back.
    expect(result.segments.length).toBeGreaterThanOrEqual(12);
  });

  it('refuses audio at another sample rate', async () => {
    const err = await detectSpeech(pool, new Float32Array(44_100), { sampleRate: 44_100 }).catch((e: unknown) => e);
    expect(isAiError(err, 'bad_input')).toBe(true);
    expect((err as Error).message).toMatch(/16000 Hz/);
  });
});
