import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { attr, OnnxGraph, onnxDataType, toFloat16, type OnnxDataType } from '../../src-server/ai/onnx/writer';
import { convertTfjsGraph, decodeWeights, type TfjsModelJson, type TfNode } from '../../src-server/ai/onnx/from-tfjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-onnx-writer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * y = LeakyRelu(Reshape(x, [-1, 2, 3]) · W + b), then Transpose to [batch, 3, 2], plus a float16
 * branch: Cast(x, f16) * h, back to f32. Covers symbolic dims, float32/float16/int64
 * initializers, and int, float and ints attributes.
 */
function tinyGraph(): OnnxGraph {
  const g = new OnnxGraph('tiny');
  const x = g.input('x', 'float32', ['batch', 6]);
  const shape = g.int64s('shape', [-1, 2, 3]);
  const w = g.initializer('w', 'float32', [3, 3], [1, 0, 0, 0, 2, 0, 0, 0, -3]);
  const b = g.initializer('b', 'float32', [3], Float32Array.of(0.5, 0.5, 0.5));
  const h = g.initializer('h', 'float16', [6], toFloat16(Float32Array.of(1, 2, 0.5, -1, 4, 0.25)));
  const y = g.op('LeakyRelu', [g.op('Add', [g.op('MatMul', [g.op('Reshape', [x, shape]), w]), b])], { alpha: attr.float(0.1) });
  g.node('Transpose', [y], ['y'], { perm: attr.ints([0, 2, 1]) });
  g.output('y', 'float32', ['batch', 3, 2]);
  const half = g.op('Mul', [g.op('Cast', [x], { to: attr.int(onnxDataType('float16')) }), h]);
  g.node('Cast', [half], ['z'], { to: attr.int(onnxDataType('float32')) });
  g.output('z', 'float32', ['batch', 6]);
  return g;
}

/** What tinyGraph computes, in plain JavaScript. */
function expected(x: number[]): { y: number[]; z: number[] } {
  const scale = [1, 2, -3];
  const rows = [x.slice(0, 3), x.slice(3, 6)].map((r) => r.map((v, j) => v * scale[j]! + 0.5).map((v) => (v < 0 ? 0.1 * v : v)));
  const y = [0, 1, 2].flatMap((j) => [rows[0]![j]!, rows[1]![j]!]);
  const z = x.map((v, i) => v * [1, 2, 0.5, -1, 4, 0.25][i]!);
  return { y, z };
}

describe('OnnxGraph (ONNX model writer)', () => {
  const x = [1, -2, 3, 0.5, 1.5, -0.25];

  it('writes a model that ONNX Runtime loads, with symbolic dims, and computes the right values', async () => {
    const file = path.join(dir, 'tiny.onnx');
    await tinyGraph().write(file, { metadata: { purpose: 'test' } });
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y', 'z']);
    const meta = session.inputMetadata[0] as ort.InferenceSession.TensorValueMetadata;
    expect(meta.shape).toEqual(['batch', 6]);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([...x, ...x]), [2, 6]) });
    const want = expected(x);
    expect(out.y!.dims).toEqual([2, 3, 2]);
    const y = Array.from(out.y!.data as Float32Array);
    expect(y.every((v, i) => Math.abs(v - [...want.y, ...want.y][i]!) < 1e-6)).toBe(true);
    expect(Array.from(out.z!.data as Float32Array)).toEqual([...want.z, ...want.z]);
    await session.release();
  });

  it('moves big initializers to an external data file and ONNX Runtime reads them from there', async () => {
    const g = new OnnxGraph('external');
    const x = g.input('x', 'float32', [1, 4096]);
    const weights = Float32Array.from({ length: 4096 }, (_, i) => (i % 7) - 3);
    g.initializer('big', 'float32', [1, 4096], weights);
    g.initializer('small', 'float32', [1], [2]);
    g.node('Mul', [g.op('Add', [x, 'big']), 'small'], ['y']);
    g.output('y', 'float32', [1, 4096]);
    const file = path.join(dir, 'external.onnx');
    const encoded = await g.write(file, { externalData: { location: 'external.weights', threshold: 1024 } });
    expect(encoded.externalData!.byteLength).toBe(4096 * 4);
    expect(fs.statSync(path.join(dir, 'external.weights')).size).toBe(4096 * 4);
    // The model file keeps the small tensor inline but not the 16 KiB one.
    expect(fs.statSync(file).size).toBeLessThan(1024);

    const session = await ort.InferenceSession.create(file);
    const input = Float32Array.from({ length: 4096 }, (_, i) => i / 4096);
    const out = (await session.run({ x: new ort.Tensor('float32', input, [1, 4096]) })).y!.data as Float32Array;
    expect(out.every((v, i) => Math.abs(v - (input[i]! + weights[i]!) * 2) < 1e-6)).toBe(true);
    await session.release();
  });

  it("numbers every element type as onnx-proto's TensorProto.DataType does", () => {
    const { DataType } = onnxProto.onnx.TensorProto;
    const names: Record<OnnxDataType, keyof typeof DataType> = {
      float32: 'FLOAT',
      float16: 'FLOAT16',
      float64: 'DOUBLE',
      int8: 'INT8',
      uint8: 'UINT8',
      int16: 'INT16',
      uint16: 'UINT16',
      int32: 'INT32',
      uint32: 'UINT32',
      int64: 'INT64',
      uint64: 'UINT64',
      bool: 'BOOL',
    };
    for (const [type, name] of Object.entries(names)) expect(onnxDataType(type as OnnxDataType), type).toBe(DataType[name]);
  });

  it('converts float32 to IEEE half bits with rounding, subnormals and infinities', () => {
    const bits = Array.from(
      toFloat16(Float32Array.of(1, -2, 0.1, 65504, 1e6, 5.960464477539063e-8, 1e-9, 0, -Infinity, 1 + 2 ** -11, 1 + 3 * 2 ** -11)),
    );
    // The last two lie halfway between two halves: they round to the even one.
    expect(bits).toEqual([0x3c00, 0xc000, 0x2e66, 0x7bff, 0x7c00, 0x0001, 0x0000, 0x0000, 0xfc00, 0x3c00, 0x3c02]);
    expect(Number.isNaN(Float32Array.of(NaN)[0])).toBe(true);
    expect(toFloat16(Float32Array.of(NaN))[0]! & 0x7c00).toBe(0x7c00);
  });

  it('refuses duplicate value names and untagged or unsafe integer attributes', () => {
    const g = new OnnxGraph('names');
    g.input('x', 'float32', [1]);
    expect(() => g.initializer('x', 'float32', [1], [1])).toThrow(/already used/);
    expect(g.fresh('x')).not.toBe('x');
    expect(() => g.node('Identity', ['x'], ['y'], { big: attr.int(2 ** 60) })).toThrow(/safe integer/);
    expect(() => g.initializer('bad', 'float32', [2], [1])).toThrow(/needs 8 bytes/);
  });
});

describe('convertTfjsGraph on a hand-made graph', () => {
  // A graph with ops basic-pitch does not use: MatMul with a fused bias and Relu, a standalone
  // FusedBatchNormV3, a SAME-padded strided _FusedConv2D with batch norm folded in, Relu6, Pow.
  // The 2-tall filter over 3 rows at stride 2 needs one row of padding, which TensorFlow puts below.
  const f = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' });
  const specs = [
    f('w', [4, 3]),
    f('bias', [3]),
    f('scale', [3]),
    f('offset', [3]),
    f('mean', [3]),
    f('var', [3]),
    f('filter', [2, 3, 1, 2]),
    f('cs', [2]),
    f('co', [2]),
    f('cm', [2]),
    f('cv', [2]),
    f('two', []),
    { name: 'shape', shape: [4], dtype: 'int32' },
  ];
  const rand = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 97 + i * 13.1) * 0.8);
  const positive = (n: number, seed: number) => rand(n, seed).map((v) => 0.5 + Math.abs(v));
  const data: Record<string, number[]> = {
    w: rand(12, 1),
    bias: rand(3, 2),
    scale: positive(3, 3),
    offset: rand(3, 4),
    mean: rand(3, 5),
    var: positive(3, 6),
    filter: rand(12, 7),
    cs: positive(2, 8),
    co: rand(2, 9),
    cm: rand(2, 10),
    cv: positive(2, 11),
    two: [2],
    shape: [-1, 3, 1, 1],
  };
  const s = (v: string) => ({ s: Buffer.from(v).toString('base64') });
  const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
  const node = (name: string, op: string, input: string[], attr: TfNode['attr'] = {}): TfNode => ({ name, op, input, attr });
  const nodes: TfNode[] = [
    node('x', 'Placeholder', [], {
      dtype: { type: 'DT_FLOAT' },
      shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } },
    } as TfNode['attr']),
    ...specs.map((w) => node(w.name, 'Const', [])),
    node('mm', '_FusedMatMul', ['x', 'w', 'bias'], {
      fused_ops: { list: { s: ['BiasAdd', 'Relu'].map((v) => s(v).s) } },
      num_args: { i: '1' },
      transpose_a: { b: false },
      transpose_b: { b: false },
    }),
    node('bn', 'FusedBatchNormV3', ['mm', 'scale', 'offset', 'mean', 'var'], { epsilon: { f: 0.001 } }),
    node('img', 'Reshape', ['bn', 'shape']),
    node('pw', 'Pow', ['img', 'two']),
    node('conv', '_FusedConv2D', ['pw', 'filter', 'cs', 'co', 'cm', 'cv'], {
      fused_ops: { list: { s: ['FusedBatchNorm', 'Relu6'].map((v) => s(v).s) } },
      num_args: { i: '4' },
      strides: ints(1, 2, 1, 1),
      dilations: ints(1, 1, 1, 1),
      padding: s('SAME'),
      data_format: s('NHWC'),
      epsilon: { f: 0.001 },
    }),
    node('out', 'Identity', ['conv']),
  ];
  // tfjs cannot run a _FusedConv2D with FusedBatchNorm, so the reference spells it out; the
  // converter must give the same result for both forms.
  const unfused: TfNode[] = [
    ...nodes.filter((n) => n.name !== 'conv' && n.name !== 'out'),
    node('conv_raw', 'Conv2D', ['pw', 'filter'], {
      strides: ints(1, 2, 1, 1),
      dilations: ints(1, 1, 1, 1),
      padding: s('SAME'),
      data_format: s('NHWC'),
    }),
    node('conv_bn', 'FusedBatchNormV3', ['conv_raw', 'cs', 'co', 'cm', 'cv'], { epsilon: { f: 0.001 } }),
    node('conv', 'Relu6', ['conv_bn']),
    node('out', 'Identity', ['conv']),
  ];
  const manifest = [{ paths: ['w.bin'], weights: specs }];
  const json: TfjsModelJson = { format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: manifest };
  const reference: TfjsModelJson = { format: 'graph-model', modelTopology: { node: unfused }, weightsManifest: manifest };
  const bytes = Buffer.concat(
    specs.map((w) => Buffer.from((w.dtype === 'int32' ? Int32Array.from(data[w.name]!) : Float32Array.from(data[w.name]!)).buffer)),
  );

  it('matches tfjs on MatMul, batch norm, Pow and a strided SAME convolution, fused or not', async () => {
    const input = Float32Array.from(rand(8, 12));
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: { ...reference.modelTopology, versions: { producer: 1 } },
        weightSpecs: specs as tf.io.WeightsManifestEntry[],
        weightData: new Uint8Array(bytes).buffer,
        format: 'graph-model',
      }),
    );
    const want = (await (model.execute(tf.tensor2d(input, [2, 4]), 'out') as tf.Tensor).data()) as Float32Array;
    expect(want.length).toBe(8);
    expect(want.some((v) => v > 0 && v < 6)).toBe(true);

    const weights = decodeWeights(manifest, [new Uint8Array(bytes)]);
    // The unfused graph is converted from its nodes in reverse order: the converter must sort them.
    const reversed: TfjsModelJson = { ...reference, modelTopology: { node: [...unfused].reverse() } };
    for (const [name, source] of [
      ['fused', json],
      ['unfused', reversed],
    ] as const) {
      const { graph, ops } = convertTfjsGraph({ json: source, weights, files: [] }, { outputs: [{ node: 'out', name: 'y' }] });
      expect(ops).toMatchObject({ _FusedMatMul: 1, Pow: 1, Const: specs.length });
      const file = path.join(dir, `${name}.onnx`);
      await graph.write(file);
      const session = await ort.InferenceSession.create(file);
      const got = (await session.run({ x: new ort.Tensor('float32', input, [2, 4]) })).y!;
      await session.release();
      expect(got.dims).toEqual([2, 2, 1, 2]);
      const diff = Array.from(got.data as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
      expect(diff, name).toBeLessThan(1e-5);
    }
  });

  it('names the op it cannot convert', () => {
    const bad: TfjsModelJson = { ...json, modelTopology: { node: [nodes[0]!, node('e', 'Erf', ['x'])] }, weightsManifest: [] };
    expect(() => convertTfjsGraph({ json: bad, weights: new Map(), files: [] }, { outputs: [{ node: 'e', name: 'y' }] })).toThrow(
      'Unsupported TensorFlow op Erf (node e)',
    );
  });
});
