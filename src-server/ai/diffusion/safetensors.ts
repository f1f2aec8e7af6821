import fs from 'node:fs';
import { fromFloat16 } from './tensors';
import { toFloat16 } from '../onnx/writer';

// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw little-endian data.

export interface SafeTensor {
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  /** The values as float32. */
  values: Float32Array;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Every floating-point tensor of a .safetensors file, and its `__metadata__`. */
export function readSafetensors(file: string): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  const bytes = fs.readFileSync(file);
  const name = file.split(/[\\/]/).pop();
  if (bytes.length < 8) throw new SafetensorsError(`${name} is not a safetensors file (too short)`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8 || headerLength > 100 * 1024 * 1024)
    throw new SafetensorsError(`${name} is not a safetensors file (its header length is ${headerLength})`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new SafetensorsError(`${name} is not a safetensors file (its header is not JSON)`);
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const count = shape.reduce((a, b) => a * b, 1);
    const width = dtype === 'F32' ? 4 : dtype === 'F16' || dtype === 'BF16' ? 2 : 0;
    if (!width) throw new SafetensorsError(`${name}: tensor ${key} is ${dtype}; only F32, F16 and BF16 are read`);
    const [begin, end] = offsets;
    if (!(begin >= 0 && end <= data.length && end - begin === count * width))
      throw new SafetensorsError(`${name}: tensor ${key} lies outside the file or has the wrong size`);
    const raw = Buffer.from(data.subarray(begin, end)); // aligned copy
    let values: Float32Array;
    if (dtype === 'F32') values = new Float32Array(raw.buffer, raw.byteOffset, count).slice();
    else if (dtype === 'F16') values = fromFloat16(new Uint16Array(raw.buffer, raw.byteOffset, count));
    else {
      // bfloat16 is the top half of a float32.
      const words = new Uint32Array(count);
      const halves = new Uint16Array(raw.buffer, raw.byteOffset, count);
      for (let i = 0; i < count; i++) words[i] = halves[i]! << 16;
      values = new Float32Array(words.buffer);
    }
    tensors.set(key, { dtype: dtype as SafeTensor['dtype'], shape, values });
  }
  return { tensors, metadata };
}

/** Writes tensors (float32 values, stored as F32 or F16) as a .safetensors file. */
export function writeSafetensors(
  file: string,
  tensors: Record<string, { shape: number[]; values: Float32Array; dtype?: 'F32' | 'F16' }>,
  metadata: Record<string, string> = {},
): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [key, t] of Object.entries(tensors)) {
    const dtype = t.dtype ?? 'F32';
    const raw =
      dtype === 'F32' ? Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength) : Buffer.from(toFloat16(t.values).buffer);
    header[key] = { dtype, shape: t.shape, data_offsets: [offset, offset + raw.length] };
    chunks.push(raw);
    offset += raw.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // The data starts 8-byte aligned, as the reference writer pads it.
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([length, json, ...chunks]));
}
