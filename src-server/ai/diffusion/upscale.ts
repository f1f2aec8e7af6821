import fs from 'node:fs';
import path from 'node:path';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { AiPool, RunTiming } from '../pool';
import type { LoadedSession, TaskContext, WorkerTask } from '../worker-runtime';
import { requireTensor, sessionIo } from './session-io';
import { floatTensor, readFloats } from './tensors';

// Super-resolution with Real-ESRGAN-style ONNX models (`input` [1, 3, h, w] RGB in [0, 1] →
// `output` [1, 3, h·s, w·s]), in tiles: a network's activations grow with the area it sees, so a
// large image goes through in overlapping tiles whose seams are cross-faded, and only the output
// itself has to fit in memory.

export const UPSCALE_FACTORS = [2, 4] as const;
export type UpscaleFactor = (typeof UPSCALE_FACTORS)[number];

export interface UpscaleInput {
  /** model.onnx, or the folder holding it. */
  model: string;
  providers?: ExecutionProvider[];
  /** RGB bytes, width × height × 3. */
  rgb: Uint8Array;
  width: number;
  height: number;
  scale: UpscaleFactor;
  /** Tile side in input pixels (default 256); 0 runs the whole image at once. */
  tile?: number;
  /** How far neighbouring tiles overlap, in input pixels (default 16). */
  overlap?: number;
}

export interface UpscaleOutput {
  rgb: Uint8Array;
  width: number;
  height: number;
  scale: UpscaleFactor;
  /** The network's own factor (a ×4 model asked for ×2 runs once and is scaled down). */
  modelScale: number;
  /** Tiles run, over every pass. */
  tiles: number;
}

export interface UpscaleProgress {
  tile: number;
  tiles: number;
}

/** model.onnx itself, or the folder's model.onnx or only .onnx. */
export function upscalerFile(model: string): string {
  if (!fs.existsSync(model)) throw new AiError('model_load_failed', `${model} does not exist`);
  if (!fs.statSync(model).isDirectory()) return model;
  const standard = path.join(model, 'model.onnx');
  if (fs.existsSync(standard)) return standard;
  const onnx = fs.readdirSync(model).filter((f) => f.endsWith('.onnx'));
  if (onnx.length !== 1)
    throw new AiError(
      'model_load_failed',
      `${model} has ${onnx.length ? 'several .onnx files' : 'no .onnx file'}; an upscaler folder holds one model.onnx`,
    );
  return path.join(model, onnx[0]!);
}

/** Tile starts along one axis: every `tile − overlap`, the last one flush with the end. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (tile <= 0 || length <= tile) return [0];
  const stride = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let a = 0; a + tile < length; a += stride) starts.push(a);
  starts.push(length - tile);
  return starts;
}

/**
 * The cross-fade weight of a tile's output pixel along one axis: ramps over the overlap on sides
 * that meet another tile, 1 elsewhere (and on the image's own borders).
 */
function ramp(x: number, start: number, size: number, total: number, fade: number): number {
  let w = 1;
  if (start > 0) w = Math.min(w, (x - start + 0.5) / fade);
  if (start + size < total) w = Math.min(w, (start + size - x - 0.5) / fade);
  return Math.max(w, 1e-3);
}

class Upscaler {
  constructor(
    private readonly ctx: TaskContext,
    private readonly loaded: LoadedSession,
  ) {}

  private get io() {
    const io = sessionIo(this.loaded.session);
    return { input: requireTensor(io.inputs, ['input', 'image', 'x'], 'upscaler'), output: io.outputs[0]! };
  }

  /** One network pass over a [3, h, w] planar image; returns [3, h·s, w·s] and s. */
  async run(chw: Float32Array, width: number, height: number): Promise<{ data: Float32Array; scale: number }> {
    const { input, output } = this.io;
    const out = await this.ctx.run(this.loaded, {
      [input.name]: floatTensor(this.ctx.ort, input.type, chw, [1, 3, height, width], 'upscaler input'),
    });
    const tensor = out[output.name]!;
    const scale = Number(tensor.dims[3]) / width;
    if (!Number.isInteger(scale) || Number(tensor.dims[2]) !== height * scale || Number(tensor.dims[1]) !== 3)
      throw new AiError(
        'model_load_failed',
        `upscaler turned [1, 3, ${height}, ${width}] into [${tensor.dims.join(', ')}]; an RGB image an integer factor larger was expected`,
      );
    return { data: readFloats(tensor, 'upscaler output'), scale };
  }

  /** The whole image through the network tile by tile, seams cross-faded over the overlap. */
  async tiled(
    chw: Float32Array,
    width: number,
    height: number,
    scale: number,
    tile: number,
    overlap: number,
    onTile: () => void,
  ): Promise<Float32Array> {
    const ow = width * scale;
    const oh = height * scale;
    const sum = new Float32Array(3 * ow * oh);
    const weight = new Float32Array(ow * oh);
    const xs = tileStarts(width, tile, overlap);
    const ys = tileStarts(height, tile, overlap);
    const fade = Math.max(1, overlap * scale);
    for (const y0 of ys) {
      for (const x0 of xs) {
        this.ctx.throwIfCancelled();
        const tw = Math.min(width, tile > 0 ? tile : width);
        const th = Math.min(height, tile > 0 ? tile : height);
        const crop = new Float32Array(3 * tw * th);
        for (let c = 0; c < 3; c++)
          for (let y = 0; y < th; y++)
            crop.set(
              chw.subarray(c * width * height + (y0 + y) * width + x0, c * width * height + (y0 + y) * width + x0 + tw),
              (c * th + y) * tw,
            );
        const { data, scale: got } = await this.run(crop, tw, th);
        if (got !== scale) throw new AiError('task_failed', `upscaler changed its factor between tiles (${scale}, then ${got})`);
        const stw = tw * scale;
        const sth = th * scale;
        for (let y = 0; y < sth; y++) {
          const oy = y0 * scale + y;
          const wy = ramp(oy, y0 * scale, sth, oh, fade);
          for (let x = 0; x < stw; x++) {
            const ox = x0 * scale + x;
            const w = wy * ramp(ox, x0 * scale, stw, ow, fade);
            const o = oy * ow + ox;
            weight[o] = weight[o]! + w;
            for (let c = 0; c < 3; c++) sum[c * ow * oh + o] = sum[c * ow * oh + o]! + w * data[(c * sth + y) * stw + x]!;
          }
        }
        onTile();
      }
    }
    for (let o = 0; o < ow * oh; o++) for (let c = 0; c < 3; c++) sum[c * ow * oh + o] = sum[c * ow * oh + o]! / weight[o]!;
    return sum;
  }
}

/** Box-averages a [3, h, w] image down by an integer factor. */
function shrink(chw: Float32Array, width: number, height: number, factor: number): Float32Array {
  const w = width / factor;
  const h = height / factor;
  const out = new Float32Array(3 * w * h);
  const area = factor * factor;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++)
          for (let dx = 0; dx < factor; dx++) s += chw[c * width * height + (y * factor + dy) * width + x * factor + dx]!;
        out[c * w * h + y * w + x] = s / area;
      }
    }
  }
  return out;
}

const modelScales = new Map<string, number>();

function checkUpscaleInput(input: UpscaleInput): void {
  const { width, height } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new AiError('bad_input', `width and height must be positive integers, got ${width}×${height}`);
  if (input.rgb.length !== width * height * 3)
    throw new AiError('bad_input', `An RGB image of ${width}×${height} has ${width * height * 3} bytes, got ${input.rgb.length}`);
  if (!UPSCALE_FACTORS.includes(input.scale)) throw new AiError('bad_input', `scale must be 2 or 4, got ${input.scale}`);
  const tile = input.tile ?? 256;
  const overlap = input.overlap ?? 16;
  if (!Number.isInteger(tile) || (tile !== 0 && tile < 16))
    throw new AiError('bad_input', `tile must be 0 (no tiling) or an integer of at least 16, got ${tile}`);
  if (!Number.isInteger(overlap) || overlap < 0 || (tile && overlap * 2 >= tile))
    throw new AiError('bad_input', `overlap must be an integer from 0 to under half the tile, got ${overlap}`);
}

export const upscaleTask: WorkerTask<UpscaleInput, UpscaleOutput> = {
  name: 'upscale',
  async run(input, ctx) {
    checkUpscaleInput(input);
    const file = upscalerFile(input.model);
    const upscaler = new Upscaler(ctx, await ctx.session({ model: file, providers: input.providers }));
    let modelScale = modelScales.get(file);
    if (modelScale === undefined) {
      // Exports leave the output size symbolic; an 8×8 probe says the factor for certain.
      modelScale = (await upscaler.run(new Float32Array(3 * 64), 8, 8)).scale;
      modelScales.set(file, modelScale);
    }
    // Passes of the network until it reaches the factor asked for, then a box filter down to it.
    let passes = 1;
    while (modelScale ** passes < input.scale) passes++;
    const total = modelScale ** passes;
    if (modelScale < 2 || total % input.scale)
      throw new AiError('model_load_failed', `a ×${modelScale} upscaler cannot give ×${input.scale}`);

    const tile = input.tile ?? 256;
    const overlap = input.overlap ?? 16;
    const { width, height } = input;
    const plane = width * height;
    let chw: Float32Array = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) chw[c * plane + p] = input.rgb[p * 3 + c]! / 255;
    let w = width;
    let h = height;
    const tilesPerPass = (pw: number, ph: number) => tileStarts(pw, tile, overlap).length * tileStarts(ph, tile, overlap).length;
    let tiles = 0;
    let tileTotal = 0;
    for (let p = 0, pw = w, ph = h; p < passes; p++, pw *= modelScale, ph *= modelScale) tileTotal += tilesPerPass(pw, ph);
    for (let p = 0; p < passes; p++) {
      chw = await upscaler.tiled(chw, w, h, modelScale, tile, overlap, () =>
        ctx.progress({ tile: ++tiles, tiles: tileTotal } satisfies UpscaleProgress),
      );
      w *= modelScale;
      h *= modelScale;
    }
    if (total !== input.scale) {
      chw = shrink(chw, w, h, total / input.scale);
      w = width * input.scale;
      h = height * input.scale;
    }
    const rgb = new Uint8Array(w * h * 3);
    const outPlane = w * h;
    for (let q = 0; q < outPlane; q++)
      for (let c = 0; c < 3; c++) rgb[q * 3 + c] = Math.round(Math.min(1, Math.max(0, chw[c * outPlane + q]!)) * 255);
    return { output: { rgb, width: w, height: h, scale: input.scale, modelScale, tiles }, transfer: [rgb.buffer as ArrayBuffer] };
  },
};

export interface UpscaleImageOptions extends Omit<UpscaleInput, 'providers'> {
  providers?: ExecutionProvider[];
  signal?: AbortSignal;
  onProgress?: (progress: UpscaleProgress) => void;
}

export interface UpscaleImageResult extends UpscaleOutput {
  provider: ExecutionProvider;
  timing: RunTiming;
}

/** Upscales an image in the pool's heavy slot; `rgb` is moved to the worker (detached here). */
export async function upscaleImage(pool: AiPool, options: UpscaleImageOptions): Promise<UpscaleImageResult> {
  const { signal, onProgress, ...rest } = options;
  const input: UpscaleInput = { ...rest };
  checkUpscaleInput(input);
  const sent = movable(input.rgb);
  input.rgb = sent.array;
  const result = await pool.run<UpscaleOutput>('upscale', input, {
    capability: 'image',
    heavy: true,
    signal,
    transfer: sent.transfer,
    onProgress: onProgress as ((value: unknown) => void) | undefined,
  });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred, timing: result.timing };
}
