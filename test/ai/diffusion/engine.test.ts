import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localContext } from '../../helpers/ai-context';
import {
  diffusionTask,
  generateImage,
  latentMask,
  sizeLimits,
  type DiffusionInput,
  type DiffusionOutput,
  type DiffusionProgress,
} from '../../../src-server/ai/diffusion/pipeline';
import { readModelFolder } from '../../../src-server/ai/diffusion/model-folder';
import { latentsToRgb } from '../../../src-server/ai/diffusion/preview';
import { writeTinySd } from '../../../src-server/ai/diffusion/tiny/generate';
import { upscaleImage } from '../../../src-server/ai/diffusion/upscale';
import { writeTinyUpscaler } from '../../../src-server/ai/diffusion/tiny/generate';
import { AiPool } from '../../../src-server/ai/pool';
import { isAiError } from '../../../src-server/ai/protocol';

// The diffusion engine end to end on tiny random-weight models written by tiny/generate.ts in the
// layout and tensor names of HF's ONNX exports: real ONNX Runtime sessions, in-process and through
// the production AI worker (tasks.ts).

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-sd-engine-'));
const sd1 = path.join(root, 'sd1');
const sd1Fp16 = path.join(root, 'sd1-fp16');
const sd1External = path.join(root, 'sd1-external');
const sd1Inpaint = path.join(root, 'sd1-inpaint');
const sdxl = path.join(root, 'sdxl');
const upscaler = path.join(root, 'x2');

beforeAll(async () => {
  await writeTinySd(sd1, { base: 'sd1' });
  await writeTinySd(sd1Fp16, { base: 'sd1', fp16: true });
  await writeTinySd(sd1External, { base: 'sd1', externalData: true });
  await writeTinySd(sd1Inpaint, { base: 'sd1', inpainting: true });
  await writeTinySd(sdxl, { base: 'sdxl', fp16: true, sampleSize: 16 });
  await writeTinyUpscaler(upscaler, { scale: 2 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const base = {
  providers: ['cpu' as const],
  prompt: 'a cat and the dog',
  negativePrompt: 'blurry',
  width: 64,
  height: 64,
  steps: 4,
  guidanceScale: 6,
  scheduler: 'euler_a' as const,
  karras: false,
  seed: 5,
};
const run = async (input: Partial<DiffusionInput> & { model: string }, ctx = localContext()): Promise<DiffusionOutput> =>
  (await diffusionTask.run({ ...base, ...input }, ctx)).output;

const meanDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** A smooth test picture: a colour per 8×8 block, so the tiny VAE's 1/8 latents hold it almost exactly. */
function blocks(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rgb.set([40 + (((x >> 3) * 23) % 180), 60 + (((y >> 3) * 31) % 160), 90 + ((((x >> 3) + (y >> 3)) * 17) % 120)], (y * width + x) * 3);
  return rgb;
}

describe('tiny models (tiny/generate.ts)', () => {
  it('have the layout, tensor names and types of HF ONNX exports', () => {
    const m = readModelFolder(sd1);
    expect([m.base, m.precision, m.sampleSize, m.vaeScalingFactor]).toEqual(['sd1', 'fp32', 64, 0.18215]);
    const names = (vs: { name: string; type: string }[]) => vs.map((v) => `${v.name}:${v.type}`);
    expect(names(m.textEncoder.inputs)).toEqual(['input_ids:int32']);
    expect(names(m.textEncoder.outputs)).toEqual(['last_hidden_state:float32', 'pooler_output:float32']);
    expect(names(m.unet.inputs)).toEqual(['sample:float32', 'timestep:int64', 'encoder_hidden_states:float32']);
    expect(names(m.unet.outputs)).toEqual(['out_sample:float32']);
    expect(names(m.vaeDecoder.inputs)).toEqual(['latent_sample:float32']);
    expect(names(m.vaeDecoder.outputs)).toEqual(['sample:float32']);
    expect(names(m.vaeEncoder!.inputs)).toEqual(['sample:float32']);
    expect(names(m.vaeEncoder!.outputs)).toEqual(['latent_sample:float32']);
    for (const f of ['vocab.json', 'merges.txt', 'special_tokens_map.json', 'tokenizer_config.json'])
      expect(fs.existsSync(path.join(sd1, 'tokenizer', f))).toBe(true);

    const xl = readModelFolder(sdxl);
    expect([xl.base, xl.precision, xl.sampleSize]).toEqual(['sdxl', 'fp16', 128]);
    expect(names(xl.unet.inputs)).toEqual([
      'sample:float16',
      'timestep:int64',
      'encoder_hidden_states:float16',
      'text_embeds:float16',
      'time_ids:float16',
    ]);
    expect(xl.textEncoder2!.outputs.map((o) => o.name)).toEqual([
      'last_hidden_state',
      'text_embeds',
      'hidden_states.0',
      'hidden_states.1',
      'hidden_states.2',
    ]);

    expect(readModelFolder(sd1External).unet.externalData.map((f) => path.basename(f))).toEqual(['model.onnx_data']);
    expect(readModelFolder(sd1Inpaint).unet.inputs[0]!.dims).toEqual(['batch_size', 9, 'height', 'width']);
  });
});

describe('diffusion engine on tiny models', () => {
  it('gives identical pixels for the same seed and different ones for another', async () => {
    const a = await run({ model: sd1 });
    expect((await run({ model: sd1 })).rgb).toEqual(a.rgb);
    expect(meanDiff((await run({ model: sd1, seed: 6 })).rgb, a.rgb)).toBeGreaterThan(2);
    expect(new Set(a.rgb).size).toBeGreaterThan(50);
  });

  it.each(['heun', 'lms', 'dpmpp_sde', 'dpmpp_2s_a', 'unipc', 'deis'] as const)(
    'runs the %s sampler (and its Karras schedule) deterministically, through txt2img and img2img',
    async (scheduler) => {
      const a = await run({ model: sd1, scheduler });
      const again = await run({ model: sd1, scheduler });
      expect(maxDiff(a.rgb, again.rgb)).toBe(0);
      const karras = await run({ model: sd1, scheduler, karras: true });
      expect(meanDiff(a.rgb, karras.rgb)).toBeGreaterThan(0);
      const euler = await run({ model: sd1, scheduler: 'euler_a' });
      expect(meanDiff(a.rgb, euler.rgb)).toBeGreaterThan(0);
      const i2i = await run({ model: sd1, scheduler, image: { rgb: blocks(64, 64), strength: 0.5 } });
      expect(i2i.rgb).toHaveLength(64 * 64 * 3);
    },
  );

  it('makes a batch of seed, seed + 1, … each as it would be alone', async () => {
    const out = await run({ model: sd1, batchSize: 2, steps: 2 });
    expect(out.seeds).toEqual([5, 6]);
    expect(out.images[0]).toBe(out.rgb);
    expect(out.images[1]).toEqual((await run({ model: sd1, seed: 6, steps: 2 })).rgb);
  });

  it('keeps more of the image at lower img2img strength', async () => {
    const image = blocks(64, 64);
    const low = await run({ model: sd1, image: { rgb: image.slice(), strength: 0.25 }, steps: 8 });
    const high = await run({ model: sd1, image: { rgb: image.slice(), strength: 0.9 }, steps: 8 });
    expect([low.steps, high.steps]).toEqual([2, 7]);
    expect(meanDiff(low.rgb, image)).toBeLessThan(meanDiff(high.rgb, image) / 2);
  });

  it('inpaints by latent blending with a 4-channel UNet: unmasked pixels stay, masked ones change', async () => {
    const image = blocks(64, 64);
    const mask = new Uint8Array(64 * 64);
    for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) mask[y * 64 + x] = 255;
    const out = await run({ model: sd1, image: { rgb: image.slice(), strength: 1 }, mask, steps: 6 });
    expect(out.inpaint).toBe('blend');
    const inside: number[] = [];
    const outside: number[] = [];
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const d = Math.max(...[0, 1, 2].map((c) => Math.abs(out.rgb[(y * 64 + x) * 3 + c]! - image[(y * 64 + x) * 3 + c]!)));
        // One latent pixel (8 px) of margin: the VAE decoder's 3×3 conv reaches across the edge.
        if (x < 8 || x >= 56 || y < 8 || y >= 56) outside.push(d);
        else if (x >= 16 && x < 48 && y >= 16 && y < 48) inside.push(d);
      }
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(outside)).toBeLessThan(4);
    expect(Math.max(...outside)).toBeLessThan(16);
    expect(avg(inside)).toBeGreaterThan(20);
  });

  it('feeds the mask and masked-image latents to a 9-channel inpainting UNet', async () => {
    const image = blocks(64, 64);
    const left = new Uint8Array(64 * 64).map((_, p) => (p % 64 < 32 ? 255 : 0));
    const right = new Uint8Array(64 * 64).map((_, p) => (p % 64 >= 32 ? 255 : 0));
    const a = await run({ model: sd1Inpaint, image: { rgb: image.slice(), strength: 1 }, mask: left });
    const b = await run({ model: sd1Inpaint, image: { rgb: image.slice(), strength: 1 }, mask: right });
    expect(a.inpaint).toBe('unet');
    expect(meanDiff(a.rgb, b.rgb)).toBeGreaterThan(1);
    // Without an image an inpainting model still draws: a full mask over a blank picture.
    expect((await run({ model: sd1Inpaint })).inpaint).toBe('unet');
  });

  it('maps the mask to latent pixels, covering every painted pixel', () => {
    const mask = new Uint8Array(16 * 16);
    mask[9 * 16 + 3] = 200;
    expect([...latentMask(mask, 16, 16)]).toEqual([0, 0, 1, 0]);
  });

  it('emits latent previews as PNG data URLs every N steps and on the last', async () => {
    const progress: DiffusionProgress[] = [];
    await run(
      { model: sd1, steps: 5, previewEvery: 2 },
      localContext((v) => progress.push(v as DiffusionProgress)),
    );
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.filter((p) => p.preview).map((p) => p.step)).toEqual([2, 4, 5]);
    const png = Buffer.from(progress[4]!.preview!.dataUrl.replace('data:image/png;base64,', ''), 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([8, 8]);
    // The pixels are the published factors applied to the latents: decode the IDAT and compare one.
    const idat = png.subarray(41, 41 + png.readUInt32BE(33));
    const rows = zlib.inflateSync(idat);
    expect(rows.length).toBe(8 * (8 * 3 + 1));
  });

  it('projects latents to RGB with the published SD 1.x and SDXL factors', () => {
    const latents = Float32Array.from([1, 0, 0.5, -1]);
    const expected = (f: number[][], bias: number[]) =>
      [0, 1, 2].map((c) => Math.round(Math.min(1, Math.max(0, (bias[c]! + f[0]![c]! - 0 + 0.5 * f[2]![c]! - f[3]![c]! + 1) / 2)) * 255));
    expect([...latentsToRgb(latents, 1, 1, 'sd1')]).toEqual(
      expected(
        [
          [0.3512, 0.2297, 0.3227],
          [0.325, 0.4974, 0.235],
          [-0.2829, 0.1762, 0.2721],
          [-0.212, -0.2616, -0.7177],
        ],
        [0, 0, 0],
      ),
    );
    expect([...latentsToRgb(latents, 1, 1, 'sdxl')]).toEqual(
      expected(
        [
          [0.3651, 0.4232, 0.4341],
          [-0.2533, -0.0042, 0.1068],
          [0.1076, 0.1111, -0.0362],
          [-0.3165, -0.2492, -0.2188],
        ],
        [0.1084, -0.0175, -0.0011],
      ),
    );
  });

  it('stops within one step of a cancel', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const ctx = localContext((v) => {
      steps.push((v as DiffusionProgress).step);
      if (steps.length === 2) controller.abort();
    }, controller.signal);
    await expect(run({ model: sd1, steps: 10 }, ctx)).rejects.toSatisfy((e: unknown) => isAiError(e, 'cancelled'));
    expect(steps).toEqual([1, 2]);
  });

  it('runs SDXL (two encoders, pooled embeddings, time ids) in fp16', async () => {
    const out = await run({ model: sdxl, width: 128, height: 96, steps: 3, scheduler: 'euler' });
    expect([out.base, out.width, out.height, out.rgb.length]).toEqual(['sdxl', 128, 96, 128 * 96 * 3]);
    expect(new Set(out.rgb).size).toBeGreaterThan(50);
    expect((await run({ model: sdxl, width: 128, height: 96, steps: 3, scheduler: 'euler' })).rgb).toEqual(out.rgb);
  });

  it('gives nearly the fp32 image from fp16 weights and exactly it from external data', async () => {
    const fp32 = await run({ model: sd1 });
    const fp16 = await run({ model: sd1Fp16 });
    expect(meanDiff(fp16.rgb, fp32.rgb)).toBeLessThan(1.5);
    expect(maxDiff(fp16.rgb, fp32.rgb)).toBeLessThan(24);
    expect((await run({ model: sd1External })).rgb).toEqual(fp32.rgb);
  });

  it('validates sizes against the model base', async () => {
    expect(sizeLimits({ base: 'sd1', sampleSize: 512 })).toEqual({ min: 256, max: 1024 });
    expect(sizeLimits({ base: 'sdxl', sampleSize: 1024 })).toEqual({ min: 512, max: 1536 });
    await expect(run({ model: sd1, width: 256 })).rejects.toThrow(/width must be a multiple of 8 from 32 to 128 for this sd1 model/);
    await expect(run({ model: sdxl, height: 56 })).rejects.toThrow(/height must be a multiple of 8 from 64 to 192 for this sdxl model/);
    await expect(run({ model: sd1, width: 60 })).rejects.toSatisfy((e: unknown) => isAiError(e, 'bad_input'));
    await expect(run({ model: sd1, batchSize: 9 })).rejects.toThrow(/batch_size/);
  });
});

describe('through the production AI worker', () => {
  const pool = new AiPool({ providers: { available: ['cpu'], preferred: 'cpu', order: ['cpu'], forced: false } });
  afterAll(() => pool.close());

  it('generates with a recorded random seed and previews, and refuses a ControlNet the model cannot take', async () => {
    const progress: DiffusionProgress[] = [];
    const result = await generateImage(pool, {
      model: sd1,
      prompt: 'a cat',
      width: 64,
      height: 64,
      steps: 3,
      seed: -1,
      previewEvery: 1,
      onProgress: (p) => progress.push(p),
    });
    expect(result.seed).toBeGreaterThanOrEqual(0);
    expect(result.seeds).toEqual([result.seed]);
    expect(progress.map((p) => [p.step, p.preview?.width])).toEqual([
      [1, 8],
      [2, 8],
      [3, 8],
    ]);
    expect(result.timing.sessionRunMs).toBeGreaterThan(0);
    const again = await generateImage(pool, { model: sd1, prompt: 'a cat', width: 64, height: 64, steps: 3, seed: result.seed });
    expect(again.rgb).toEqual(result.rgb);

    // A LoRA is merged in the worker: a missing file is a clear bad_input, not a crash.
    const lora = generateImage(pool, {
      model: sd1,
      prompt: 'a',
      width: 64,
      height: 64,
      loras: [{ name: 'add_detail', file: path.join(root, 'missing.safetensors'), weight: 0.8 }],
    });
    await expect(lora).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/LoRA add_detail cannot be read/) });
    // A ControlNet on a model without a ControlNet UNet (controlnet/model.onnx) is refused, naming what is missing.
    const control = { model: path.join(root, 'no-controlnet'), image: new Uint8Array(64 * 64 * 3), weight: 1, begin: 0, end: 1 };
    await expect(generateImage(pool, { model: sd1, prompt: 'a', width: 64, height: 64, controlnet: control })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/no ControlNet UNet \(controlnet\/model.onnx/),
    });
  });

  it('cancels between steps and serves the next request', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    const cancelled = generateImage(pool, {
      model: sd1,
      prompt: 'a',
      width: 64,
      height: 64,
      steps: 50,
      seed: 1,
      signal: controller.signal,
      onProgress: (p) => (steps.push(p.step), controller.abort()),
    });
    await expect(cancelled).rejects.toSatisfy((e: unknown) => isAiError(e, 'cancelled'));
    const next = await generateImage(pool, { model: sd1, prompt: 'a', width: 64, height: 64, steps: 2, seed: 1 });
    expect(next.steps).toBe(2);
    // The worker went on to the next request at once, so it stopped within a step or two of 50.
    expect(steps.length).toBeLessThanOrEqual(2);
  });

  it('upscales in the worker', async () => {
    const rgb = blocks(40, 24);
    const out = await upscaleImage(pool, { model: upscaler, rgb, width: 40, height: 24, scale: 4, tile: 16, overlap: 4 });
    expect([out.width, out.height, out.modelScale, out.rgb.length]).toEqual([160, 96, 2, 160 * 96 * 3]);
  });
});
