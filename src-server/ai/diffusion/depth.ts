import fs from 'node:fs';
import path from 'node:path';
import { AiError, type ExecutionProvider } from '../protocol';
import type { TaskContext } from '../worker-runtime';
import { externalDataProblems, readOnnxFile } from './onnx-file';
import { floatTensor, readFloats } from './tensors';

// Depth maps for depth ControlNets from a Depth Anything ONNX export (HF's
// DepthAnythingForDepthEstimation layout: `pixel_values` [1, 3, H, W], ImageNet-normalised RGB at
// sides that are multiples of 14 → `predicted_depth` [1, H, W], relative inverse depth). The map
// is scaled to 0–255 (near is white) as InvokeAI's depth_anything node gives it to a ControlNet.

export const DEPTH_INPUT = 'pixel_values';
export const DEPTH_OUTPUT = 'predicted_depth';
/** Depth Anything's preprocessing: the shorter side to 518, both sides multiples of its 14-pixel patches. */
const TARGET = 518;
const PATCH = 14;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** model.onnx of a depth model folder (or the file itself), checked for the export's input and output. */
export function readDepthModel(model: string): { file: string } {
  if (!fs.existsSync(model)) throw new AiError('model_load_failed', `${model} does not exist`);
  let file = model;
  if (fs.statSync(model).isDirectory()) {
    const onnx = fs.readdirSync(model).filter((f) => f.endsWith('.onnx'));
    const name = onnx.includes('model.onnx') ? 'model.onnx' : onnx.length === 1 ? onnx[0]! : null;
    if (!name)
      throw new AiError('model_load_failed', `${model} has ${onnx.length ? 'several .onnx files and no model.onnx' : 'no model.onnx'}`);
    file = path.join(model, name);
  }
  const info = readOnnxFile(file);
  const problems = externalDataProblems(info);
  if (!info.inputs.some((v) => v.name === DEPTH_INPUT)) problems.push(`${path.basename(file)} has no ${DEPTH_INPUT} input`);
  if (!info.outputs.some((v) => v.name === DEPTH_OUTPUT)) problems.push(`${path.basename(file)} has no ${DEPTH_OUTPUT} output`);
  if (problems.length)
    throw new AiError('model_load_failed', `${problems.join('; ')}: not a Depth Anything export (${DEPTH_INPUT} → ${DEPTH_OUTPUT})`);
  return { file };
}

/** The network's input size for an image: shorter side 518, aspect kept, each side rounded to a multiple of 14. */
export function depthInputSize(width: number, height: number): { width: number; height: number } {
  const scale = TARGET / Math.min(width, height);
  const side = (v: number) => Math.max(PATCH, Math.round((v * scale) / PATCH) * PATCH);
  return { width: side(width), height: side(height) };
}

/** Bilinear resampling of one float plane (pixel centres aligned, as PIL and torch's align_corners=False). */
export function resizePlane(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(sh - 1, Math.max(0, ((y + 0.5) * sh) / dh - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(sw - 1, Math.max(0, ((x + 0.5) * sw) / dw - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const wx = fx - x0;
      const top = src[y0 * sw + x0]! * (1 - wx) + src[y0 * sw + x1]! * wx;
      const bottom = src[y1 * sw + x0]! * (1 - wx) + src[y1 * sw + x1]! * wx;
      out[y * dw + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** RGB bytes → the network's input: resized, scaled to [0, 1], normalised by ImageNet's mean and std, planar. */
export function depthPixels(rgb: Uint8Array, width: number, height: number, size: { width: number; height: number }): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * size.width * size.height);
  for (let c = 0; c < 3; c++) {
    const channel = new Float32Array(plane);
    for (let p = 0; p < plane; p++) channel[p] = rgb[p * 3 + c]! / 255;
    const resized = resizePlane(channel, width, height, size.width, size.height);
    for (let p = 0; p < resized.length; p++) out[c * resized.length + p] = (resized[p]! - MEAN[c]!) / STD[c]!;
  }
  return out;
}

/** A predicted depth plane → grey RGB bytes of width × height, min to 0 and max to 255 (a flat map is black). */
export function depthToRgb(depth: Float32Array, dw: number, dh: number, width: number, height: number): Uint8Array {
  const resized = resizePlane(depth, dw, dh, width, height);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of resized) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < resized.length; p++) {
    const v = span > 0 ? Math.round(((resized[p]! - lo) / span) * 255) : 0;
    rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = v;
  }
  return rgb;
}

/** Runs the depth model on an image in the worker; the depth map comes back as grey RGB of the same size. */
export async function estimateDepth(
  ctx: TaskContext,
  model: string,
  rgb: Uint8Array,
  width: number,
  height: number,
  providers?: ExecutionProvider[],
): Promise<Uint8Array> {
  const { file } = readDepthModel(model);
  const loaded = await ctx.session({ model: file, providers });
  const input = loaded.session.inputMetadata.find((m) => m.name === DEPTH_INPUT);
  const type = input?.isTensor ? input.type : 'float32';
  const size = depthInputSize(width, height);
  const out = await ctx.run(loaded, {
    [DEPTH_INPUT]: floatTensor(ctx.ort, type, depthPixels(rgb, width, height, size), [1, 3, size.height, size.width], 'depth pixel_values'),
  });
  const tensor = out[DEPTH_OUTPUT];
  if (!tensor) throw new AiError('model_load_failed', `the depth model gave no ${DEPTH_OUTPUT}`);
  const dims = tensor.dims.map(Number);
  const dh = dims[dims.length - 2]!;
  const dw = dims[dims.length - 1]!;
  if (dims.length < 2 || dims.slice(0, -2).some((d) => d !== 1))
    throw new AiError('model_load_failed', `the depth model's ${DEPTH_OUTPUT} is [${dims.join(', ')}]; one map [1, H, W] was expected`);
  return depthToRgb(readFloats(tensor, `depth ${DEPTH_OUTPUT}`), dw, dh, width, height);
}
