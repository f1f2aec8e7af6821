import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { onnx as Onnx } from 'onnx-proto';
import { AiError } from '../protocol';
import { onnxClasses, onnxDataType, toFloat16 } from '../onnx/writer';
import { readSafetensors, SafetensorsError, type SafeTensor } from './safetensors';
import { fromFloat16 } from './tensors';

// LoRA (Hu et al. 2021) merged into ONNX weights at load time: W' = W + weight · (α/r) · up·down
// for every layer the LoRA carries. The ONNX export names each node after its module
// ("/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul"), which locates the
// weight a LoRA layer belongs to. The merged model is written once per (model, LoRA set) into a
// cache folder and loaded as any other ONNX file, so the worker's session cache keys on it.

export type LoraTarget = 'unet' | 'text_encoder' | 'text_encoder_2';

export interface LoraSpec {
  /** Shown in errors. */
  name: string;
  /** The .safetensors file. */
  file: string;
  weight: number;
}

export interface LoraLayer {
  target: LoraTarget;
  /** The module path with "_" for every separator (kohya's form, which "." paths reduce to). */
  key: string;
  up: SafeTensor;
  down: SafeTensor;
  alpha: number | null;
}

const fail = (message: string) => new AiError('bad_input', message);

/** kohya's prefixes (SD 1.x "lora_te_", SDXL "lora_te1_"/"lora_te2_") and diffusers/peft's. */
const PREFIXES: [string, LoraTarget][] = [
  ['lora_unet_', 'unet'],
  ['lora_te1_', 'text_encoder'],
  ['lora_te2_', 'text_encoder_2'],
  ['lora_te_', 'text_encoder'],
  ['unet.', 'unet'],
  ['text_encoder_2.', 'text_encoder_2'],
  ['text_encoder.', 'text_encoder'],
  ['base_model.model.', 'unet'],
];

/** The suffix of each half of a layer in the formats read: kohya, peft, diffusers' older one. */
const HALVES: [suffix: string, half: 'up' | 'down' | 'alpha'][] = [
  ['.lora_down.weight', 'down'],
  ['.lora_up.weight', 'up'],
  ['.lora_A.weight', 'down'],
  ['.lora_B.weight', 'up'],
  ['.lora.down.weight', 'down'],
  ['.lora.up.weight', 'up'],
  ['.alpha', 'alpha'],
];

const flat = (module: string) => module.replace(/[.]/g, '_');

/** The layers of a LoRA file in kohya or diffusers/peft naming; anything else is refused by name. */
export function readLora(spec: LoraSpec): LoraLayer[] {
  let tensors: Map<string, SafeTensor>;
  try {
    tensors = readSafetensors(spec.file).tensors;
  } catch (err) {
    if (err instanceof SafetensorsError) throw fail(`LoRA ${spec.name}: ${err.message}`);
    throw fail(`LoRA ${spec.name} cannot be read: ${(err as Error).message}`);
  }
  const layers = new Map<string, Partial<LoraLayer>>();
  for (const [name, tensor] of tensors) {
    const half = HALVES.find(([suffix]) => name.endsWith(suffix));
    if (!half) {
      const kind = /hada_|lokr_|dora_scale|\.diff$|lora_mid/.exec(name)?.[0];
      throw fail(
        `LoRA ${spec.name}: ${kind ? `its ${kind} tensors (LoHa/LoKr/DoRA/LoCon) are not supported` : `the tensor ${name} is not a LoRA up/down/alpha`}`,
      );
    }
    let module = name.slice(0, -half[0].length);
    // diffusers' attention-processor form: attn1.processor.to_q_lora → attn1.to_q.
    module = module.replace(/\.processor\.(to_[qkv])_lora$/, '.$1').replace(/\.processor\.to_out_lora$/, '.to_out.0');
    const prefix = PREFIXES.find(([p]) => module.startsWith(p));
    const target = prefix?.[1] ?? 'unet';
    const key = `${target}:${flat(prefix ? module.slice(prefix[0].length) : module)}`;
    const layer = layers.get(key) ?? { target, key: key.slice(target.length + 1), alpha: null };
    if (half[1] === 'alpha') layer.alpha = tensor.values[0]!;
    else layer[half[1]] = tensor;
    layers.set(key, layer);
  }
  const out: LoraLayer[] = [];
  for (const [key, layer] of layers) {
    if (!layer.up || !layer.down) throw fail(`LoRA ${spec.name}: layer ${key} has no ${layer.up ? 'down' : 'up'} weight`);
    out.push(layer as LoraLayer);
  }
  if (!out.length) throw fail(`LoRA ${spec.name} has no layers`);
  return out;
}

/** The module path an export's node name carries: "/a/b.0/c/MatMul" → "a.b.0.c". */
export function moduleOfNode(nodeName: string): string | null {
  const parts = nodeName.split('/').filter(Boolean);
  if (parts.length < 2) return null;
  return parts.slice(0, -1).join('.');
}

interface WeightSite {
  tensor: Onnx.ITensorProto;
  /** How the weight is laid out against torch's [out, in…]: MatMul stores [in, out]. */
  transposed: boolean;
}

const FLOAT = onnxDataType('float32');
const FLOAT16 = onnxDataType('float16');

/** The weight initializer each MatMul/Gemm/Conv node reads (through a Cast, as fp16 graphs upcast), by flat module path. */
function weightSites(graph: Onnx.IGraphProto): Map<string, WeightSite> {
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const producer = new Map<string, Onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const out of node.output ?? []) producer.set(out, node);
  const sites = new Map<string, WeightSite>();
  for (const node of graph.node ?? []) {
    if (!['MatMul', 'Gemm', 'Conv'].includes(node.opType ?? '')) continue;
    let input = node.input?.[1];
    const cast = input ? producer.get(input) : undefined;
    if (cast?.opType === 'Cast') input = cast.input?.[0];
    const tensor = input ? initializers.get(input) : undefined;
    if (!tensor || (tensor.dataType !== FLOAT && tensor.dataType !== FLOAT16)) continue;
    const module = moduleOfNode(node.name ?? '') ?? (tensor.name?.endsWith('.weight') ? tensor.name.slice(0, -7) : null);
    if (!module) continue;
    const transB = node.attribute?.find((a) => a.name === 'transB')?.i;
    const transposed = node.opType === 'MatMul' || (node.opType === 'Gemm' && !Number(transB ?? 0));
    sites.set(flat(module), { tensor, transposed });
  }
  return sites;
}

/** A tensor's float values, wherever the file keeps them. */
function tensorValues(t: Onnx.ITensorProto, dir: string): Float32Array {
  const count = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
  let bytes: Uint8Array;
  if (t.dataLocation === onnxClasses().TensorProto.DataLocation.EXTERNAL) {
    const ext = Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));
    const fd = fs.openSync(path.join(dir, ext.location!), 'r');
    try {
      const length = Number(ext.length ?? count * (t.dataType === FLOAT16 ? 2 : 4));
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, Number(ext.offset ?? 0));
      bytes = buffer;
    } finally {
      fs.closeSync(fd);
    }
  } else if (t.rawData && t.rawData.length) {
    bytes = t.rawData;
  } else if (t.dataType === FLOAT) {
    return Float32Array.from(t.floatData ?? []);
  } else {
    // float16 in int32_data, one half per element.
    return fromFloat16(Uint16Array.from(t.int32Data ?? []));
  }
  const copy = Buffer.from(bytes);
  return t.dataType === FLOAT16
    ? fromFloat16(new Uint16Array(copy.buffer, copy.byteOffset, count))
    : new Float32Array(copy.buffer, copy.byteOffset, count).slice();
}

/**
 * Adds scale · up·down to `base` laid out as the ONNX weight is: [out, in…] (Conv, Gemm with
 * transB) or [in, out] (MatMul). Refuses shapes that do not fit.
 */
export function addLowRank(
  base: Float32Array,
  dims: number[],
  transposed: boolean,
  layer: Pick<LoraLayer, 'up' | 'down'>,
  scale: number,
  what: string,
): void {
  const rank = layer.down.shape[0]!;
  const inner = layer.down.values.length / rank;
  const out = layer.up.values.length / rank;
  if (layer.up.shape[1] !== rank)
    throw fail(`${what}: its up weight [${layer.up.shape}] does not follow its down weight [${layer.down.shape}]`);
  const total = dims.reduce((a, b) => a * b, 1);
  const outDim = transposed ? dims[dims.length - 1]! : dims[0]!;
  if (out !== outDim || out * inner !== total)
    throw fail(`${what}: the LoRA's [${out}, ${inner}] update does not fit the model's weight [${dims.join(', ')}]`);
  const up = layer.up.values;
  const down = layer.down.values;
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inner; i++) {
      let sum = 0;
      for (let r = 0; r < rank; r++) sum += up[o * rank + r]! * down[r * inner + i]!;
      base[transposed ? i * out + o : o * inner + i]! += scale * sum;
    }
  }
}

export interface MergeOptions {
  /** Folder the merged models are cached in (one subfolder per model and LoRA set). */
  cacheDir: string;
  /** Which text encoder or UNet this file is. */
  target: LoraTarget;
}

/** Keeps this many merged sets per cache folder; older ones are removed (a loaded session has its weights already). */
const KEEP = 4;

/**
 * The path of `modelFile` with `loras` merged in, written on first use. A LoRA with layers for
 * this target that the model lacks, or whose shapes differ, is refused (a LoRA for another base).
 * Returns the model file itself when no LoRA has layers for the target.
 */
export function mergedModel(modelFile: string, loras: { spec: LoraSpec; layers: LoraLayer[] }[], options: MergeOptions): string {
  const mine = loras
    .map((l) => ({ spec: l.spec, layers: l.layers.filter((x) => x.target === options.target) }))
    .filter((l) => l.layers.length && l.spec.weight !== 0);
  if (!mine.length) return modelFile;
  const stat = fs.statSync(modelFile);
  const id = crypto
    .createHash('sha256')
    .update(
      JSON.stringify([
        modelFile,
        stat.size,
        stat.mtimeMs,
        mine.map(({ spec }) => {
          const s = fs.statSync(spec.file);
          return [spec.file, s.size, s.mtimeMs, spec.weight];
        }),
      ]),
    )
    .digest('hex')
    .slice(0, 24);
  const outDir = path.join(options.cacheDir, `${options.target}-${id}`);
  const outFile = path.join(outDir, 'model.onnx');
  if (fs.existsSync(outFile)) {
    const now = new Date();
    fs.utimesSync(outDir, now, now);
    return outFile;
  }

  const dir = path.dirname(modelFile);
  const model = onnxClasses().ModelProto.decode(fs.readFileSync(modelFile));
  const sites = weightSites(model.graph!);
  const merged = new Map<Onnx.ITensorProto, Float32Array>();
  for (const { spec, layers } of mine) {
    const missing = layers.filter((l) => !sites.has(l.key));
    if (missing.length) {
      throw fail(
        `LoRA ${spec.name} does not match this model: ${missing.length} of its ${layers.length} ${options.target} layers ` +
          `(e.g. ${missing[0]!.key}) are not in it; is it for another base model?`,
      );
    }
    for (const layer of layers) {
      const site = sites.get(layer.key)!;
      let values = merged.get(site.tensor);
      if (!values) merged.set(site.tensor, (values = tensorValues(site.tensor, dir)));
      const rank = layer.down.shape[0]!;
      const scale = spec.weight * ((layer.alpha ?? rank) / rank);
      addLowRank(values, (site.tensor.dims ?? []).map(Number), site.transposed, layer, scale, `LoRA ${spec.name} layer ${layer.key}`);
    }
  }

  // Into a hidden folder first, renamed into place: a cache entry is whole or absent.
  fs.mkdirSync(options.cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(options.cacheDir, '.merging-'));
  try {
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const [tensor, values] of merged) {
      const bytes =
        tensor.dataType === FLOAT16
          ? Buffer.from(toFloat16(values).buffer)
          : Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      tensor.floatData = [];
      tensor.int32Data = [];
      if (tensor.dataLocation === onnxClasses().TensorProto.DataLocation.EXTERNAL) {
        const pad = (64 - (offset % 64)) % 64;
        chunks.push(Buffer.alloc(pad), bytes);
        offset += pad;
        tensor.externalData = [
          { key: 'location', value: 'lora.onnx_data' },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(bytes.length) },
        ];
        offset += bytes.length;
      } else {
        tensor.rawData = bytes;
      }
    }
    if (chunks.length) fs.writeFileSync(path.join(staging, 'lora.onnx_data'), Buffer.concat(chunks));
    // The weights left alone stay in the model's own external files: linked, not copied.
    const locations = new Set<string>();
    for (const t of model.graph!.initializer ?? [])
      if (t.dataLocation === onnxClasses().TensorProto.DataLocation.EXTERNAL && !merged.has(t))
        locations.add(t.externalData!.find((e) => e.key === 'location')!.value!);
    for (const location of locations) {
      const from = path.join(dir, location);
      const to = path.join(staging, location);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      try {
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to);
      }
    }
    fs.writeFileSync(path.join(staging, 'model.onnx'), onnxClasses().ModelProto.encode(model).finish());
    try {
      fs.renameSync(staging, outDir);
    } catch (err) {
      // Another worker merged the same set first.
      if (!fs.existsSync(outFile)) throw err;
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  evictOld(options.cacheDir);
  return outFile;
}

function evictOld(cacheDir: string): void {
  const entries = fs
    .readdirSync(cacheDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => ({ dir: path.join(cacheDir, d.name), mtime: fs.statSync(path.join(cacheDir, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(KEEP * 3)) fs.rmSync(old.dir, { recursive: true, force: true });
}
