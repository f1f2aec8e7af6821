import type * as Ort from 'onnxruntime-node';
import { AiError } from '../protocol';
import { toFloat16 } from '../onnx/writer';

// Conversions between the pipeline's float32 arrays and what SD's ONNX components take and give:
// float16 or float32 tensors, int32 or int64 ids and timesteps, images as bytes.

/** IEEE 754 half-precision bits to float32 values. */
export function fromFloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    out[i] =
      exp === 0
        ? sign * mant * 2 ** -24
        : exp === 0x1f
          ? mant
            ? Number.NaN
            : sign * Infinity
          : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** A float tensor of the element type a model input wants. */
export function floatTensor(ort: typeof Ort, type: string, data: Float32Array, dims: readonly number[], what: string): Ort.Tensor {
  if (type === 'float32') return new ort.Tensor('float32', data, dims);
  if (type === 'float16') return new ort.Tensor('float16', toFloat16(data), dims);
  throw new AiError('model_load_failed', `${what} is ${type}; a float16 or float32 input was expected`);
}

/** An integer (or, for timesteps, float) tensor of the type a model input wants; integer types truncate as numpy's cast does. */
export function numberTensor(ort: typeof Ort, type: string, values: readonly number[], dims: readonly number[], what: string): Ort.Tensor {
  switch (type) {
    case 'int64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))),
        dims,
      );
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values, Math.trunc), dims);
    case 'float32':
    case 'float16':
      return floatTensor(ort, type, Float32Array.from(values), dims, what);
    default:
      throw new AiError('model_load_failed', `${what} is ${type}; an integer or float input was expected`);
  }
}

/** A float tensor's values as float32. */
export function readFloats(tensor: Ort.Tensor, what: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return fromFloat16(tensor.data as Uint16Array);
  throw new AiError('task_failed', `${what} is a ${tensor.type} tensor; float16 or float32 was expected`);
}

/** RGB bytes (row-major, 3 per pixel) to a [3, h, w] array in [−1, 1], the VAE's input range. */
export function imageToChw(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  if (rgb.length !== plane * 3)
    throw new AiError('bad_input', `An RGB image of ${width}×${height} has ${plane * 3} bytes, got ${rgb.length}`);
  const out = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = (rgb[p * 3 + c]! / 255) * 2 - 1;
  return out;
}

/** A [3, h, w] array in [−1, 1] (the VAE's output) to RGB bytes, clamped and rounded as diffusers' image processor does. */
export function chwToImage(chw: Float32Array, width: number, height: number): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(plane * 3);
  // Plain comparisons rather than Math calls: this runs over every pixel of every image.
  for (let c = 0; c < 3; c++) {
    for (let p = 0, at = c; p < plane; p++, at += 3) {
      const v = (chw[c * plane + p]! / 2 + 0.5) * 255;
      // NaN (an fp16 VAE overflowing) fails both tests and becomes black rather than garbage.
      out[at] = v > 0 ? (v < 255 ? Math.floor(v + 0.5) : 255) : 0;
    }
  }
  return out;
}
