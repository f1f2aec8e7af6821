import fs from 'node:fs';
import path from 'node:path';

// What a model folder check needs from an .onnx file, read without loading it: its graph inputs
// and outputs, the element types of its weights, and the external data files it points to. A UNet
// is up to 5 GB, so the protobuf is walked field by field and weights are skipped by length,
// never read; only headers and the small messages around them are.

/** ONNX TensorProto.DataType values and the names onnxruntime uses for them. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export const elementTypeName = (code: number): string => ELEMENT_TYPES[code] ?? `type ${code}`;

/** A graph input or output: symbolic dimensions are names, unknown ones null. */
export interface GraphValue {
  name: string;
  type: string;
  dims: (number | string | null)[];
}

export interface ExternalDataRef {
  /** The file as the model names it, relative to the model's folder. */
  location: string;
  /** The furthest byte any tensor reads from it (offset + length), when the model says. */
  end: number | null;
}

export interface OnnxFileInfo {
  file: string;
  irVersion: number;
  inputs: GraphValue[];
  outputs: GraphValue[];
  /** Initializer count per element type, e.g. { float16: 680, int64: 12 }. */
  weightTypes: Record<string, number>;
  externalData: ExternalDataRef[];
}

export class OnnxFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxFileError';
  }
}

const WINDOW = 16 * 1024;
const LFS_POINTER = 'version https://git-lfs';

/** Positioned reads through a small window, for walking a file by protobuf headers. */
class Reader {
  private buf = Buffer.alloc(0);
  private at = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  byte(pos: number): number {
    if (pos >= this.size) throw new OnnxFileError('ends in the middle of a message (truncated?)');
    if (pos < this.at || pos >= this.at + this.buf.length) {
      this.buf = Buffer.alloc(Math.min(WINDOW, this.size - pos));
      fs.readSync(this.fd, this.buf, 0, this.buf.length, pos);
      this.at = pos;
    }
    return this.buf[pos - this.at]!;
  }

  bytes(pos: number, length: number): Buffer {
    if (pos + length > this.size) throw new OnnxFileError('ends in the middle of a message (truncated?)');
    const out = Buffer.alloc(length);
    fs.readSync(this.fd, out, 0, length, pos);
    return out;
  }

  /** A varint at `pos`: its value (exact below 2^53) and the position after it. */
  varint(pos: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos + i);
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return [value, pos + i + 1];
    }
    throw new OnnxFileError(`has a malformed varint at byte ${pos}`);
  }
}

interface Field {
  field: number;
  wire: number;
  /** Varint value, or the length of a length-delimited field. */
  value: number;
  /** Where a length-delimited field's bytes start. */
  start: number;
  next: number;
}

/** The fields of the message in [start, end), one at a time. */
function* fields(r: Reader, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = r.varint(pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    switch (wire) {
      case 0: {
        const [value, next] = r.varint(afterTag);
        yield { field, wire, value, start: afterTag, next };
        pos = next;
        break;
      }
      case 1:
        pos = afterTag + 8;
        break;
      case 2: {
        const [length, dataStart] = r.varint(afterTag);
        const next = dataStart + length;
        if (next > end) throw new OnnxFileError(`has a field ${field} running past its message at byte ${afterTag}`);
        yield { field, wire, value: length, start: dataStart, next };
        pos = next;
        break;
      }
      case 5:
        pos = afterTag + 4;
        break;
      default:
        throw new OnnxFileError(`has wire type ${wire} at byte ${pos}: not a protobuf (ONNX) file`);
    }
  }
  if (pos !== end) throw new OnnxFileError('has a message that overruns its length (truncated?)');
}

const text = (r: Reader, f: Field) => r.bytes(f.start, f.value).toString('utf8');

/** ValueInfoProto → name, element type and dims (TypeProto.tensor_type.shape.dim). */
function graphValue(r: Reader, f: Field): GraphValue {
  const value: GraphValue = { name: '', type: 'unknown', dims: [] };
  for (const v of fields(r, f.start, f.next)) {
    if (v.field === 1 && v.wire === 2) value.name = text(r, v);
    if (v.field !== 2 || v.wire !== 2) continue;
    for (const t of fields(r, v.start, v.next)) {
      if (t.field !== 1 || t.wire !== 2) continue; // tensor_type
      for (const tt of fields(r, t.start, t.next)) {
        if (tt.field === 1 && tt.wire === 0) value.type = elementTypeName(tt.value);
        if (tt.field !== 2 || tt.wire !== 2) continue;
        for (const d of fields(r, tt.start, tt.next)) {
          if (d.field !== 1 || d.wire !== 2) continue;
          let dim: number | string | null = null;
          for (const x of fields(r, d.start, d.next)) {
            if (x.field === 1 && x.wire === 0) dim = x.value;
            if (x.field === 2 && x.wire === 2) dim = text(r, x);
          }
          value.dims.push(dim);
        }
      }
    }
  }
  return value;
}

/** TensorProto → element type and, for external tensors, where their bytes are; raw_data is skipped. */
function initializer(r: Reader, f: Field): { name: string; type: string; external: ExternalDataRef | null } {
  let name = '';
  let type = 'unknown';
  let location: string | null = null;
  let offset = 0;
  let length: number | null = null;
  let external = false;
  for (const t of fields(r, f.start, f.next)) {
    if (t.field === 2 && t.wire === 0) type = elementTypeName(t.value);
    if (t.field === 8 && t.wire === 2) name = text(r, t);
    if (t.field === 14 && t.wire === 0) external = t.value === 1;
    if (t.field === 13 && t.wire === 2) {
      let key = '';
      let value = '';
      for (const e of fields(r, t.start, t.next)) {
        if (e.field === 1 && e.wire === 2) key = text(r, e);
        if (e.field === 2 && e.wire === 2) value = text(r, e);
      }
      if (key === 'location') location = value;
      if (key === 'offset') offset = Number(value);
      if (key === 'length') length = Number(value);
    }
  }
  if (!external) return { name, type, external: null };
  if (!location) throw new OnnxFileError(`has an external tensor ${name} without a location`);
  return { name, type, external: { location, end: length === null ? null : offset + length } };
}

/**
 * Reads an .onnx file's graph inputs, outputs, weight types and external data references. Throws
 * OnnxFileError (saying what is wrong, without the path) when it is not a readable ONNX model.
 */
export function readOnnxFile(file: string): OnnxFileInfo {
  const fd = fs.openSync(file, 'r');
  try {
    const r = new Reader(fd, fs.fstatSync(fd).size);
    if (r.size === 0) throw new OnnxFileError('is empty');
    // A clone without git-lfs leaves small text pointers where the weights should be.
    if (r.bytes(0, Math.min(r.size, LFS_POINTER.length)).toString('latin1') === LFS_POINTER) {
      throw new OnnxFileError('is a Git LFS pointer, not the model: fetch the file itself (git lfs pull, or download it)');
    }
    const info: OnnxFileInfo = { file, irVersion: 0, inputs: [], outputs: [], weightTypes: {}, externalData: [] };
    const externals = new Map<string, ExternalDataRef>();
    let graph: Field | null = null;
    for (const f of fields(r, 0, r.size)) {
      if (f.field === 1 && f.wire === 0) info.irVersion = f.value;
      if (f.field === 7 && f.wire === 2) graph = f;
    }
    if (!graph || info.irVersion === 0) throw new OnnxFileError('has no graph or IR version: not an ONNX model');
    const initializerNames = new Set<string>();
    const declared: GraphValue[] = [];
    for (const f of fields(r, graph.start, graph.next)) {
      if (f.wire !== 2) continue;
      if (f.field === 5) {
        const { name, type, external } = initializer(r, f);
        initializerNames.add(name);
        info.weightTypes[type] = (info.weightTypes[type] ?? 0) + 1;
        if (external) {
          const known = externals.get(external.location);
          if (!known) externals.set(external.location, external);
          else if (external.end !== null) known.end = Math.max(known.end ?? 0, external.end);
        }
      }
      if (f.field === 11) declared.push(graphValue(r, f));
      if (f.field === 12) info.outputs.push(graphValue(r, f));
    }
    // Models from IR 3 may list initializers among the inputs too; those are not inputs to feed.
    info.inputs = declared.filter((v) => !initializerNames.has(v.name));
    info.externalData = [...externals.values()];
    return info;
  } finally {
    fs.closeSync(fd);
  }
}

/** Problems with the external data files a model needs (relative to the model's folder): missing or too short. */
export function externalDataProblems(info: OnnxFileInfo): string[] {
  const dir = path.dirname(info.file);
  const problems: string[] = [];
  for (const ref of info.externalData) {
    const file = path.resolve(dir, ref.location);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      problems.push(`needs its external data file ${ref.location}, which is missing`);
      continue;
    }
    if (ref.end !== null && size < ref.end)
      problems.push(`reads ${ref.end} bytes from ${ref.location}, which has only ${size} (truncated?)`);
  }
  return problems;
}
