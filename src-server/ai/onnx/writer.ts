import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { onnx as Onnx } from 'onnx-proto';

// A small ONNX model writer on onnx-proto's generated protobuf classes. Tensors are stored as
// little-endian raw_data (never the typed repeated fields), so int64 values never pass through
// protobufjs's Long handling and every element type is written the same way.

const require = createRequire(import.meta.url);
let loaded: typeof Onnx | null = null;
/** onnx-proto's generated classes, loaded on first use: the server's start never writes or reads a graph. */
export const onnxClasses = (): typeof Onnx => (loaded ??= (require('onnx-proto') as typeof import('onnx-proto')).onnx);

/** Element types the writer can store. float16 data is given as IEEE half bits (`Uint16Array`), see `toFloat16`. */
export type OnnxDataType =
  'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

// ONNX's TensorProto.DataType numbers, fixed by the format (onnx.proto).
const DATA_TYPE: Record<OnnxDataType, number> = {
  float32: 1,
  float16: 10,
  float64: 11,
  int8: 3,
  uint8: 2,
  int16: 5,
  uint16: 4,
  int32: 6,
  uint32: 12,
  int64: 7,
  uint64: 13,
  bool: 9,
};

const BYTES: Record<OnnxDataType, number> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

/** The ONNX enum value of an element type (`TensorProto.DataType`), e.g. for Cast's `to` attribute. */
export const onnxDataType = (type: OnnxDataType): number => DATA_TYPE[type];

/** A dimension: a fixed size, or a symbolic name such as `'batch'` that ONNX Runtime binds at run time. */
export type Dim = number | string;

/** Tensor contents: a typed array of the element type, or plain numbers/bigints converted on write. */
export type TensorValues = ArrayBufferView | readonly number[] | readonly bigint[];

export interface TensorSpec {
  type: OnnxDataType;
  dims: readonly number[];
  values: TensorValues;
}

/**
 * An attribute value. Plain JavaScript numbers cannot say whether they are ints or floats, so
 * attributes are tagged: build them with `attr.int(1)`, `attr.floats([0.5])`, `attr.tensor(...)`.
 */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'strings'; value: readonly string[] }
  | { kind: 'tensor'; value: TensorSpec };

export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  strings: (value: readonly string[]): AttrValue => ({ kind: 'strings', value }),
  tensor: (value: TensorSpec): AttrValue => ({ kind: 'tensor', value }),
};

export interface NodeOptions {
  /** Node name (made unique with a suffix); derived from the op type when absent. */
  name?: string;
  /** Operator domain; the default ONNX domain when absent. */
  domain?: string;
}

export interface InitializerOptions {
  /**
   * Whether `encode` may move this tensor to the external data file: `'auto'` (default) moves it
   * when it is at least `externalData.threshold` bytes, `true` always, `false` never.
   */
  external?: boolean | 'auto';
}

export interface EncodeOptions {
  /** Opsets by domain; `''` is the default ONNX domain. Default `{ '': 17 }`. */
  opsets?: Record<string, number>;
  /** ONNX IR version; default 8 (ONNX 1.10+, what onnx-proto describes). */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Free-form key/value pairs stored in the model (ONNX Runtime exposes them as custom metadata). */
  metadata?: Record<string, string>;
  /**
   * Store big initializers in a separate file beside the model (needed past protobuf's 2 GiB limit,
   * and lets weights be memory-mapped). `location` is the file name relative to the .onnx file.
   */
  externalData?: { location: string; threshold?: number; alignment?: number };
}

export interface EncodedModel {
  /** The ModelProto bytes (the .onnx file). */
  model: Uint8Array;
  /** The external data file's bytes, when `externalData` was asked for and some tensor went there. */
  externalData?: Uint8Array;
}

interface Initializer {
  name: string;
  type: OnnxDataType;
  dims: number[];
  bytes: Uint8Array;
  external: boolean | 'auto';
}

/** Little-endian bytes of a tensor's values (every platform Node runs on is little-endian). */
function tensorBytes(type: OnnxDataType, dims: readonly number[], values: TensorValues): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  let view: ArrayBufferView;
  if (ArrayBuffer.isView(values)) {
    view = values;
  } else {
    const list = values as readonly (number | bigint)[];
    switch (type) {
      case 'float32':
        view = Float32Array.from(list, Number);
        break;
      case 'float16':
        view = toFloat16(Float32Array.from(list, Number));
        break;
      case 'float64':
        view = Float64Array.from(list, Number);
        break;
      case 'int8':
        view = Int8Array.from(list, Number);
        break;
      case 'uint8':
      case 'bool':
        view = Uint8Array.from(list, (v) => (type === 'bool' ? (v ? 1 : 0) : Number(v)));
        break;
      case 'int16':
        view = Int16Array.from(list, Number);
        break;
      case 'uint16':
        view = Uint16Array.from(list, Number);
        break;
      case 'int32':
        view = Int32Array.from(list, Number);
        break;
      case 'uint32':
        view = Uint32Array.from(list, Number);
        break;
      case 'int64':
        view = BigInt64Array.from(list, (v) => BigInt(v));
        break;
      case 'uint64':
        view = BigUint64Array.from(list, (v) => BigInt(v));
        break;
    }
  }
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (bytes.byteLength !== count * BYTES[type]) {
    throw new Error(`A ${type} tensor of shape [${dims.join(', ')}] needs ${count * BYTES[type]} bytes, got ${bytes.byteLength}`);
  }
  return bytes;
}

function tensorProto(name: string, type: OnnxDataType, dims: readonly number[], bytes: Uint8Array): Onnx.ITensorProto {
  return { name, dataType: DATA_TYPE[type], dims: [...dims], rawData: bytes };
}

/** Converts float32 values to IEEE 754 half-precision bits, rounding to nearest even. */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      // Subnormal half (or zero): shift the implicit leading 1 into the mantissa.
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rest > halfway || (rest === halfway && half & 1)) half += 1;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half += 1; // may carry into the exponent, which is still correct
    out[i] = sign | half;
  }
  return out;
}

function valueInfo(name: string, type: OnnxDataType, dims?: readonly Dim[]): Onnx.IValueInfoProto {
  const shape = dims && { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType: DATA_TYPE[type], ...(shape ? { shape } : {}) } } };
}

function attributeProto(name: string, value: AttrValue): Onnx.IAttributeProto {
  const T = onnxClasses().AttributeProto.AttributeType;
  switch (value.kind) {
    case 'int':
      if (!Number.isSafeInteger(value.value)) throw new Error(`Attribute ${name}: ${value.value} is not a safe integer`);
      return { name, type: T.INT, i: value.value };
    case 'float':
      return { name, type: T.FLOAT, f: value.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(value.value) };
    case 'ints':
      if (!value.value.every(Number.isSafeInteger))
        throw new Error(`Attribute ${name}: [${value.value.join(', ')}] are not all safe integers`);
      return { name, type: T.INTS, ints: [...value.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...value.value] };
    case 'strings':
      return { name, type: T.STRINGS, strings: value.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': {
      const { type, dims, values } = value.value;
      return { name, type: T.TENSOR, t: tensorProto('', type, dims, tensorBytes(type, dims, values)) };
    }
  }
}

/**
 * Builds one ONNX graph: inputs, outputs, initializers and nodes in topological order (add a node
 * after the nodes producing its inputs). Names are the graph's value names; `fresh()` makes new
 * ones. `encode()` or `write()` turns it into a model.
 *
 * ```ts
 * const g = new OnnxGraph('scale');
 * const x = g.input('x', 'float32', ['batch', 4]);
 * const k = g.initializer('k', 'float32', [4], [1, 2, 3, 4]);
 * const [y] = g.node('Mul', [x, k], ['y']);
 * g.output(y!, 'float32', ['batch', 4]);
 * await g.write('scale.onnx');
 * ```
 */
export class OnnxGraph {
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(readonly name: string) {}

  /** A value name not used yet in this graph, built from `prefix`; it is taken once an input, initializer or node output uses it. */
  fresh(prefix: string): string {
    let n = this.counters.get(prefix) ?? 0;
    let candidate = n === 0 && !this.names.has(prefix) ? prefix : `${prefix}_${n}`;
    while (this.names.has(candidate)) candidate = `${prefix}_${++n}`;
    this.counters.set(prefix, n + 1);
    return candidate;
  }

  /** Node names live apart from value names; a repeated one gets a numeric suffix. */
  private nodeName(base: string): string {
    let name = base;
    for (let n = 1; this.nodeNames.has(name); n++) name = `${base}_${n}`;
    this.nodeNames.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`The name ${name} is already used in graph ${this.name}`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input; string dims are symbolic. Returns its name. */
  input(name: string, type: OnnxDataType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares an existing value as a graph output; without `dims` its shape is left to inference. */
  output(name: string, type: OnnxDataType, dims?: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a constant tensor (weights, shapes, indices). Returns its name. */
  initializer(name: string, type: OnnxDataType, dims: readonly number[], values: TensorValues, options: InitializerOptions = {}): string {
    const bytes = tensorBytes(type, dims, values);
    this.initializers.push({ name: this.claim(name), type, dims: [...dims], bytes, external: options.external ?? 'auto' });
    return name;
  }

  /** A 1-D int64 initializer with a fresh name: the form ONNX wants for shapes, axes, pads and slice bounds. */
  int64s(prefix: string, values: readonly (number | bigint)[]): string {
    return this.initializer(
      this.fresh(prefix),
      'int64',
      [values.length],
      values.map((v) => BigInt(v)),
    );
  }

  /** A scalar initializer with a fresh name. */
  scalar(prefix: string, type: OnnxDataType, value: number | bigint): string {
    return this.initializer(this.fresh(prefix), type, [], [value] as readonly number[] | readonly bigint[]);
  }

  /**
   * Adds a node. `outputs` is either the output names or how many fresh ones to make (named after
   * the node). An empty string in `inputs` skips an optional input. Returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number,
    attributes: Record<string, AttrValue> = {},
    options: NodeOptions = {},
  ): string[] {
    const name = this.nodeName(options.name ?? opType);
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.claim(this.fresh(outputs === 1 ? `${name}_out` : `${name}_out${i}`)))
        : outputs.map((o) => this.claim(o));
    this.nodes.push({
      name,
      opType,
      domain: options.domain ?? '',
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outs;
  }

  /** Shorthand for a single-output node with a fresh output name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}, options: NodeOptions = {}): string {
    return this.node(opType, inputs, 1, attributes, options)[0]!;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Serialises the graph into a ModelProto, with big initializers in a separate buffer if asked. */
  encode(options: EncodeOptions = {}): EncodedModel {
    const ext = options.externalData;
    const threshold = ext?.threshold ?? 1024;
    const alignment = ext?.alignment ?? 64;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const initializer = this.initializers.map((init): Onnx.ITensorProto => {
      const goesOut = ext && (init.external === true || (init.external === 'auto' && init.bytes.byteLength >= threshold));
      if (!goesOut) return tensorProto(init.name, init.type, init.dims, init.bytes);
      // Aligned offsets let ONNX Runtime map the weights instead of copying them.
      const pad = (alignment - (offset % alignment)) % alignment;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(init.bytes);
      const entry = {
        name: init.name,
        dataType: DATA_TYPE[init.type],
        dims: init.dims,
        dataLocation: onnxClasses().TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: ext.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(init.bytes.byteLength) },
        ],
      };
      offset += init.bytes.byteLength;
      return entry;
    });
    const graph: Onnx.IGraphProto = {
      name: this.name,
      input: this.inputs,
      output: this.outputs,
      initializer,
      node: this.nodes,
    };
    const model: Onnx.IModelProto = {
      irVersion: options.irVersion ?? 8,
      producerName: options.producerName ?? 'atelier',
      producerVersion: options.producerVersion ?? '',
      docString: options.docString ?? '',
      opsetImport: Object.entries(options.opsets ?? { '': 17 }).map(([domain, version]) => ({ domain, version })),
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph,
    };
    const { ModelProto } = onnxClasses();
    const bytes = ModelProto.encode(ModelProto.fromObject(model)).finish();
    if (!chunks.length) return { model: bytes };
    const data = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.byteLength;
    }
    return { model: bytes, externalData: data };
  }

  /**
   * Writes `file` (and the external data file beside it, when asked for), each through a temporary
   * file and a rename so a reader never sees half a model.
   */
  async write(file: string, options: EncodeOptions = {}): Promise<EncodedModel> {
    const encoded = this.encode(options);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const put = async (target: string, bytes: Uint8Array) => {
      const tmp = `${target}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, bytes);
      await fs.promises.rename(tmp, target);
    };
    if (encoded.externalData && options.externalData)
      await put(path.join(path.dirname(file), options.externalData.location), encoded.externalData);
    await put(file, encoded.model);
    return encoded;
  }
}
