import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localContext } from '../../helpers/ai-context';
import { writeTinyUpscaler } from '../../../src-server/ai/diffusion/tiny/generate';
import {
  tileStarts,
  upscaleTask,
  type UpscaleInput,
  type UpscaleOutput,
  type UpscaleProgress,
} from '../../../src-server/ai/diffusion/upscale';
import { isAiError } from '../../../src-server/ai/protocol';

// Tiled super-resolution on tiny Real-ESRGAN-style models (input → conv → DepthToSpace → output).

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-upscale-'));
const x2 = path.join(root, 'realesrgan-x2');
const x4 = path.join(root, 'realesrgan-x4');
beforeAll(async () => {
  await writeTinyUpscaler(x2, { scale: 2 });
  await writeTinyUpscaler(x4, { scale: 4 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const upscale = async (input: Omit<UpscaleInput, 'rgb'> & { rgb?: Uint8Array }, ctx = localContext()): Promise<UpscaleOutput> =>
  (await upscaleTask.run({ rgb: picture(input.width, input.height), ...input }, ctx)).output;

/** A smooth picture with some edges. */
function picture(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgb.set([(x * 255) / width, (y * 255) / height, (x + y) % 20 < 10 ? 200 : 40], (y * width + x) * 3);
  return rgb;
}

describe('upscale', () => {
  it('lays tiles every tile − overlap, the last flush with the end', () => {
    expect(tileStarts(100, 40, 10)).toEqual([0, 30, 60]);
    expect(tileStarts(40, 40, 10)).toEqual([0]);
    expect(tileStarts(100, 0, 10)).toEqual([0]);
  });

  it('gives exactly width × scale by height × scale for each model and factor', async () => {
    for (const [model, scale, modelScale] of [
      [x2, 2, 2],
      [x4, 4, 4],
      [x4, 2, 4],
      [x2, 4, 2],
    ] as const) {
      const out = await upscale({ model, width: 37, height: 29, scale, tile: 16, overlap: 4 });
      expect([out.width, out.height, out.rgb.length, out.modelScale]).toEqual([
        37 * scale,
        29 * scale,
        37 * scale * 29 * scale * 3,
        modelScale,
      ]);
    }
  });

  it('looks like the image, larger', async () => {
    const rgb = picture(32, 32);
    const out = await upscale({ model: x4, rgb: rgb.slice(), width: 32, height: 32, scale: 4, tile: 0 });
    let diff = 0;
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++)
        for (let c = 0; c < 3; c++) diff += Math.abs(out.rgb[(y * 128 + x) * 3 + c]! - rgb[((y >> 2) * 32 + (x >> 2)) * 3 + c]!);
    expect(diff / (128 * 128 * 3)).toBeLessThan(12);
  });

  it('gives nearly the untiled result in tiles, seams cross-faded', async () => {
    const rgb = picture(90, 70);
    const whole = await upscale({ model: x2, rgb: rgb.slice(), width: 90, height: 70, scale: 2, tile: 0 });
    const progress: UpscaleProgress[] = [];
    const tiled = await upscale(
      { model: x2, rgb: rgb.slice(), width: 90, height: 70, scale: 2, tile: 32, overlap: 8 },
      localContext((p) => progress.push(p as UpscaleProgress)),
    );
    expect(whole.tiles).toBe(1);
    expect(tiled.tiles).toBe(4 * 3);
    expect(progress.at(-1)).toEqual({ tile: 12, tiles: 12 });
    let sum = 0;
    let max = 0;
    for (let i = 0; i < whole.rgb.length; i++) {
      const d = Math.abs(whole.rgb[i]! - tiled.rgb[i]!);
      sum += d;
      max = Math.max(max, d);
    }
    expect(sum / whole.rgb.length).toBeLessThan(0.2);
    expect(max).toBeLessThanOrEqual(6);
    // Without the cross-fade (hard tile edges, no overlap) the seams show more.
    const hard = await upscale({ model: x2, rgb: rgb.slice(), width: 90, height: 70, scale: 2, tile: 32, overlap: 0 });
    expect(hard.rgb.reduce((s, v, i) => s + Math.abs(v - whole.rgb[i]!), 0)).toBeGreaterThan(sum);
  });

  it('refuses bad input and stops between tiles when cancelled', async () => {
    await expect(upscale({ model: x2, width: 10, height: 10, scale: 3 as 2 })).rejects.toSatisfy((e: unknown) => isAiError(e, 'bad_input'));
    await expect(upscale({ model: x2, width: 10, height: 10, scale: 2, rgb: new Uint8Array(5) })).rejects.toThrow(/300 bytes/);
    await expect(upscale({ model: root, width: 10, height: 10, scale: 2 })).rejects.toThrow(/no .onnx file/);
    const controller = new AbortController();
    const tiles: number[] = [];
    const cancelled = upscale(
      { model: x2, width: 64, height: 64, scale: 2, tile: 16, overlap: 4 },
      localContext((p) => (tiles.push((p as UpscaleProgress).tile), controller.abort()), controller.signal),
    );
    await expect(cancelled).rejects.toSatisfy((e: unknown) => isAiError(e, 'cancelled'));
    expect(tiles).toEqual([1]);
  });
});
