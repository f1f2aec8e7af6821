import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../../src-server/ai/diffusion/model-folder';
import { readOnnxFile } from '../../../src-server/ai/diffusion/onnx-file';

// The tiny-model generator's command line, as a developer or a bench runs it.

const script = path.resolve('src-server/ai/diffusion/tiny/generate.ts');
const tsx = path.resolve('node_modules/.bin/tsx');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-sd-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const run = (...args: string[]) => promisify(execFile)(tsx, [script, ...args], { timeout: 60_000 });

describe('tiny/generate.ts CLI', () => {
  it('writes an SDXL inpainting fp16 model with external data, and an upscaler', async () => {
    const dir = path.join(root, 'xl');
    await run(dir, '--base', 'sdxl', '--fp16', '--inpainting', '--external-data', '--sample-size', '16');
    const m = readModelFolder(dir);
    expect([m.base, m.precision, m.sampleSize, m.unet.inputs[0]!.dims[1]]).toEqual(['sdxl', 'fp16', 128, 9]);
    expect(m.unet.externalData.map((f) => path.basename(f))).toEqual(['model.onnx_data']);
    expect(m.textEncoder2!.externalData).toHaveLength(1);

    const { stdout } = await run(path.join(root, 'up'), '--upscaler', '4');
    const info = readOnnxFile(stdout.trim());
    expect([info.inputs[0]!.name, info.outputs[0]!.name, info.outputs[0]!.dims]).toEqual([
      'input',
      'output',
      [1, 3, 'height*4', 'width*4'],
    ]);
    await expect(run(path.join(root, 'bad'), '--upscaler', '3')).rejects.toThrow(/--upscaler takes 2 or 4/);
  });
});
