import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localContext } from '../../helpers/ai-context';
import {
  diffusionTask,
  generateImage,
  guidanceEmbedding,
  sdxlTimeIds,
  type DiffusionInput,
  type DiffusionOutput,
  type DiffusionProgress,
} from '../../../src-server/ai/diffusion/pipeline';
import { AiPool } from '../../../src-server/ai/pool';
import { GaussianNoise } from '../../../src-server/ai/diffusion/noise';
import { createScheduler, type SchedulerName } from '../../../src-server/ai/diffusion/schedulers';
import { isAiError } from '../../../src-server/ai/protocol';
import { GUIDANCE_WEIGHT, TIME_WEIGHT, TINY_IDS, textWeight, writeSdFolder } from './fixtures';

// The pipeline on stand-in models (see fixtures.ts) whose outputs are simple enough to predict:
// embeddings are id · (1 + j/width) / 1000, the UNet adds the mean of its conditioning to the sample,
// the VAE decoder shows latent channels 0–2 at 8× size. The expected image is worked out here
// from those definitions, diffusers' pipeline steps and the (separately tested) schedulers.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-sdpipe-'));
const sd1 = path.join(root, 'sd1');
const sd1Batch1 = path.join(root, 'sd1-batch1');
const sdxl = path.join(root, 'sdxl');
const lcm = path.join(root, 'lcm');

beforeAll(async () => {
  await writeSdFolder(sd1, { base: 'sd1', float: 'float32', vaeEncoder: true, sampleSize: 8 });
  await writeSdFolder(sd1Batch1, { base: 'sd1', float: 'float32', unetBatch: 1, sampleSize: 8 });
  await writeSdFolder(sdxl, { base: 'sdxl', float: 'float16', externalData: { unet: 'model.onnx_data' }, sampleSize: 8 });
  await writeSdFolder(lcm, { base: 'sd1', float: 'float32', lcmGuidanceDim: 256, sampleSize: 8 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const base = { providers: ['cpu' as const], negativePrompt: '', width: 64, height: 64, karras: false };
const run = async (input: DiffusionInput, ctx = localContext()): Promise<DiffusionOutput> => (await diffusionTask.run(input, ctx)).output;

/** The 77 ids of a prompt of `words` × "a" in the tiny vocabulary. */
const ids = (words: number) => [TINY_IDS.bos, ...Array<number>(words).fill(TINY_IDS.a), ...Array<number>(76 - words).fill(TINY_IDS.eos)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The mean of a stand-in encoder's [77, width] output: mean(ids) · mean_j(1 + j/width). */
const embeddingMean = (tokenIds: number[], width: number) =>
  mean(tokenIds) * mean(Array.from({ length: width }, (_, j) => textWeight(j, width)));

interface Expectation {
  scheduler: SchedulerName;
  config: Record<string, unknown>;
  steps: number;
  seed: number;
  guidance: number;
  /** What the UNet adds for the negative and the positive prompt. */
  shift: [number, number];
  scaling: number;
  /** img2img: the latents the VAE encoder stand-in gives, and strength. */
  image?: { latents: Float32Array; strength: number };
}

/** diffusers' denoising loop on the stand-in UNet, then the stand-in decoder and the byte conversion. */
function expectedImage(e: Expectation, size = 64): Uint8Array {
  const h = size / 8;
  const n = 4 * h * h;
  const s = createScheduler(e.scheduler, { config: e.config });
  s.setTimesteps(e.steps, e.image ? { strength: e.image.strength } : {});
  const noise = new GaussianNoise(e.seed);
  let x = e.image
    ? s.addNoise(
        e.image.latents.map((v) => v * e.scaling),
        noise.normal(n),
        s.timesteps[0]!,
      )
    : noise.normal(n).map((v) => v * s.initNoiseSigma);
  for (const t of s.timesteps) {
    const scaled = s.scaleModelInput(x, t);
    const [u, c] = e.shift;
    const eps = scaled.map((v) => v + u + e.guidance * (c - u));
    x = s.step(eps, t, x, noise).prevSample;
  }
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let xx = 0; xx < size; xx++) {
      for (let ch = 0; ch < 3; ch++) {
        const v = x[ch * h * h + Math.floor(y / 8) * h + Math.floor(xx / 8)]! / e.scaling;
        rgb[(y * size + xx) * 3 + ch] = Math.round(Math.min(1, Math.max(0, v / 2 + 0.5)) * 255);
      }
    }
  }
  return rgb;
}

const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const schedulerConfig = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'scheduler', 'scheduler_config.json'), 'utf8')) as Record<string, unknown>;

describe('diffusion pipeline (SD 1.x)', () => {
  it('denoises with classifier-free guidance and decodes to RGB bytes', async () => {
    const progress: unknown[] = [];
    const out = await run(
      { ...base, model: sd1, prompt: 'a '.repeat(60), steps: 4, guidanceScale: 7.5, scheduler: 'euler_a', seed: 1234 },
      localContext((v) => progress.push(v)),
    );
    expect([out.width, out.height, out.base, out.seed, out.steps, out.rgb.length]).toEqual([64, 64, 'sd1', 1234, 4, 64 * 64 * 3]);
    expect(progress).toEqual([1, 2, 3, 4].map((step) => ({ step, steps: 4, image: 1, images: 1 })));
    expect(out.truncatedPrompt).toBe(false);
    const expected = expectedImage({
      scheduler: 'euler_a',
      config: schedulerConfig(sd1),
      steps: 4,
      seed: 1234,
      guidance: 7.5,
      shift: [embeddingMean(ids(0), 768), embeddingMean(ids(60), 768)],
      scaling: 0.18215,
    });
    expect(maxDiff(out.rgb, expected)).toBeLessThanOrEqual(1);
    // Not a flat image: the noise survives in this stand-in, so pixels vary.
    expect(new Set(out.rgb).size).toBeGreaterThan(10);
    // Guidance shows: the prompt alone (no negative half) gives a visibly different image.
    const unguided = expectedImage({
      scheduler: 'euler_a',
      config: schedulerConfig(sd1),
      steps: 4,
      seed: 1234,
      guidance: 1,
      shift: [0, embeddingMean(ids(60), 768)],
      scaling: 0.18215,
    });
    expect(maxDiff(out.rgb, unguided)).toBeGreaterThan(5);
  });

  it('gives the same image for the same seed and another for another seed', async () => {
    const input = { ...base, model: sd1, prompt: 'a', steps: 3, guidanceScale: 5, scheduler: 'dpmpp_2m' as const, seed: 7 };
    const a = await run(input);
    expect((await run(input)).rgb).toEqual(a.rgb);
    expect(maxDiff((await run({ ...input, seed: 8 })).rgb, a.rgb)).toBeGreaterThan(0);
  });

  it('runs the guidance halves one by one on a UNet exported with batch 1', async () => {
    const input = { ...base, prompt: 'a a a', negativePrompt: 'a', steps: 3, guidanceScale: 3, scheduler: 'ddim' as const, seed: 99 };
    const batched = await run({ ...input, model: sd1 });
    const single = await run({ ...input, model: sd1Batch1 });
    expect(maxDiff(single.rgb, batched.rgb)).toBe(0);
    const expected = expectedImage({
      scheduler: 'ddim',
      config: schedulerConfig(sd1),
      steps: 3,
      seed: 99,
      guidance: 3,
      shift: [embeddingMean(ids(1), 768), embeddingMean(ids(3), 768)],
      scaling: 0.18215,
    });
    expect(maxDiff(single.rgb, expected)).toBeLessThanOrEqual(1);
    expect((await run({ ...input, model: sd1, negativePrompt: 'a '.repeat(80) })).truncatedPrompt).toBe(true);
  });

  it('skips guidance at scale 1: one pass on the prompt alone', async () => {
    const out = await run({ ...base, model: sd1, prompt: 'a', steps: 2, guidanceScale: 1, scheduler: 'euler', seed: 5 });
    const shift = embeddingMean(ids(1), 768);
    expect(
      maxDiff(
        out.rgb,
        expectedImage({
          scheduler: 'euler',
          config: schedulerConfig(sd1),
          steps: 2,
          seed: 5,
          guidance: 1,
          shift: [shift, shift],
          scaling: 0.18215,
        }),
      ),
    ).toBeLessThanOrEqual(1);
  });

  it('starts img2img from the encoded image, noised to the first remaining step', async () => {
    const rgb = new Uint8Array(64 * 64 * 3);
    for (let p = 0; p < 64 * 64; p++) rgb.set([(p * 7) % 256, (p * 3) % 256, 128], p * 3);
    const out = await run({
      ...base,
      model: sd1,
      prompt: 'a',
      steps: 4,
      guidanceScale: 2,
      scheduler: 'euler_a',
      seed: 3,
      image: { rgb: rgb.slice(), strength: 0.5 },
    });
    expect(out.steps).toBe(2);
    // The encoder stand-in: the 8×8 mean of each channel in [−1, 1], red repeated as channel 4.
    const latents = new Float32Array(4 * 64);
    for (let c = 0; c < 4; c++) {
      for (let by = 0; by < 8; by++) {
        for (let bx = 0; bx < 8; bx++) {
          let sum = 0;
          for (let y = 0; y < 8; y++)
            for (let x = 0; x < 8; x++) sum += (rgb[((by * 8 + y) * 64 + bx * 8 + x) * 3 + (c === 3 ? 0 : c)]! / 255) * 2 - 1;
          latents[c * 64 + by * 8 + bx] = sum / 64;
        }
      }
    }
    const expected = expectedImage({
      scheduler: 'euler_a',
      config: schedulerConfig(sd1),
      steps: 4,
      seed: 3,
      guidance: 2,
      shift: [embeddingMean(ids(0), 768), embeddingMean(ids(1), 768)],
      scaling: 0.18215,
      image: { latents, strength: 0.5 },
    });
    expect(maxDiff(out.rgb, expected)).toBeLessThanOrEqual(1);
  });

  it('refuses bad input and stops when cancelled', async () => {
    const input = { ...base, model: sd1, prompt: 'a', steps: 3, guidanceScale: 5, scheduler: 'euler' as const, seed: 1 };
    await expect(run({ ...input, width: 60 })).rejects.toSatisfy((e: unknown) => isAiError(e, 'bad_input'));
    await expect(run({ ...input, model: sd1Batch1, image: { rgb: new Uint8Array(64 * 64 * 3), strength: 0.5 } })).rejects.toThrow(
      /no vae_encoder/,
    );
    const controller = new AbortController();
    const steps: unknown[] = [];
    const cancelled = run(
      input,
      localContext((v) => (steps.push(v), controller.abort()), controller.signal),
    );
    await expect(cancelled).rejects.toSatisfy((e: unknown) => isAiError(e, 'cancelled'));
    expect(steps).toHaveLength(1);
  });
});

/** What the stand-in SDXL UNet adds for a prompt of `words` × "a": both encoders' tokens side by side, and the pooled embedding. */
function sdxlConditioning(words: number): { tokens: number; pooled: number } {
  const condIds = ids(words);
  const width = (n: number) => n * mean(Array.from({ length: n }, (_, j) => textWeight(j, n)));
  return { tokens: (mean(condIds) * (width(768) + width(1280))) / 2048, pooled: embeddingMean(condIds, 1280) };
}

describe('diffusion pipeline (SDXL, fp16)', () => {
  it('concatenates both encoders, adds pooled embeddings and time ids, and zeroes an empty negative prompt', async () => {
    const out = await run({ ...base, model: sdxl, prompt: 'a '.repeat(10), steps: 3, guidanceScale: 4, scheduler: 'euler', seed: 42 });
    expect(out.base).toBe('sdxl');
    // Penultimate layers of both encoders side by side (768 + 1280 channels), the pooled mean of the second's, time ids (64, 64, 0, 0, 64, 64) · TIME_WEIGHT.
    const { tokens, pooled } = sdxlConditioning(10);
    const time = ((4 * 64) / 6) * TIME_WEIGHT;
    const expected = expectedImage({
      scheduler: 'euler',
      config: schedulerConfig(sdxl),
      steps: 3,
      seed: 42,
      guidance: 4,
      shift: [time, tokens + pooled + time],
      scaling: 0.13025,
    });
    // float16 weights and activations: a few levels of rounding.
    expect(maxDiff(out.rgb, expected)).toBeLessThanOrEqual(4);
    // Each conditioning input matters more than that rounding.
    for (const without of [
      [time, pooled + time],
      [time, tokens + time],
      [0, tokens + pooled],
    ] as [number, number][]) {
      expect(
        maxDiff(
          out.rgb,
          expectedImage({
            scheduler: 'euler',
            config: schedulerConfig(sdxl),
            steps: 3,
            seed: 42,
            guidance: 4,
            shift: without,
            scaling: 0.13025,
          }),
        ),
      ).toBeGreaterThan(8);
    }
  });
});

describe('stochastic samplers in the pipeline', () => {
  it("runs DPM++ 2M SDE (Karras) from the seed's noise: the same seed gives the same image, unlike the ODE solver's", async () => {
    const req = {
      ...base,
      model: sd1,
      prompt: 'a a',
      steps: 4,
      guidanceScale: 3,
      scheduler: 'dpmpp_2m_sde' as const,
      seed: 7,
      karras: true,
    };
    const [a, b] = [await run(req), await run(req)];
    expect(maxDiff(a.rgb, b.rgb)).toBe(0);
    expect(maxDiff(a.rgb, (await run({ ...req, scheduler: 'dpmpp_2m' })).rgb)).toBeGreaterThan(0);
  });
});

describe('a separately installed VAE', () => {
  it("decodes with the VAE folder instead of the checkpoint's, with its own scaling factor; a broken one is named", async () => {
    const vae = path.join(root, 'vae-standalone');
    fs.cpSync(path.join(sd1, 'vae_decoder'), path.join(vae, 'vae_decoder'), { recursive: true });
    const configFile = path.join(vae, 'vae_decoder', 'config.json');
    const config = fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {};
    fs.writeFileSync(configFile, JSON.stringify({ ...config, scaling_factor: 0.5 }));
    const req = { ...base, model: sd1, prompt: 'a a', steps: 3, guidanceScale: 1, scheduler: 'euler' as const, seed: 11 };
    const own = await run(req);
    const swapped = await run({ ...req, vae });
    const condIds = ids(2);
    const shift = embeddingMean(condIds, 768);
    const expected = (scaling: number) =>
      expectedImage({ scheduler: 'euler', config: schedulerConfig(sd1), steps: 3, seed: 11, guidance: 1, shift: [shift, shift], scaling });
    expect(maxDiff(own.rgb, expected(0.18215))).toBeLessThanOrEqual(1);
    expect(maxDiff(swapped.rgb, expected(0.5))).toBeLessThanOrEqual(1);
    expect(maxDiff(swapped.rgb, own.rgb)).toBeGreaterThan(8);
    await expect(run({ ...req, vae: path.join(root, 'no-such-vae') })).rejects.toThrow(/no-such-vae is not a folder/);
    fs.mkdirSync(path.join(root, 'empty-vae'));
    await expect(run({ ...req, vae: path.join(root, 'empty-vae') })).rejects.toThrow(/not a usable VAE/);
  });
});

describe('SDXL size conditioning', () => {
  it("feeds the original size, crop and target size as time ids (diffusers' order), and SD 1.x refuses them", async () => {
    const sizeConditioning = { originalWidth: 128, originalHeight: 96, cropTop: 8, cropLeft: 16, targetWidth: 64, targetHeight: 64 };
    const out = await run({
      ...base,
      model: sdxl,
      prompt: 'a '.repeat(10),
      steps: 3,
      guidanceScale: 4,
      scheduler: 'euler',
      seed: 42,
      sizeConditioning,
    });
    const { tokens, pooled } = sdxlConditioning(10);
    // (96, 128, 8, 16, 64, 64): the stand-in UNet adds their mean · TIME_WEIGHT.
    const time = ((96 + 128 + 8 + 16 + 64 + 64) / 6) * TIME_WEIGHT;
    const expected = expectedImage({
      scheduler: 'euler',
      config: schedulerConfig(sdxl),
      steps: 3,
      seed: 42,
      guidance: 4,
      shift: [time, tokens + pooled + time],
      scaling: 0.13025,
    });
    expect(maxDiff(out.rgb, expected)).toBeLessThanOrEqual(4);
    const unconditioned = await run({
      ...base,
      model: sdxl,
      prompt: 'a '.repeat(10),
      steps: 3,
      guidanceScale: 4,
      scheduler: 'euler',
      seed: 42,
    });
    expect(maxDiff(out.rgb, unconditioned.rgb)).toBeGreaterThan(4);
    // The stand-in only sums them, so the order is checked on the ids themselves: (h, w) pairs as diffusers builds them.
    expect(sdxlTimeIds(64, 32)).toEqual([32, 64, 0, 0, 32, 64]);
    expect(sdxlTimeIds(64, 32, sizeConditioning)).toEqual([96, 128, 8, 16, 64, 64]);
    await expect(
      run({ ...base, model: sd1, prompt: 'a', steps: 1, guidanceScale: 1, scheduler: 'euler', seed: 1, sizeConditioning }),
    ).rejects.toThrow(/size conditioning .* SDXL's; this is a sd1 model/);
  });
});

describe('diffusion pipeline (LCM-distilled UNet)', () => {
  it('has the sinusoidal guidance-scale embedding', () => {
    // w = 2, d = 8: four frequencies 10000^(−i/3), arguments 2000 · those.
    const expected = [0, 1, 2, 3].map((i) => 2000 * 10000 ** (-i / 3));
    const e = guidanceEmbedding(2, 8);
    for (let i = 0; i < 4; i++) {
      expect(e[i]).toBeCloseTo(Math.sin(expected[i]!), 5);
      expect(e[4 + i]).toBeCloseTo(Math.cos(expected[i]!), 5);
    }
    expect(guidanceEmbedding(2, 9)[8]).toBe(0);
  });

  it('feeds the guidance embedding instead of running a negative pass', async () => {
    const out = await run({
      ...base,
      model: lcm,
      prompt: 'a '.repeat(30),
      negativePrompt: 'ignored',
      steps: 4,
      guidanceScale: 8,
      scheduler: 'lcm',
      seed: 11,
    });
    const w = Array.from({ length: 128 }, (_, i) => 7 * 1000 * Math.exp((-i * Math.log(10000)) / 127));
    const embeddingAverage = mean([...w.map(Math.sin), ...w.map(Math.cos)]);
    const shift = embeddingMean(ids(30), 768) + embeddingAverage * GUIDANCE_WEIGHT;
    const expected = expectedImage({
      scheduler: 'lcm',
      config: schedulerConfig(lcm),
      steps: 4,
      seed: 11,
      guidance: 1,
      shift: [shift, shift],
      scaling: 0.18215,
    });
    expect(maxDiff(out.rgb, expected)).toBeLessThanOrEqual(1);
    expect(new Set(out.rgb).size).toBeGreaterThan(10);
  });
});

describe('generateImage (through the AI pool)', () => {
  const pool = new AiPool({ providers: { available: ['cpu'], preferred: 'cpu', order: ['cpu'], forced: false } });
  afterAll(() => pool.close());

  it('picks and returns a seed for −1, reports progress, and gives what the task gives in-process', async () => {
    const progress: DiffusionProgress[] = [];
    const result = await generateImage(pool, {
      model: sd1,
      prompt: 'a a',
      width: 64,
      height: 64,
      steps: 3,
      scheduler: 'euler_a',
      seed: -1,
      onProgress: (p) => progress.push(p),
    });
    expect(Number.isInteger(result.seed) && result.seed >= 0 && result.seed <= 0xffff_ffff).toBe(true);
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(result.provider).toBe('cpu');
    const local = await run({ ...base, model: sd1, prompt: 'a a', steps: 3, guidanceScale: 7.5, scheduler: 'euler_a', seed: result.seed });
    expect(result.rgb).toEqual(local.rgb);
  });

  it('moves the img2img image to the worker and refuses bad sizes before sending', async () => {
    const rgb = new Uint8Array(64 * 64 * 3).fill(100);
    const result = await generateImage(pool, {
      model: sd1,
      prompt: 'a',
      width: 64,
      height: 64,
      steps: 4,
      seed: 1,
      image: { rgb, strength: 0.5 },
    });
    expect(result.steps).toBe(2);
    expect(rgb.byteLength).toBe(0);
    await expect(generateImage(pool, { model: sd1, prompt: 'a', width: 100, height: 64 })).rejects.toThrow(/multiples of 8/);
  });
});
