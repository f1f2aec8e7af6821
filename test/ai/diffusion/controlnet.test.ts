import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localContext } from '../../helpers/ai-context';
import { cannyEdges } from '../../../src-server/ai/diffusion/canny';
import { readControlNetFolder } from '../../../src-server/ai/diffusion/controlnet';
import { controlSteps, diffusionTask, type DiffusionInput } from '../../../src-server/ai/diffusion/pipeline';
import { writeTinyControlNet, writeTinySd } from '../../../src-server/ai/diffusion/tiny/generate';

// ControlNet on the tiny models: a tiny ControlNet in OnnxStack/Amuse's layout (down_block
// residuals + mid block out) feeding the checkpoint's controlnet/ UNet (the same weights plus the
// residual inputs); canny edges computed in-process.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-controlnet-'));
const sd1 = path.join(root, 'sd1');
const sdxl = path.join(root, 'sdxl');
const canny = path.join(root, 'canny');

beforeAll(async () => {
  await writeTinySd(sd1, { base: 'sd1', controlnet: true });
  await writeTinySd(sdxl, { base: 'sdxl', sampleSize: 16 });
  await writeTinyControlNet(canny, { base: 'sd1' });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A white square on black: its edges are the square's outline. */
function square(size: number, from: number, to: number): Uint8Array {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = from; y < to; y++) for (let x = from; x < to; x++) rgb.fill(255, 3 * (y * size + x), 3 * (y * size + x) + 3);
  return rgb;
}

describe('canny edges', () => {
  it("marks a square's outline, one pixel wide, and nothing inside or outside", () => {
    const edges = cannyEdges(square(32, 8, 24), 32, 32);
    const on = (x: number, y: number) => edges[3 * (y * 32 + x)] === 255;
    // The step between 7 and 8 is an edge on one side of it; interiors and the background are not.
    for (let y = 10; y < 22; y++) expect(on(7, y) || on(8, y), `left side, row ${y}`).toBe(true);
    for (let x = 10; x < 22; x++) expect(on(x, 7) || on(x, 8), `top side, column ${x}`).toBe(true);
    expect(on(16, 16)).toBe(false);
    expect(on(2, 2)).toBe(false);
    // Thin: never both pixels across the step.
    for (let y = 10; y < 22; y++) expect(on(7, y) && on(8, y)).toBe(false);
    // A flat image has no edges; thresholds above the step's gradient find none either.
    expect(cannyEdges(new Uint8Array(16 * 16 * 3).fill(90), 16, 16).some((v) => v !== 0)).toBe(false);
    expect(cannyEdges(square(32, 8, 24), 32, 32, 2000, 3000).some((v) => v !== 0)).toBe(false);
  });
});

describe('ControlNet', () => {
  it('reads the export layout: its inputs, residual outputs in order, base and scale input', () => {
    const info = readControlNetFolder(canny);
    expect(info.down).toEqual(['down_block_res_samples_0', 'down_block_res_samples_1']);
    expect(info.mid).toBe('mid_block_res_sample');
    expect(info.scaleInput).toBe('conditioning_scale');
    expect(() => readControlNetFolder(path.join(sd1, 'unet'))).toThrow(/no controlnet_cond input/);
  });

  it('applies InvokeAI’s begin/end step window', () => {
    expect(controlSteps(10, 0, 1)).toEqual({ first: 0, last: 9 });
    expect(controlSteps(10, 0.2, 0.5)).toEqual({ first: 2, last: 4 });
    expect(controlSteps(3, 0, 0.4)).toEqual({ first: 0, last: 1 });
  });

  const base: DiffusionInput = {
    model: sd1,
    providers: ['cpu'],
    prompt: 'a house',
    negativePrompt: '',
    width: 64,
    height: 64,
    steps: 4,
    guidanceScale: 5,
    scheduler: 'euler',
    karras: false,
    seed: 3,
  };
  const run = async (input: Partial<DiffusionInput>) => (await diffusionTask.run({ ...base, ...input }, localContext())).output.rgb;
  const diff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
  const control = (weight: number, begin = 0, end = 1, image = cannyEdges(square(64, 16, 48), 64, 64)) => ({
    model: canny,
    image,
    weight,
    begin,
    end,
  });

  it('steers the image with its weight and window; weight 0 gives the model’s own image', async () => {
    const own = await run({});
    expect(diff(own, await run({ controlnet: control(0) }))).toBe(0);
    const full = await run({ controlnet: control(1) });
    expect(diff(own, full)).toBeGreaterThan(0.5);
    expect(diff(own, await run({ controlnet: control(2) }))).toBeGreaterThan(diff(own, full));
    // Only the first half of the steps: between none and all.
    const early = await run({ controlnet: control(1, 0, 0.5) });
    expect(diff(own, early)).toBeGreaterThan(0);
    expect(diff(early, full)).toBeGreaterThan(0);
    // Another control image, another picture.
    const other = await run({ controlnet: control(1, 0, 1, cannyEdges(square(64, 4, 20), 64, 64)) });
    expect(diff(other, full)).toBeGreaterThan(0.1);
  });

  it('refuses a model without a ControlNet UNet, a ControlNet for another base, and a bad window', async () => {
    await expect(
      run({ model: sdxl, width: 128, height: 128, controlnet: { ...control(1), image: new Uint8Array(128 * 128 * 3) } }),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/no ControlNet UNet/),
    });
    await expect(run({ controlnet: control(1, 0.6, 0.4) })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/begin < end/),
    });
  });
});
