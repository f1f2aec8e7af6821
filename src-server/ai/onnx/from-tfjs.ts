import fs from 'node:fs';
import path from 'node:path';
import { attr, OnnxGraph, type AttrValue, type Dim } from './writer';

// Converts a TensorFlow.js graph model (model.json + weight shards, as written by
// tensorflowjs_converter) into an ONNX graph. TensorFlow keeps images channels-last (NHWC) and
// ONNX's Conv wants channels-first (NCHW): every tensor stays in TensorFlow's layout and each
// convolution is wrapped in a pair of Transposes, which ONNX Runtime's layout optimizer cancels
// between adjacent convolutions. Filters are transposed once here, at conversion time.
//
// TensorFlow graphs compute shapes and indices in int32, ONNX in int64: every int32 tensor of the
// source becomes int64 here (Shape already answers int64), so shape arithmetic stays consistent.
// Graph inputs and outputs keep their float types.

/** One node of a tfjs graph model (a TensorFlow NodeDef in JSON form). */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface TfAttr {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  shape?: { dim?: { size: string }[]; unknownRank?: boolean };
  list?: { i?: string[]; f?: number[]; s?: string[]; type?: string[] };
  tensor?: unknown;
}

export interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface TfSignatureTensor {
  name: string;
  dtype?: string;
  tensorShape?: { dim?: { size: string }[] };
}

export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: TfWeightSpec[] }[];
  signature?: { inputs?: Record<string, TfSignatureTensor>; outputs?: Record<string, TfSignatureTensor> };
}

export type TfConstValues = Float32Array | Int32Array | Uint8Array;

export interface TfConst {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  values: TfConstValues;
}

export interface TfjsModel {
  json: TfjsModelJson;
  /** Decoded weights (the graph's Const nodes) by name. */
  weights: Map<string, TfConst>;
  /** model.json and the shard files, in manifest order: what a source hash should cover. */
  files: string[];
}

const DTYPES: Record<string, TfConst['dtype']> = { float32: 'float32', int32: 'int32', bool: 'bool' };

/** Splits the concatenated weight shards into named tensors, following the manifest's order. */
export function decodeWeights(manifest: TfjsModelJson['weightsManifest'], groupBuffers: Uint8Array[]): Map<string, TfConst> {
  const weights = new Map<string, TfConst>();
  manifest.forEach((group, g) => {
    const buffer = groupBuffers[g];
    if (!buffer) throw new Error(`Weight group ${g} has no data`);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization) throw new Error(`Weight ${spec.name} is quantized; only float32, int32 and bool weights are supported`);
      const dtype = DTYPES[spec.dtype];
      if (!dtype) throw new Error(`Weight ${spec.name} has dtype ${spec.dtype}; only float32, int32 and bool are supported`);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const bytes = count * (dtype === 'bool' ? 1 : 4);
      if (offset + bytes > buffer.byteLength) throw new Error(`Weight ${spec.name} runs past the end of its shards`);
      // Copied into fresh arrays: shard offsets need not be aligned for the typed-array views.
      const raw = buffer.slice(offset, offset + bytes);
      const values = dtype === 'float32' ? new Float32Array(raw.buffer) : dtype === 'int32' ? new Int32Array(raw.buffer) : raw;
      weights.set(spec.name, { dtype, shape: spec.shape, values });
      offset += bytes;
    }
    if (offset !== buffer.byteLength)
      throw new Error(`Weight group ${g} has ${buffer.byteLength - offset} bytes more than its manifest describes`);
  });
  return weights;
}

/** Reads model.json and its shards from a folder. */
export function readTfjsModel(modelJsonPath: string): TfjsModel {
  const dir = path.dirname(modelJsonPath);
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')) as TfjsModelJson;
  if (!json.modelTopology?.node) throw new Error(`${modelJsonPath} is not a tfjs graph model (format ${json.format ?? 'unknown'})`);
  const files = [modelJsonPath];
  const buffers = json.weightsManifest.map((group) => {
    const parts = group.paths.map((p) => {
      const file = path.join(dir, p);
      files.push(file);
      return fs.readFileSync(file);
    });
    return new Uint8Array(Buffer.concat(parts));
  });
  return { json, weights: decodeWeights(json.weightsManifest, buffers), files };
}

export interface ConvertOptions {
  /** The ONNX graph's name; default `'tfjs_graph'`. */
  graphName?: string;
  /** ONNX names for the graph inputs, by Placeholder name; the Placeholder name when absent. */
  inputNames?: Record<string, string>;
  /** The graph outputs, by TensorFlow node name, with their ONNX names; the signature's outputs when absent. */
  outputs?: { node: string; name: string }[];
  /** Name of the symbolic dimension for a leading -1 (the batch); default `'batch'`. */
  batchDim?: string;
}

export interface ConvertResult {
  graph: OnnxGraph;
  /** How many source nodes of each op were converted (Const included). */
  ops: Record<string, number>;
}

/** A TensorFlow tensor as seen in ONNX: its value name, once emitted, and its constant value when known. */
interface Value {
  name?: string;
  dtype: 'float32' | 'int64' | 'bool';
  constant?: TfConst;
}

const decodeString = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');
const attrInt = (a: TfAttr | undefined, fallback = 0) => (a?.i !== undefined ? Number(a.i) : fallback);
const attrInts = (a: TfAttr | undefined) => (a?.list?.i ?? []).map(Number);
const attrStrings = (a: TfAttr | undefined) => (a?.list?.s ?? []).map(decodeString);

/** Parses "node", "node:1"; control inputs ("^node") are dropped by the caller. */
function parseRef(ref: string): { node: string; index: number } {
  const at = ref.lastIndexOf(':');
  if (at > 0 && /^\d+$/.test(ref.slice(at + 1))) return { node: ref.slice(0, at), index: Number(ref.slice(at + 1)) };
  return { node: ref, index: 0 };
}

/** Transposes a TensorFlow HWIO filter into ONNX's OIHW. */
function hwioToOihw(values: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < h!; y++)
    for (let x = 0; x < w!; x++)
      for (let c = 0; c < i!; c++)
        for (let k = 0; k < o!; k++) out[((k * i! + c) * h! + y) * w! + x] = values[((y * w! + x) * i! + c) * o! + k]!;
  return out;
}

/** The nodes with every node after the nodes it reads (model.json does not promise that order). */
function topologicalOrder(nodes: TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const ordered: TfNode[] = [];
  for (const root of nodes) {
    // Iterative depth-first search: deep graphs would overflow the call stack.
    const stack: { node: TfNode; next: number }[] = [{ node: root, next: 0 }];
    while (stack.length) {
      const top = stack.at(-1)!;
      if (top.next === 0) {
        if (state.get(top.node.name) === 'done') {
          stack.pop();
          continue;
        }
        state.set(top.node.name, 'visiting');
      }
      const inputs = top.node.input ?? [];
      if (top.next < inputs.length) {
        const dep = byName.get(parseRef(inputs[top.next++]!.replace(/^\^/, '')).node);
        if (!dep || state.get(dep.name) === 'done') continue;
        if (state.get(dep.name) === 'visiting') throw new Error(`The graph has a cycle through ${dep.name}`);
        stack.push({ node: dep, next: 0 });
        continue;
      }
      state.set(top.node.name, 'done');
      ordered.push(top.node);
      stack.pop();
    }
  }
  return ordered;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Converts a tfjs graph model to an ONNX graph. Throws on the first op it cannot map, naming it,
 * so an unsupported model fails at conversion rather than producing a wrong graph.
 */
export function convertTfjsGraph(model: TfjsModel, options: ConvertOptions = {}): ConvertResult {
  const { json, weights } = model;
  const g = new OnnxGraph(options.graphName ?? 'tfjs_graph');
  const batchDim = options.batchDim ?? 'batch';
  const values = new Map<string, Value[]>();
  const ops: Record<string, number> = {};
  const nodes = topologicalOrder(json.modelTopology.node);

  const value = (ref: string): Value => {
    const { node, index } = parseRef(ref);
    const v = values.get(node)?.[index];
    if (!v) throw new Error(`Input ${ref} is not produced by any converted node`);
    return v;
  };

  /** The ONNX name of a value, emitting its initializer on first use when it is a constant. */
  const use = (v: Value, hint: string): string => {
    if (v.name) return v.name;
    const c = v.constant!;
    const name = g.fresh(hint);
    if (c.dtype === 'float32') g.initializer(name, 'float32', c.shape, c.values);
    else if (c.dtype === 'int32')
      g.initializer(
        name,
        'int64',
        c.shape,
        Array.from(c.values, (x) => BigInt(x)),
      );
    else g.initializer(name, 'bool', c.shape, c.values);
    v.name = name;
    return name;
  };

  const constOf = (ref: string, what: string): TfConst => {
    const c = value(ref).constant;
    if (!c) throw new Error(`${what} (${ref}) must be a constant`);
    return c;
  };
  const constInts = (ref: string, what: string): number[] => {
    const c = constOf(ref, what);
    if (c.dtype !== 'int32') throw new Error(`${what} (${ref}) must be int32`);
    return Array.from(c.values);
  };

  for (const node of nodes) {
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const a = node.attr ?? {};
    const x = (i: number) => use(value(inputs[i]!), `${node.name}/in${i}`);
    const dtypeOf = (i: number) => value(inputs[i]!).dtype;
    const out = (name: string, dtype: Value['dtype'] = 'float32') => values.set(node.name, [{ name, dtype }]);
    const unary = (op: string, attrs: Record<string, AttrValue> = {}) => out(g.op(op, [x(0)], attrs, { name: node.name }), dtypeOf(0));
    const binary = (op: string) => out(g.op(op, [x(0), x(1)], {}, { name: node.name }), dtypeOf(0));

    switch (node.op) {
      case 'Const': {
        const c = weights.get(node.name);
        if (!c) throw new Error(`Const ${node.name} has no weight in the manifest`);
        values.set(node.name, [{ dtype: c.dtype === 'int32' ? 'int64' : c.dtype, constant: c }]);
        break;
      }
      case 'Placeholder': {
        const dims: Dim[] = (a.shape?.shape?.dim ?? []).map((d, i) => {
          const size = Number(d.size);
          return size >= 0 ? size : i === 0 ? batchDim : `${node.name}_dim${i}`;
        });
        const type = a.dtype?.type;
        if (type !== 'DT_FLOAT') throw new Error(`Placeholder ${node.name} is ${type}; only float32 inputs are supported`);
        out(g.input(options.inputNames?.[node.name] ?? node.name, 'float32', dims));
        break;
      }
      case 'Identity':
        unary('Identity');
        break;
      case 'Neg':
      case 'Sqrt':
      case 'Log':
      case 'Exp':
      case 'Abs':
      case 'Sigmoid':
      case 'Tanh':
      case 'Relu':
      case 'Reciprocal':
        unary(node.op);
        break;
      case 'Square': {
        const v = x(0);
        out(g.op('Mul', [v, v], {}, { name: node.name }));
        break;
      }
      case 'Rsqrt':
        out(g.op('Reciprocal', [g.op('Sqrt', [x(0)])], {}, { name: node.name }));
        break;
      case 'Relu6':
        out(g.op('Clip', [x(0), g.scalar('zero', 'float32', 0), g.scalar('six', 'float32', 6)], {}, { name: node.name }));
        break;
      case 'Add':
      case 'AddV2':
      case 'BiasAdd':
        if (node.op === 'BiasAdd' && decodeString(a.data_format?.s) === 'NCHW')
          throw new Error(`BiasAdd ${node.name}: NCHW is not supported`);
        binary('Add');
        break;
      case 'Sub':
        binary('Sub');
        break;
      case 'Mul':
        binary('Mul');
        break;
      case 'RealDiv':
      case 'Div':
        binary('Div');
        break;
      case 'Maximum':
        binary('Max');
        break;
      case 'Minimum':
        binary('Min');
        break;
      case 'Pow':
        binary('Pow');
        break;
      case 'DivNoNan': {
        // x / y, but 0 where y is 0 (TensorFlow's semantics; ONNX has no such op).
        const [num, den] = [x(0), x(1)];
        const isZero = g.op('Equal', [den, g.scalar('zero', 'float32', 0)]);
        const quotient = g.op('Div', [num, den]);
        out(g.op('Where', [isZero, g.scalar('zero', 'float32', 0), quotient], {}, { name: node.name }));
        break;
      }
      case 'Sum':
      case 'Mean':
      case 'Max':
      case 'Min':
      case 'Prod': {
        const axes = constInts(inputs[1]!, `${node.op} ${node.name} axes`);
        const keepdims = attr.int(a.keep_dims?.b ? 1 : 0);
        const onnxOp = { Sum: 'ReduceSum', Mean: 'ReduceMean', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' }[node.op]!;
        // Opset 17: only ReduceSum takes its axes as an input; the others still take an attribute.
        out(
          onnxOp === 'ReduceSum'
            ? g.op(onnxOp, [x(0), g.int64s('axes', axes)], { keepdims }, { name: node.name })
            : g.op(onnxOp, [x(0)], { axes: attr.ints(axes), keepdims }, { name: node.name }),
          dtypeOf(0),
        );
        break;
      }
      case 'Shape':
        out(g.op('Shape', [x(0)], {}, { name: node.name }), 'int64');
        break;
      case 'Reshape':
        out(g.op('Reshape', [x(0), x(1)], {}, { name: node.name }), dtypeOf(0));
        break;
      case 'Transpose':
        unary('Transpose', { perm: attr.ints(constInts(inputs[1]!, `Transpose ${node.name} perm`)) });
        break;
      case 'ExpandDims': {
        const axes = constInts(inputs[1]!, `ExpandDims ${node.name} dim`);
        out(g.op('Unsqueeze', [x(0), g.int64s('axes', axes)], {}, { name: node.name }), dtypeOf(0));
        break;
      }
      case 'Squeeze': {
        const dims = attrInts(a.squeeze_dims ?? a.axis);
        out(g.op('Squeeze', dims.length ? [x(0), g.int64s('axes', dims)] : [x(0)], {}, { name: node.name }), dtypeOf(0));
        break;
      }
      case 'Pack': {
        const axis = attrInt(a.axis);
        const parts = inputs.map((_, i) => g.op('Unsqueeze', [x(i), g.int64s('axes', [axis])]));
        out(parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: attr.int(axis) }, { name: node.name }), dtypeOf(0));
        break;
      }
      case 'ConcatV2': {
        const axis = constInts(inputs.at(-1)!, `ConcatV2 ${node.name} axis`)[0]!;
        const parts = inputs.slice(0, -1).map((_, i) => x(i));
        out(g.op('Concat', parts, { axis: attr.int(axis) }, { name: node.name }), dtypeOf(0));
        break;
      }
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad': {
        const pads = constInts(inputs[1]!, `${node.op} ${node.name} paddings`);
        const before = pads.filter((_, i) => i % 2 === 0);
        const after = pads.filter((_, i) => i % 2 === 1);
        const padsName = g.int64s('pads', [...before, ...after]);
        if (node.op === 'MirrorPad') {
          const mode = decodeString(a.mode?.s);
          // SYMMETRIC repeats the edge sample; ONNX's reflect (like REFLECT) does not.
          if (mode !== 'REFLECT') throw new Error(`MirrorPad ${node.name}: mode ${mode} has no ONNX equivalent`);
          out(g.op('Pad', [x(0), padsName], { mode: attr.string('reflect') }, { name: node.name }), dtypeOf(0));
        } else {
          const fill = node.op === 'PadV2' ? [x(2)] : [];
          out(g.op('Pad', [x(0), padsName, ...fill], { mode: attr.string('constant') }, { name: node.name }), dtypeOf(0));
        }
        break;
      }
      case 'StridedSlice':
        out(
          stridedSlice(g, node, x(0), constInts(inputs[1]!, 'begin'), constInts(inputs[2]!, 'end'), constInts(inputs[3]!, 'strides')),
          dtypeOf(0),
        );
        break;
      case 'Conv2D':
      case '_FusedConv2D': {
        const filter = constOf(inputs[1]!, `${node.op} ${node.name} filter`);
        const fused = node.op === '_FusedConv2D' ? attrStrings(a.fused_ops) : [];
        const args = inputs.slice(2).map((ref) => value(ref));
        out(conv2d(g, node, x(0), filter, fused, args));
        break;
      }
      case 'MatMul':
      case '_FusedMatMul': {
        let [left, right] = [x(0), x(1)];
        if (a.transpose_a?.b) left = g.op('Transpose', [left], { perm: attr.ints([1, 0]) });
        if (a.transpose_b?.b) right = g.op('Transpose', [right], { perm: attr.ints([1, 0]) });
        let y = g.op('MatMul', [left, right], {}, { name: node.name });
        for (const f of node.op === '_FusedMatMul' ? attrStrings(a.fused_ops) : []) {
          if (f === 'BiasAdd') y = g.op('Add', [y, x(2)]);
          else y = activation(g, node, f, y);
        }
        out(y);
        break;
      }
      case 'FusedBatchNorm':
      case 'FusedBatchNormV3': {
        // Inference-time batch norm on channels-last data: y = x * a + b with a, b per channel.
        const [scale, offset, mean, variance] = [1, 2, 3, 4].map(
          (i) => constOf(inputs[i]!, `${node.op} ${node.name} argument ${i}`).values as Float32Array,
        );
        const eps = a.epsilon?.f ?? 0.001;
        const mul = Float32Array.from(scale!, (s, c) => s / Math.sqrt(variance![c]! + eps));
        const add = Float32Array.from(offset!, (o, c) => o - mean![c]! * mul[c]!);
        const scaled = g.op('Mul', [x(0), g.initializer(g.fresh(`${node.name}/scale`), 'float32', [mul.length], mul)]);
        out(g.op('Add', [scaled, g.initializer(g.fresh(`${node.name}/offset`), 'float32', [add.length], add)], {}, { name: node.name }));
        break;
      }
      default:
        throw new Error(`Unsupported TensorFlow op ${node.op} (node ${node.name})`);
    }
  }

  const outputs =
    options.outputs ??
    Object.entries(json.signature?.outputs ?? {}).map(([key, t]) => ({ node: parseRef(t.name).node, name: key.replace(/:\d+$/, '') }));
  if (!outputs.length) throw new Error('The model names no outputs; pass options.outputs');
  const signatureDims = new Map(
    Object.values(json.signature?.outputs ?? {}).map((t) => [
      parseRef(t.name).node,
      t.tensorShape?.dim?.map((d, i): Dim => (Number(d.size) >= 0 ? Number(d.size) : i === 0 ? batchDim : `${t.name}_dim${i}`)),
    ]),
  );
  for (const o of outputs) {
    const v = value(o.node);
    if (v.dtype !== 'float32') throw new Error(`Output ${o.node} is ${v.dtype}; only float32 outputs are supported`);
    g.node('Identity', [use(v, o.node)], [o.name], {}, { name: `output/${o.name}` });
    g.output(o.name, 'float32', signatureDims.get(o.node));
  }
  return { graph: g, ops };
}

/**
 * TensorFlow's StridedSlice as ONNX Slice, then Squeeze for shrink_axis_mask and Unsqueeze for
 * new_axis_mask. The spec's entries walk the input's dimensions in order (no ellipsis); a new
 * axis consumes none of them.
 */
function stridedSlice(g: OnnxGraph, node: TfNode, input: string, begin: number[], end: number[], strides: number[]): string {
  const a = node.attr ?? {};
  const beginMask = attrInt(a.begin_mask);
  const endMask = attrInt(a.end_mask);
  const shrinkMask = attrInt(a.shrink_axis_mask);
  const newAxisMask = attrInt(a.new_axis_mask);
  if (attrInt(a.ellipsis_mask)) throw new Error(`StridedSlice ${node.name}: ellipsis_mask is not supported`);
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const squeeze: number[] = [];
  const unsqueeze: number[] = [];
  let inputDim = 0;
  let outputDim = 0;
  for (let i = 0; i < begin.length; i++) {
    const bit = 1 << i;
    if (newAxisMask & bit) {
      unsqueeze.push(outputDim++);
      continue;
    }
    const step = strides[i]!;
    if (shrinkMask & bit) {
      // A single index: begin..begin+1, counted from the end when negative.
      const b = begin[i]!;
      starts.push(BigInt(b));
      ends.push(b === -1 ? INT64_MAX : BigInt(b + 1));
      axes.push(inputDim);
      steps.push(1);
      squeeze.push(inputDim++);
      continue;
    }
    const full = beginMask & bit && endMask & bit && step === 1;
    if (!full) {
      starts.push(beginMask & bit ? (step > 0 ? 0n : INT64_MAX) : BigInt(begin[i]!));
      ends.push(endMask & bit ? (step > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i]!));
      axes.push(inputDim);
      steps.push(step);
    }
    inputDim++;
    outputDim++;
  }
  let y = input;
  if (axes.length)
    y = g.op(
      'Slice',
      [y, g.int64s('starts', starts), g.int64s('ends', ends), g.int64s('axes', axes), g.int64s('steps', steps)],
      {},
      { name: node.name },
    );
  if (squeeze.length) y = g.op('Squeeze', [y, g.int64s('axes', squeeze)]);
  if (unsqueeze.length) y = g.op('Unsqueeze', [y, g.int64s('axes', unsqueeze)]);
  return axes.length || squeeze.length || unsqueeze.length ? y : g.op('Identity', [y], {}, { name: node.name });
}

function activation(g: OnnxGraph, node: TfNode, op: string, y: string): string {
  const a = node.attr ?? {};
  switch (op) {
    case 'Relu':
      return g.op('Relu', [y]);
    case 'Relu6':
      return g.op('Clip', [y, g.scalar('zero', 'float32', 0), g.scalar('six', 'float32', 6)]);
    case 'Elu':
      return g.op('Elu', [y], { alpha: attr.float(1) });
    case 'LeakyRelu':
      return g.op('LeakyRelu', [y], { alpha: attr.float(a.leakyrelu_alpha?.f ?? 0.2) });
    case 'Sigmoid':
    case 'Tanh':
      return g.op(op, [y]);
    default:
      throw new Error(`${node.op} ${node.name}: fused op ${op} is not supported`);
  }
}

/** Conv2D / _FusedConv2D on NHWC data: Transpose, Conv with an OIHW filter (bias folded in), activation, Transpose back. */
function conv2d(g: OnnxGraph, node: TfNode, input: string, filter: TfConst, fused: string[], args: Value[]): string {
  const a = node.attr ?? {};
  const format = decodeString(a.data_format?.s) || 'NHWC';
  if (format !== 'NHWC') throw new Error(`${node.op} ${node.name}: data_format ${format} is not supported`);
  if (filter.dtype !== 'float32' || filter.shape.length !== 4)
    throw new Error(`${node.op} ${node.name}: the filter must be a float32 HWIO constant`);
  const [h, w, , o] = filter.shape as [number, number, number, number];
  let weights = hwioToOihw(filter.values as Float32Array, filter.shape);
  let bias: Float32Array | undefined;

  const rest = [...fused];
  const argValues = (i: number, what: string) => {
    const c = args[i]?.constant;
    if (!c || c.dtype !== 'float32') throw new Error(`${node.op} ${node.name}: ${what} must be a float32 constant`);
    return c.values as Float32Array;
  };
  if (rest[0] === 'BiasAdd') {
    bias = Float32Array.from(argValues(0, 'the bias'));
    rest.shift();
  } else if (rest[0] === 'FusedBatchNorm') {
    // Folded into the filter and bias: scale / sqrt(var + eps) per output channel.
    const [scale, offset, mean, variance] = [0, 1, 2, 3].map((i) => argValues(i, `batch-norm argument ${i}`));
    const eps = a.epsilon?.f ?? 0.001;
    const mul = Float32Array.from(scale!, (s, c) => s / Math.sqrt(variance![c]! + eps));
    weights = weights.map((v, i) => v * mul[Math.floor(i / (weights.length / o))]!);
    bias = Float32Array.from(offset!, (off, c) => off - mean![c]! * mul[c]!);
    rest.shift();
  }

  const strides = attrInts(a.strides);
  const dilations = attrInts(a.dilations);
  const padding = decodeString(a.padding?.s);
  const convAttrs: Record<string, AttrValue> = {
    kernel_shape: attr.ints([h, w]),
    strides: attr.ints([strides[1] ?? 1, strides[2] ?? 1]),
    dilations: attr.ints([dilations[1] ?? 1, dilations[2] ?? 1]),
  };
  if (padding === 'SAME')
    convAttrs.auto_pad = attr.string('SAME_UPPER'); // TensorFlow puts the odd extra pixel at the end, as SAME_UPPER does
  else if (padding === 'VALID') convAttrs.pads = attr.ints([0, 0, 0, 0]);
  else if (padding === 'EXPLICIT') {
    const p = attrInts(a.explicit_paddings);
    convAttrs.pads = attr.ints([p[2]!, p[4]!, p[3]!, p[5]!]);
  } else throw new Error(`${node.op} ${node.name}: padding ${padding} is not supported`);

  const nchw = g.op('Transpose', [input], { perm: attr.ints([0, 3, 1, 2]) });
  const filterName = g.initializer(g.fresh(`${node.name}/weights`), 'float32', [o, filter.shape[2]!, h, w], weights);
  const convInputs = bias ? [filterName, g.initializer(g.fresh(`${node.name}/bias`), 'float32', [o], bias)] : [filterName];
  let y = g.op('Conv', [nchw, ...convInputs], convAttrs, { name: node.name });
  for (const op of rest) y = activation(g, node, op, y);
  return g.op('Transpose', [y], { perm: attr.ints([0, 2, 3, 1]) });
}
