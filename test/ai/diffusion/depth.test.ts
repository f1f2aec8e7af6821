import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depthInputSize, depthPixels, depthToRgb, readDepthModel, resizePlane } from '../../../src-server/ai/diffusion/depth';
import { ModelCatalog } from '../../../src-server/ai/diffusion/catalog';
import { writeTinyDepthAnything, writeTinyUpscaler } from '../../../src-server/ai/diffusion/tiny/generate';
import { readOnnxFile } from '../../../src-server/ai/diffusion/onnx-file';
import { PLAN_ORDER } from '../../../src-server/auth/plans';

// Depth Anything preprocessing (depth.ts): its input size and normalisation, the depth map's
// scaling, and the export layout the catalog accepts as a depth model.

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-depth-'));
  await writeTinyDepthAnything(path.join(dir, 'depth'));
  await writeTinyUpscaler(path.join(dir, 'x2'), { scale: 2 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Depth Anything preprocessing', () => {
  it('sizes the input as Depth Anything does: shorter side 518, aspect kept, multiples of 14', () => {
    expect(depthInputSize(512, 512)).toEqual({ width: 518, height: 518 });
    expect(depthInputSize(1024, 512)).toEqual({ width: 1036, height: 518 });
    expect(depthInputSize(64, 96)).toEqual({ width: 518, height: 784 });
  });

  it('normalises by ImageNet mean and std, planar', () => {
    const rgb = new Uint8Array([255, 0, 128, 255, 0, 128, 255, 0, 128, 255, 0, 128]);
    const out = depthPixels(rgb, 2, 2, { width: 2, height: 2 });
    expect(out[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(out[4]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(out[8]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
  });

  it('scales the depth map from its minimum to 0 and maximum to 255, grey, at the asked size; a flat map is black', () => {
    const rgb = depthToRgb(new Float32Array([2, 4, 6, 10]), 2, 2, 2, 2);
    expect([...rgb]).toEqual([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
    expect(depthToRgb(new Float32Array([1, 2, 3, 4]), 2, 2, 4, 4).length).toBe(48);
    expect([...depthToRgb(new Float32Array(4).fill(3), 2, 2, 1, 1)]).toEqual([0, 0, 0]);
    expect([...resizePlane(new Float32Array([0, 1]), 2, 1, 4, 1)]).toEqual([0, 0.25, 0.75, 1]);
  });

  it('writes the tiny model in the export layout, which the catalog takes as a depth model; an upscaler is not one', async () => {
    const info = readOnnxFile(path.join(dir, 'depth', 'model.onnx'));
    expect(info.inputs.map((v) => [v.name, v.dims])).toEqual([['pixel_values', [1, 3, 'height', 'width']]]);
    expect(info.outputs.map((v) => [v.name, v.dims])).toEqual([['predicted_depth', [1, 'height', 'width']]]);
    expect(readDepthModel(path.join(dir, 'depth')).file).toBe(path.join(dir, 'depth', 'model.onnx'));
    expect(() => readDepthModel(path.join(dir, 'x2'))).toThrow(/no pixel_values input; model.onnx has no predicted_depth output/);
    const catalog = new ModelCatalog(path.join(dir, 'data'), PLAN_ORDER);
    const entry = await catalog.installFromFolder(path.join(dir, 'depth'), { id: 'tiny-depth', type: 'depth' });
    expect(entry).toMatchObject({ type: 'depth', is_available: true, problem: null });
    await expect(catalog.installFromFolder(path.join(dir, 'x2'), { id: 'not-depth', type: 'depth' })).rejects.toThrow(/predicted_depth/);
  });
});
