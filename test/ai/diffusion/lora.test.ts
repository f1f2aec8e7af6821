import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localContext } from '../../helpers/ai-context';
import { mergedModel, readLora, type LoraSpec } from '../../../src-server/ai/diffusion/lora';
import { diffusionTask, type DiffusionInput } from '../../../src-server/ai/diffusion/pipeline';
import { fromFloat16 } from '../../../src-server/ai/diffusion/tensors';
import { writeTinyLora, writeTinySd, type TinyLoraLayer } from '../../../src-server/ai/diffusion/tiny/generate';

// LoRA merging on the tiny models: the merged ONNX weight must equal base + weight·(α/r)·up·down
// (computed here from the LoRA's own tensors), in kohya and peft naming, inline and external
// weights, float32 and float16; and the images must change with the weight, weight 0 being the
// model's own.

const { onnx } = onnxProto;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-lora-'));
const sd1 = path.join(root, 'sd1');
const sd1External = path.join(root, 'sd1-ext');
const sd1Fp16 = path.join(root, 'sd1-fp16');
const sdxl = path.join(root, 'sdxl');
const cacheDir = path.join(root, 'cache');
let kohya: TinyLoraLayer[];
let peft: TinyLoraLayer[];
let xlLayers: TinyLoraLayer[];
const kohyaFile = path.join(root, 'loras', 'tiny-kohya.safetensors');
const peftFile = path.join(root, 'loras', 'tiny-peft.safetensors');
const xlFile = path.join(root, 'loras', 'tiny-xl.safetensors');

beforeAll(async () => {
  await writeTinySd(sd1, { base: 'sd1' });
  await writeTinySd(sd1External, { base: 'sd1', externalData: true });
  await writeTinySd(sd1Fp16, { base: 'sd1', fp16: true });
  await writeTinySd(sdxl, { base: 'sdxl', fp16: true, sampleSize: 16 });
  kohya = writeTinyLora(kohyaFile, { base: 'sd1', format: 'kohya', seed: 3 });
  peft = writeTinyLora(peftFile, { base: 'sd1', format: 'peft', seed: 4 });
  xlLayers = writeTinyLora(xlFile, { base: 'sdxl', format: 'kohya', seed: 5 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** An initializer of an ONNX file as float32 (inline or external, float32 or float16). */
function weightOf(file: string, name: string): { dims: number[]; values: Float32Array } {
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  const t = model.graph!.initializer!.find((i) => i.name === name)!;
  const dims = t.dims!.map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  let bytes: Buffer;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const ext = Object.fromEntries(t.externalData!.map((e) => [e.key, e.value]));
    bytes = fs
      .readFileSync(path.join(path.dirname(file), ext.location!))
      .subarray(Number(ext.offset), Number(ext.offset) + Number(ext.length));
  } else bytes = Buffer.from(t.rawData!);
  const copy = Buffer.from(bytes);
  const values =
    t.dataType === onnx.TensorProto.DataType.FLOAT16
      ? fromFloat16(new Uint16Array(copy.buffer, copy.byteOffset, count))
      : new Float32Array(copy.buffer, copy.byteOffset, count);
  return { dims, values };
}

/** up·down as torch's [out, in…] weight, from the LoRA's own tensors. */
function delta(layer: TinyLoraLayer): Float32Array {
  const rank = layer.down.shape[0]!;
  const inner = layer.down.values.length / rank;
  const out = layer.up.values.length / rank;
  const d = new Float32Array(out * inner);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inner; i++)
      for (let r = 0; r < rank; r++) d[o * inner + i]! += layer.up.values[o * rank + r]! * layer.down.values[r * inner + i]!;
  return d;
}

/** Expects merged = base + scale·delta, with MatMul weights stored [in, out] (torch's transposed). */
function expectMerged(base: Float32Array, merged: Float32Array, layer: TinyLoraLayer, scale: number, transposed: boolean, digits = 5) {
  const d = delta(layer);
  const out = layer.up.shape[0]!;
  const inner = d.length / out;
  let worst = 0;
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inner; i++) {
      const at = transposed ? i * out + o : o * inner + i;
      worst = Math.max(worst, Math.abs(merged[at]! - (base[at]! + scale * d[o * inner + i]!)));
    }
  expect(worst).toBeLessThan(10 ** -digits);
  // And it did change.
  expect(Math.max(...merged.map((v, i) => Math.abs(v - base[i]!)))).toBeGreaterThan(1e-3);
}

const spec = (file: string, weight: number): LoraSpec => ({ name: path.basename(file, '.safetensors'), file, weight });
const layerOf = (layers: TinyLoraLayer[], module: string, target = 'unet') =>
  layers.find((l) => l.module === module && l.target === target)!;

describe('LoRA merge', () => {
  it.each([
    ['kohya', () => kohya, kohyaFile],
    ['peft', () => peft, peftFile],
  ] as const)('adds weight·(α/r)·up·down to each layer it names (%s keys), conv and MatMul alike', (_format, layers, file) => {
    const lora = { spec: spec(file, 0.8), layers: readLora(spec(file, 0.8)) };
    const scale = 0.8 * 0.5; // α = r/2
    const unet = mergedModel(path.join(sd1, 'unet/model.onnx'), [lora], { cacheDir, target: 'unet' });
    expect(unet).not.toBe(path.join(sd1, 'unet/model.onnx'));
    const base = (name: string) => weightOf(path.join(sd1, 'unet/model.onnx'), name).values;
    expectMerged(
      base('blocks.0.conv1.weight'),
      weightOf(unet, 'blocks.0.conv1.weight').values,
      layerOf(layers(), 'blocks.0.conv1'),
      scale,
      false,
    );
    expectMerged(base('text_proj.weight'), weightOf(unet, 'text_proj.weight').values, layerOf(layers(), 'text_proj'), scale, true);
    // Layers it does not name are untouched.
    expect(weightOf(unet, 'blocks.1.conv1.weight').values).toEqual(base('blocks.1.conv1.weight'));

    const te = mergedModel(path.join(sd1, 'text_encoder/model.onnx'), [lora], { cacheDir, target: 'text_encoder' });
    expectMerged(
      weightOf(path.join(sd1, 'text_encoder/model.onnx'), 'encoder.layers.0.mlp.fc1.weight').values,
      weightOf(te, 'encoder.layers.0.mlp.fc1.weight').values,
      layerOf(layers(), 'text_model.encoder.layers.0.mlp.fc1', 'text_encoder'),
      scale,
      true,
    );
  });

  it('sums several LoRAs, merges external-data and float16 weights, and reuses the cached merge', () => {
    const loras = [0.5, -0.7].map((w, i) => ({
      spec: spec([kohyaFile, peftFile][i]!, w),
      layers: readLora(spec([kohyaFile, peftFile][i]!, w)),
    }));
    const file = path.join(sd1External, 'unet/model.onnx');
    const merged = mergedModel(file, loras, { cacheDir, target: 'unet' });
    const base = weightOf(file, 'blocks.0.conv1.weight').values;
    const once = base.slice();
    const dk = delta(layerOf(kohya, 'blocks.0.conv1'));
    const dp = delta(layerOf(peft, 'blocks.0.conv1'));
    for (let i = 0; i < once.length; i++) once[i] = base[i]! + 0.25 * dk[i]! - 0.35 * dp[i]!;
    const got = weightOf(merged, 'blocks.0.conv1.weight').values;
    expect(Math.max(...got.map((v, i) => Math.abs(v - once[i]!)))).toBeLessThan(1e-5);
    // Untouched external weights are the model's own file, linked beside the merged graph.
    expect(weightOf(merged, 'blocks.1.conv1.weight').values).toEqual(weightOf(file, 'blocks.1.conv1.weight').values);
    const mtime = fs.statSync(merged).mtimeMs;
    expect(mergedModel(file, loras, { cacheDir, target: 'unet' })).toBe(merged);
    expect(fs.statSync(merged).mtimeMs).toBe(mtime);

    const fp16 = mergedModel(path.join(sd1Fp16, 'unet/model.onnx'), [loras[0]!], { cacheDir, target: 'unet' });
    expectMerged(
      weightOf(path.join(sd1Fp16, 'unet/model.onnx'), 'blocks.0.conv1.weight').values,
      weightOf(fp16, 'blocks.0.conv1.weight').values,
      layerOf(kohya, 'blocks.0.conv1'),
      0.25,
      false,
      2, // float16 storage
    );
  });

  it("refuses a LoRA for another base, naming it; weight 0 leaves the model's own file", () => {
    const xl = { spec: spec(xlFile, 1), layers: readLora(spec(xlFile, 1)) };
    expect(xlLayers.some((l) => l.target === 'text_encoder_2')).toBe(true);
    expect(() => mergedModel(path.join(sd1, 'unet/model.onnx'), [xl], { cacheDir, target: 'unet' })).toThrow(
      /LoRA tiny-xl layer text_proj: .*does not fit the model's weight/,
    );
    const sd = { spec: spec(kohyaFile, 1), layers: readLora(spec(kohyaFile, 1)) };
    expect(() => mergedModel(path.join(sdxl, 'unet/model.onnx'), [sd], { cacheDir, target: 'unet' })).toThrow(/tiny-kohya/);
    const zero = { spec: spec(kohyaFile, 0), layers: sd.layers };
    expect(mergedModel(path.join(sd1, 'unet/model.onnx'), [zero], { cacheDir, target: 'unet' })).toBe(path.join(sd1, 'unet/model.onnx'));
    const junk = path.join(root, 'junk.safetensors');
    fs.writeFileSync(junk, 'not a lora');
    expect(() => readLora(spec(junk, 1))).toThrow(/LoRA junk: .*not a safetensors file/);
  });
});

describe('LoRA in generation', () => {
  const base: DiffusionInput = {
    model: sd1,
    providers: ['cpu'],
    prompt: 'a cat',
    negativePrompt: '',
    width: 64,
    height: 64,
    steps: 3,
    guidanceScale: 5,
    scheduler: 'euler',
    karras: false,
    seed: 9,
    loraCacheDir: cacheDir,
  };
  const run = async (input: Partial<DiffusionInput>) => (await diffusionTask.run({ ...base, ...input }, localContext())).output.rgb;
  const diff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

  it('changes the image with the weight; weight 0 gives the model’s own image', async () => {
    const own = await run({});
    const zero = await run({ loras: [spec(kohyaFile, 0)] });
    expect(diff(own, zero)).toBe(0);
    const half = await run({ loras: [spec(kohyaFile, 0.5)] });
    const full = await run({ loras: [spec(kohyaFile, 1.5)] });
    expect(diff(own, half)).toBeGreaterThan(0.1);
    expect(diff(own, full)).toBeGreaterThan(diff(own, half));
    expect(diff(half, await run({ loras: [spec(kohyaFile, 0.5)] }))).toBe(0);
  });

  it('runs an SDXL LoRA with layers in both text encoders; refuses it on SD 1.x', async () => {
    const rgb = await run({ model: sdxl, width: 128, height: 128, loras: [spec(xlFile, 1)] });
    const own = await run({ model: sdxl, width: 128, height: 128 });
    expect(diff(rgb, own)).toBeGreaterThan(0.1);
    await expect(run({ loras: [spec(xlFile, 1)] })).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/SDXL/) });
  });
});
