import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import { isAiError } from '../../src-server/ai/protocol';
import { oneHotChroma } from '../../src-server/ai/musicgen/chroma';
import { applyDelayPattern, buildDelayPattern, revertDelayPattern, TO_GENERATE } from '../../src-server/ai/musicgen/delay';
import { listMusicgenModels, MusicgenFolderError, readMusicgenFolder } from '../../src-server/ai/musicgen/model-folder';
import { generateMusic, type MusicgenProgress, type MusicgenRequest } from '../../src-server/ai/musicgen/pipeline';
import { guide, sampleToken, SeededUniform } from '../../src-server/ai/musicgen/sampling';
import { writeTinyMusicgen } from '../../src-server/ai/musicgen/tiny/generate';

const P = 99;
const G = TO_GENERATE;

describe('the codebook delay pattern', () => {
  it('delays codebook k by k steps and ends it K − k − 1 early, as transformers builds it', () => {
    const p = buildDelayPattern([[P], [P], [P], [P]], 8, P);
    expect(p.startLength).toBe(1);
    const rows = [0, 1, 2, 3].map((k) => Array.from(p.mask.slice(k * 8, k * 8 + 8)));
    expect(rows).toEqual([
      [P, G, G, G, G, P, P, P],
      [P, P, G, G, G, G, P, P],
      [P, P, P, G, G, G, G, P],
      [P, P, P, P, G, G, G, G],
    ]);
  });

  it('shifts an audio prompt by the same delay and starts decoding after it', () => {
    const S = P;
    const p = buildDelayPattern(
      [
        [S, 1, 2],
        [S, 3, 4],
        [S, 5, 6],
        [S, 7, 8],
      ],
      10,
      P,
    );
    expect(p.startLength).toBe(3);
    const rows = [0, 1, 2, 3].map((k) => Array.from(p.mask.slice(k * 10, k * 10 + 10)));
    expect(rows).toEqual([
      [P, 1, 2, G, G, G, G, P, P, P],
      [P, P, 3, 4, G, G, G, G, P, P],
      [P, P, P, 5, 6, G, G, G, G, P],
      [P, P, P, P, 7, 8, G, G, G, G],
    ]);
  });

  it('forces the pattern over sampled tokens and reverts to aligned frames', () => {
    const p = buildDelayPattern([[P], [P], [P]], 7, P);
    // What a decoder might have produced at every position: 10·k + j.
    const sampled = [0, 1, 2].map((k) => Array.from({ length: 7 }, (_, j) => 10 * k + j));
    expect(applyDelayPattern(sampled, p)).toEqual([
      [P, 1, 2, 3, 4, P, P],
      [P, P, 12, 13, 14, 15, P],
      [P, P, P, 23, 24, 25, 26],
    ]);
    // Frame t of codebook k was generated at position t + k + 1.
    expect(revertDelayPattern(sampled, p, P)).toEqual([
      [1, 2, 3, 4],
      [12, 13, 14, 15],
      [23, 24, 25, 26],
    ]);
  });

  it('refuses a prefix whose codebooks differ in length, or a length too short for the delays', () => {
    expect(() => buildDelayPattern([[P, 1], [P]], 8, P)).toThrow(RangeError);
    expect(() => buildDelayPattern([[P], [P], [P], [P]], 6, P)).toThrow(/too short/);
  });
});

describe('sampling', () => {
  it('guides as uncond + (cond − uncond) · scale', () => {
    expect(Array.from(guide(Float32Array.of(1, 2), Float32Array.of(0.5, 3), 3))).toEqual([2, 0]);
  });

  it('keeps only the top k, never draws a banned id, and replays a seed', () => {
    const logits = Float32Array.of(0, 5, 4.9, -1, 4.8);
    const draw = (seed: number, topK: number) => {
      const r = new SeededUniform(seed);
      return Array.from({ length: 200 }, () => sampleToken(logits, { topK, temperature: 1, doSample: true, banned: 2 }, r));
    };
    const twoBest = draw(3, 2);
    expect(new Set(twoBest)).toEqual(new Set([1, 4]));
    expect(draw(3, 2)).toEqual(twoBest);
    expect(draw(4, 2)).not.toEqual(twoBest);
    expect(sampleToken(logits, { topK: 0, temperature: 1, doSample: false }, new SeededUniform(1))).toBe(1);
  });
});

describe('the chroma of a melody', () => {
  it('marks the sung pitch class, one-hot per frame', () => {
    const sr = 32_000;
    const tone = (hz: number) => new Float32Array(sr * 2).map((_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr));
    for (const [hz, pc] of [
      [440, 9],
      [261.63, 0],
      [392, 7],
    ] as const) {
      const c = oneHotChroma(tone(hz), { sampleRate: sr, nFft: 16384, hopLength: 4096 });
      expect(c.frames).toBe(Math.floor((sr * 2) / 4096) + 1);
      const mid = Math.floor(c.frames / 2);
      const row = Array.from(c.data.slice(mid * 12, mid * 12 + 12));
      expect(row.indexOf(1), `${hz} Hz`).toBe(pc);
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
    }
    expect(Array.from(oneHotChroma(new Float32Array(sr), { sampleRate: sr, nFft: 2048, hopLength: 512 }).data).every((v) => v === 0)).toBe(
      true,
    );
  });
});

let root: string;
let textOnly: string;
let withEncoder: string;
let melody: string;
let pool: AiPool;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-musicgen-'));
  textOnly = path.join(root, 'text');
  withEncoder = path.join(root, 'encoder');
  melody = path.join(root, 'melody');
  await writeTinyMusicgen(textOnly, { fp16: true });
  await writeTinyMusicgen(withEncoder, { encoder: true });
  await writeTinyMusicgen(melody, { melody: true });
  pool = new AiPool({ providers: chooseProviders({ env: {} }) });
}, 60_000);
afterAll(async () => {
  await pool?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const ask = (over: Partial<MusicgenRequest> = {}): MusicgenRequest => ({
  modelDir: textOnly,
  variant: 'fp32',
  prompt: 'upbeat jazz with piano',
  seconds: 1,
  seed: 42,
  ...over,
});
const take = (seconds: number, hz = 440) =>
  new Float32Array(Math.round(32_000 * seconds)).map((_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 32_000));

describe('the model folder', () => {
  it('reads the tiny export as the real layout', () => {
    const f = readMusicgenFolder(textOnly);
    expect(f.config).toMatchObject({
      numCodebooks: 4,
      vocabSize: 32,
      padTokenId: 32,
      decoderStartTokenId: 32,
      samplingRate: 32_000,
      frameRate: 50,
      guidanceScale: 3,
      topK: 250,
      maxLength: 1500,
      melody: false,
    });
    expect(f.variants).toEqual(['fp32', 'fp16']);
    expect(f.canEncode).toBe(false);
    expect(readMusicgenFolder(withEncoder).canEncode).toBe(true);
    expect(readMusicgenFolder(melody).config.melody).toBe(true);
  });

  it('says what is missing', () => {
    const broken = path.join(root, 'models', 'musicgen', 'broken');
    fs.mkdirSync(path.join(broken, 'onnx'), { recursive: true });
    for (const file of ['config.json', 'generation_config.json', 'tokenizer.json'])
      fs.copyFileSync(path.join(textOnly, file), path.join(broken, file));
    fs.copyFileSync(path.join(textOnly, 'onnx', 'text_encoder.onnx'), path.join(broken, 'onnx', 'text_encoder.onnx'));
    expect(() => readMusicgenFolder(broken)).toThrow(MusicgenFolderError);
    expect(() => readMusicgenFolder(broken)).toThrow('onnx/decoder_model_merged.onnx, onnx/encodec_decode.onnx are missing');
    const listing = listMusicgenModels(root);
    expect(listing.models).toEqual([]);
    expect(listing.problems).toEqual([{ id: 'broken', problem: expect.stringContaining('decoder_model_merged') }]);
  });
});

describe('generating on the tiny model', () => {
  it('makes frames = seconds × frame rate, decoded at 640 samples a frame, with guidance in one batch of two', async () => {
    const steps: MusicgenProgress[] = [];
    const r = await generateMusic(pool, ask({ seconds: 1.3 }), { onProgress: (p) => steps.push(p) });
    expect(r.frames).toBe(65);
    expect(r.codes.length).toBe(4 * 65);
    expect(r.audio.length).toBe(65 * 640);
    expect(r.sampleRate).toBe(32_000);
    expect(r.batch).toBe(2);
    expect(r.guidanceScale).toBe(3);
    // One decoder run per step: frames + codebooks − 1 after the start token.
    expect(r.steps).toBe(65 + 4 - 1);
    expect(steps.length).toBe(r.steps);
    expect(steps.at(-1)).toEqual({ step: r.steps, steps: r.steps });
    expect(r.codes.every((c) => c >= 0 && c < 32)).toBe(true);
    expect(r.audio.every(Number.isFinite)).toBe(true);
    expect(r.melody).toBe('none');
    expect(r.providers).toEqual(['cpu']);
  }, 60_000);

  it('gives the same audio for the same seed and other audio for another', async () => {
    const a = await generateMusic(pool, ask());
    const b = await generateMusic(pool, ask());
    const c = await generateMusic(pool, ask({ seed: 43 }));
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    expect(Array.from(b.audio)).toEqual(Array.from(a.audio));
    expect(Array.from(c.codes)).not.toEqual(Array.from(a.codes));
  }, 60_000);

  it('runs one conditional row when guidance is off, and the guidance changes what is sampled', async () => {
    const off = await generateMusic(pool, ask({ guidanceScale: 1 }));
    const on = await generateMusic(pool, ask());
    expect(off.batch).toBe(1);
    expect(off.frames).toBe(on.frames);
    expect(Array.from(off.codes)).not.toEqual(Array.from(on.codes));
    // Greedy-like top-1 sampling is the same whatever the seed.
    const top1 = await generateMusic(pool, ask({ topK: 1, seed: 1 }));
    const top1b = await generateMusic(pool, ask({ topK: 1, seed: 2 }));
    expect(Array.from(top1b.codes)).toEqual(Array.from(top1.codes));
  }, 60_000);

  it('stops between steps when cancelled, and the pool runs the next request', async () => {
    const controller = new AbortController();
    let seen = 0;
    const run = generateMusic(pool, ask({ seconds: 20 }), {
      signal: controller.signal,
      onProgress: (p) => {
        seen = p.step;
        if (p.step === 3) controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy((err: unknown) => isAiError(err, 'cancelled'));
    expect(seen).toBeLessThan(20 * 50);
    const after = await generateMusic(pool, ask({ seconds: 0.5 }));
    expect(after.frames).toBe(25);
  }, 60_000);

  it('runs the fp16 variant with float16 inputs and outputs', async () => {
    const r = await generateMusic(pool, ask({ variant: 'fp16' }));
    expect(r.frames).toBe(50);
    expect(r.audio.length).toBe(50 * 640);
    expect(r.audio.every(Number.isFinite)).toBe(true);
    await expect(generateMusic(pool, ask({ modelDir: withEncoder, variant: 'fp16' }))).rejects.toThrow(/no fp16 variant/);
  }, 60_000);

  it('refuses a length past the model’s max_length', async () => {
    await expect(generateMusic(pool, ask({ seconds: 31 }))).rejects.toThrow(/at most 1496/);
  });

  it('says a text-only model without an EnCodec encoder did not use the melody', async () => {
    const r = await generateMusic(pool, ask({ melody: take(2), melodySampleRate: 32_000 }));
    expect(r.melody).toBe('unused');
    expect(r.melodyNote).toMatch(/text-only model.*encodec_encode/);
    const plain = await generateMusic(pool, ask());
    expect(Array.from(r.codes)).toEqual(Array.from(plain.codes));
  }, 60_000);

  it('continues the take as an audio prompt where the folder can encode it', async () => {
    const a = await generateMusic(pool, ask({ modelDir: withEncoder, seconds: 2, melody: take(3), melodySampleRate: 32_000 }));
    const b = await generateMusic(pool, ask({ modelDir: withEncoder, seconds: 2, seed: 7, melody: take(3), melodySampleRate: 32_000 }));
    expect(a.melody).toBe('audio-prompt');
    // Up to half the song: 1 s, 50 frames, the same whatever the seed; the continuation differs.
    expect(a.promptFrames).toBe(50);
    expect(a.frames).toBe(100);
    const frames = (r: typeof a, from: number, to: number) =>
      [0, 1, 2, 3].map((k) => Array.from(r.codes.slice(k * r.frames + from, k * r.frames + to)));
    expect(frames(b, 0, 50)).toEqual(frames(a, 0, 50));
    expect(frames(b, 50, 100)).not.toEqual(frames(a, 50, 100));
    // Another take gives another prompt.
    const c = await generateMusic(pool, ask({ modelDir: withEncoder, seconds: 2, melody: take(3, 220), melodySampleRate: 32_000 }));
    expect(frames(c, 0, 50)).not.toEqual(frames(a, 0, 50));
  }, 60_000);

  it('conditions a melody model on the chroma of the take', async () => {
    const a = await generateMusic(pool, ask({ modelDir: melody, melody: take(3), melodySampleRate: 32_000 }));
    const none = await generateMusic(pool, ask({ modelDir: melody }));
    const other = await generateMusic(pool, ask({ modelDir: melody, melody: take(3, 392), melodySampleRate: 32_000 }));
    expect(a.melody).toBe('chroma');
    expect(a.melodyNote).toMatch(/chroma/);
    expect(none.melody).toBe('none');
    expect(Array.from(a.codes)).not.toEqual(Array.from(none.codes));
    expect(Array.from(a.codes)).not.toEqual(Array.from(other.codes));
  }, 60_000);
});
