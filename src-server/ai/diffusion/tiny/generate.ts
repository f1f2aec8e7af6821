import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { attr, onnxDataType, toFloat16 } from '../../onnx/writer';
import { writeSafetensors } from '../safetensors';
import { fromFloat16 } from '../tensors';
import { TinyNet, Weights, type Float } from '../../onnx/tiny-net';

// Tiny random-weight Stable Diffusion models and upscalers in the exact layout, tensor names and
// element types of Hugging Face's ONNX exports (optimum-cli export onnx), so the real pipeline runs
// on them unchanged in tests and benches; real weights cannot be downloaded here. The networks are
// small but shaped like the real ones: CLIP-style text encoders (token + position embeddings,
// residual MLP blocks, final LayerNorm, EOS pooling), a residual conv UNet with sinusoidal timestep
// and text conditioning, a VAE that maps pixels to latents at 1/8 size and back, and a
// Real-ESRGAN-style upscaler ending in DepthToSpace.
//
// CLI: npx tsx src-server/ai/diffusion/tiny/generate.ts <out-dir> [--base sd1|sdxl] [--fp16]
//      [--inpainting] [--external-data] [--channels N] [--blocks N] [--sample-size N] [--seed N]
//      npx tsx src-server/ai/diffusion/tiny/generate.ts <out-dir> --upscaler 2|4 [--channels N]

export type TinyBase = 'sd1' | 'sdxl';

export interface TinySdOptions {
  base: TinyBase;
  /** float16 weights and float16 inputs/outputs, as `--fp16` exports have. */
  fp16?: boolean;
  /** A 9-channel UNet (latents, mask, masked-image latents), as SD inpainting checkpoints have. */
  inpainting?: boolean;
  /** Keeps the UNet's and text encoders' weights in model.onnx_data, as exports past 2 GB do. */
  externalData?: boolean;
  /** The UNet's width (default 16); the bench uses a wider one so its run time dominates. */
  channels?: number;
  /** Residual blocks in the UNet (default 2). */
  blocks?: number;
  /** unet/config.json's sample_size: the native latent size (default 8, i.e. 64 px images). */
  sampleSize?: number;
  /** Seeds the random weights (default 1). */
  seed?: number;
  /** Writes vae_encoder/ (default true). */
  vaeEncoder?: boolean;
  /**
   * A UNet that also takes a ControlNet's residuals, as OnnxStack/Amuse export it:
   * `down_block_additional_residuals_<i>` (one per block) and `mid_block_additional_residual`.
   */
  controlnet?: boolean;
}

export interface TinyUpscalerOptions {
  scale: 2 | 4;
  /** Feature channels (default 8). */
  channels?: number;
  seed?: number;
}

/** Token and embedding widths: small stand-ins for CLIP ViT-L (768) and OpenCLIP bigG (1280). */
const WIDTH = { sd1: 32, xl1: 32, xl2: 48 } as const;
/** SDXL's pooled projection width stand-in (the real one is 1280). */
const XL_POOLED = 48;
const MAX_TOKENS = 77;

/**
 * The node name torch.onnx gives a module's op: its path with "/" between modules and an index kept
 * on its list ("/text_model/encoder/layers.0/mlp/fc1/MatMul"), which LoRA merging reads.
 */
export function exportNodeName(scope: string, module: string, op: string): string {
  const parts: string[] = [];
  for (const part of [...(scope ? [scope] : []), ...module.split('.')]) {
    if (/^\d+$/.test(part) && parts.length) parts[parts.length - 1] += `.${part}`;
    else parts.push(part);
  }
  return `/${parts.join('/')}/${op}`;
}

/** A graph of the tiny SD and upscaler networks; fp16 models cast up inside (see TinyNet). */
class Net extends TinyNet {
  /** The module path the export puts before every node name ("text_model" for CLIP encoders). */
  scope = '';

  conv(x: string, name: string, cin: number, cout: number, k: number, gain = 1): string {
    const w = this.random(`${name}.weight`, [cout, cin, k, k], gain / Math.sqrt(cin * k * k));
    const b = this.param(`${name}.bias`, [cout], new Float32Array(cout));
    return this.g.op(
      'Conv',
      [x, w, b],
      { pads: attr.ints([k >> 1, k >> 1, k >> 1, k >> 1]), kernel_shape: attr.ints([k, k]) },
      { name: exportNodeName(this.scope, name, 'Conv') },
    );
  }

  linear(x: string, name: string, cin: number, cout: number, gain = 1): string {
    const w = this.random(`${name}.weight`, [cin, cout], gain / Math.sqrt(cin));
    const b = this.param(`${name}.bias`, [cout], new Float32Array(cout));
    return this.g.op('Add', [this.g.op('MatMul', [x, w], {}, { name: exportNodeName(this.scope, name, 'MatMul') }), b]);
  }

  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  layerNorm(x: string, name: string, width: number): string {
    const scale = this.param(`${name}.weight`, [width], new Float32Array(width).fill(1));
    const bias = this.param(`${name}.bias`, [width], new Float32Array(width));
    return this.g.op('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  }
}

/** GPT-2/CLIP's byte → printable character table: the alphabet byte-level BPE vocabularies are written in. */
function bytesToUnicode(): string[] {
  const printable = new Set<number>();
  for (let b = 33; b <= 126; b++) printable.add(b);
  for (let b = 161; b <= 172; b++) printable.add(b);
  for (let b = 174; b <= 255; b++) printable.add(b);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable.has(b) ? b : 256 + extra++));
  return out;
}

/** A few merges so common words become single tokens, as in CLIP's vocabulary. */
const MERGES = ['t h', 'th e</w>', 'a n', 'an d</w>', 'o n</w>', 'i n', 'in g</w>', 'c a', 'ca t</w>', 'r e', 'd o', 'do g</w>'];

/**
 * CLIP's tokenizer files over a tiny vocabulary laid out as CLIP's is: the 256 byte characters,
 * the same with "</w>", the merges' results, then <|startoftext|> and <|endoftext|>. Every prompt
 * tokenizes (at worst byte by byte). SDXL's second tokenizer pads with "!" as OpenCLIP's does.
 */
function tokenizerFiles(padWithBang: boolean): Record<string, string> {
  const chars = bytesToUnicode();
  const vocab: Record<string, number> = {};
  for (const c of chars) vocab[c] = Object.keys(vocab).length;
  for (const c of chars) vocab[`${c}</w>`] = Object.keys(vocab).length;
  for (const m of MERGES) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  vocab['<|startoftext|>'] = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = Object.keys(vocab).length;
  const special = {
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: padWithBang ? '!' : '<|endoftext|>',
  };
  return {
    'vocab.json': JSON.stringify(vocab),
    'merges.txt': `#version: 0.2\n${MERGES.join('\n')}\n`,
    'special_tokens_map.json': JSON.stringify(special),
    'tokenizer_config.json': JSON.stringify({
      ...special,
      tokenizer_class: 'CLIPTokenizer',
      model_max_length: MAX_TOKENS,
      do_lower_case: true,
    }),
  };
}

const vocabSize = () => 512 + MERGES.length + 2;

/**
 * A CLIP-style text encoder: token + position embeddings, residual MLP blocks, final LayerNorm;
 * pooler_output is the final state at the EOS token (the highest id, as CLIP finds it with
 * argmax). SDXL's second encoder projects it to text_embeds; both expose hidden_states.0…N.
 */
async function writeTextEncoder(
  file: string,
  net: Net,
  o: { width: number; layers: number; hiddenStates: boolean; projection: number | null },
): Promise<void> {
  const { g } = net;
  net.scope = 'text_model';
  const ids = g.input('input_ids', 'int32', ['batch_size', 'sequence_length']);
  const tokens = g.op('Gather', [net.random('embeddings.token_embedding.weight', [vocabSize(), o.width], 0.5), ids]);
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.scalar('one', 'int64', 1)]);
  const positions = g.op('Range', [g.scalar('zero', 'int64', 0), seqLen, g.scalar('step', 'int64', 1)]);
  let h = g.op('Add', [
    tokens,
    g.op('Gather', [net.random('embeddings.position_embedding.weight', [MAX_TOKENS, o.width], 0.1), positions]),
  ]);
  const states = [h];
  for (let l = 0; l < o.layers; l++) {
    const inner = net.linear(
      net.layerNorm(h, `encoder.layers.${l}.layer_norm`, o.width),
      `encoder.layers.${l}.mlp.fc1`,
      o.width,
      2 * o.width,
    );
    h = g.op('Add', [h, net.linear(g.op('Tanh', [inner]), `encoder.layers.${l}.mlp.fc2`, 2 * o.width, o.width, 0.5)]);
    states.push(h);
  }
  const last = net.layerNorm(h, 'final_layer_norm', o.width);
  const dims = ['batch_size', 'sequence_length', o.width];
  net.floatOutput(last, 'last_hidden_state', dims);
  const eos = g.op('ArgMax', [ids], { axis: attr.int(1), keepdims: attr.int(1) });
  const index = g.op('Expand', [
    g.op('Unsqueeze', [eos, g.int64s('axes', [2])]),
    g.op('Concat', [g.op('Shape', [eos]), g.int64s('width', [o.width])], { axis: attr.int(0) }),
  ]);
  const pooled = g.op('Squeeze', [g.op('GatherElements', [last, index], { axis: attr.int(1) }), g.int64s('axes', [1])]);
  if (o.projection)
    net.floatOutput(net.linear(pooled, 'text_projection', o.width, o.projection), 'text_embeds', ['batch_size', o.projection]);
  else net.floatOutput(pooled, 'pooler_output', ['batch_size', o.width]);
  if (o.hiddenStates) states.forEach((s, i) => net.floatOutput(s, `hidden_states.${i}`, dims));
  await net.write(file);
}

/** Sinusoidal embedding of a [n] float vector: [n, dim], cosines then sines (diffusers' flip_sin_to_cos). */
function sinusoid(net: Net, x: string, dim: number): string {
  const half = dim / 2;
  const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const args = net.g.op('Mul', [
    net.g.op('Unsqueeze', [x, net.g.int64s('axes', [-1])]),
    net.g.initializer(net.g.fresh('freqs'), 'float32', [1, half], freqs),
  ]);
  return net.g.op('Concat', [net.g.op('Cos', [args]), net.g.op('Sin', [args])], { axis: attr.int(-1) });
}

/** The variance of scaled latents, which SD's VAE scaling factor makes about 1. */
const DATA_VARIANCE = 1;

/**
 * Per training timestep, the factor that turns the UNet's scaled input x/√(σ²+1) into the ideal
 * noise estimate σx/(s²+σ²) for Gaussian data of variance s² (SD's scaled_linear betas give σ):
 * the optimal denoiser a trained network approximates, so img2img strength and inpainting behave
 * as they do on real models.
 */
function denoiserGain(): Float32Array {
  const out = new Float32Array(1000);
  let cumprod = 1;
  for (let t = 0; t < 1000; t++) {
    const beta = (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * t) / 999) ** 2;
    cumprod *= 1 - beta;
    const sigma2 = (1 - cumprod) / cumprod;
    out[t] = (Math.sqrt(sigma2) * Math.sqrt(sigma2 + 1)) / (DATA_VARIANCE + sigma2);
  }
  return out;
}

/**
 * A residual conv UNet stand-in (one resolution, no attention): conv_in, residual blocks that add
 * a time + text embedding per channel, conv_out, plus a path from the first 4 input channels
 * scaled as the ideal denoiser's (see denoiserGain), so images stay in range and sampling
 * behaves like a trained model's.
 */
async function writeUnet(
  file: string,
  net: Net,
  o: { inChannels: number; channels: number; blocks: number; crossDim: number; xl: boolean; controlnet: boolean },
): Promise<void> {
  const { g } = net;
  const C = o.channels;
  const residualDims = ['batch_size', C, 'height', 'width'];
  const sample = net.floatInput('sample', ['batch_size', o.inChannels, 'height', 'width']);
  const timestep = g.input('timestep', 'int64', ['steps']);
  const hidden = net.floatInput('encoder_hidden_states', ['batch_size', 'sequence_length', o.crossDim]);
  const t = g.op('Cast', [timestep], { to: attr.int(onnxDataType('float32')) });
  let emb = net.linear(net.silu(net.linear(sinusoid(net, t, 32), 'time_embedding.linear_1', 32, C)), 'time_embedding.linear_2', C, C);
  const text = g.op('ReduceMean', [hidden], { axes: attr.ints([1]), keepdims: attr.int(0) });
  emb = g.op('Add', [emb, net.linear(text, 'text_proj', o.crossDim, C)]);
  if (o.xl) {
    const textEmbeds = net.floatInput('text_embeds', ['batch_size', XL_POOLED]);
    const timeIds = net.floatInput('time_ids', ['batch_size', 6]);
    const timeEmb = g.op('Flatten', [sinusoid(net, g.op('Flatten', [timeIds], { axis: attr.int(0) }), 8)], { axis: attr.int(0) });
    const perItem = g.op('Reshape', [timeEmb, g.int64s('shape', [-1, 48])]);
    emb = g.op('Add', [
      emb,
      net.linear(g.op('Concat', [textEmbeds, perItem], { axis: attr.int(1) }), 'add_embedding.linear_1', XL_POOLED + 48, C),
    ]);
  }
  const embMap = g.op('Unsqueeze', [net.silu(emb), g.int64s('axes', [2, 3])]);
  let h = net.conv(sample, 'conv_in', o.inChannels, C, 3);
  for (let b = 0; b < o.blocks; b++) {
    const inner = net.conv(net.silu(h), `blocks.${b}.conv1`, C, C, 3);
    const conditioned = g.op('Add', [inner, g.op('Mul', [embMap, net.random(`blocks.${b}.emb_scale`, [1, C, 1, 1], 0.5)])]);
    h = g.op('Add', [h, net.conv(net.silu(conditioned), `blocks.${b}.conv2`, C, C, 3, 0.5)]);
    if (o.controlnet) h = g.op('Add', [h, net.floatInput(`down_block_additional_residuals_${b}`, residualDims)]);
  }
  if (o.controlnet) h = g.op('Add', [h, net.floatInput('mid_block_additional_residual', residualDims)]);
  const residual = net.conv(net.silu(h), 'conv_out', C, 4, 3, 0.1);
  const skip = o.inChannels === 4 ? sample : g.op('Slice', [sample, g.int64s('starts', [0]), g.int64s('ends', [4]), g.int64s('axes', [1])]);
  const gain = g.op('Gather', [
    g.initializer('denoise_gain', 'float32', [1000], denoiserGain()),
    g.op('Clip', [timestep, g.scalar('t_min', 'int64', 0), g.scalar('t_max', 'int64', 999)]),
  ]);
  const scaledSkip = g.op('Mul', [skip, g.op('Unsqueeze', [gain, g.int64s('axes', [1, 2, 3])])]);
  net.floatOutput(g.op('Add', [scaledSkip, residual]), 'out_sample', ['batch_size', 4, 'height', 'width']);
  await net.write(file);
}

/** Latent channels from RGB: the identity on R, G, B plus a luminance channel, at the magnitude of SD's VAE latents (std ≈ 1 / scaling factor). */
const VAE_GAIN = 8;
const ENCODE = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [0.3, 0.3, 0.3],
];

/** (MᵀM)⁻¹Mᵀ of ENCODE: the decoder's 1×1 conv undoes the encoder's. */
function decodeMatrix(): number[][] {
  const m = ENCODE;
  const mtm = [0, 1, 2].map((i) => [0, 1, 2].map((j) => m.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  // Inverse of the 3×3 by cofactors.
  const [[a, b, c], [d, e, f], [gg, h, i]] = mtm as [[number, number, number], [number, number, number], [number, number, number]];
  const det = a * (e * i - f * h) - b * (d * i - f * gg) + c * (d * h - e * gg);
  const inv = [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * gg - d * i) / det, (a * i - c * gg) / det, (c * d - a * f) / det],
    [(d * h - e * gg) / det, (b * gg - a * h) / det, (a * e - b * d) / det],
  ];
  return [0, 1, 2].map((r) => [0, 1, 2, 3].map((col) => [0, 1, 2].reduce((s, k) => s + inv[r]![k]! * m[col]![k]!, 0)));
}

/** VAE encoder stand-in: 8×8 mean, the 3→4 channel map, a small random 3×3 correction. Deterministic (the mean), named latent_sample as exports of vae.encode(x).latent_dist.mean are. */
async function writeVaeEncoder(file: string, net: Net): Promise<void> {
  const { g } = net;
  const x = net.floatInput('sample', ['batch_size', 3, 'height', 'width']);
  const pooled = g.op('AveragePool', [x], { kernel_shape: attr.ints([8, 8]), strides: attr.ints([8, 8]) });
  const w = Float32Array.from(ENCODE.flat().map((v) => v * VAE_GAIN));
  const z = g.op('Conv', [pooled, net.param('quant_conv.weight', [4, 3, 1, 1], w)]);
  net.floatOutput(g.op('Add', [z, net.conv(pooled, 'encoder.conv', 3, 4, 3, 0.05)]), 'latent_sample', [
    'batch_size',
    4,
    'latent_height',
    'latent_width',
  ]);
  await net.write(file);
}

/** VAE decoder stand-in: the inverse channel map, ×8 nearest upsampling, a small random 3×3 residual. */
async function writeVaeDecoder(file: string, net: Net): Promise<void> {
  const { g } = net;
  const z = net.floatInput('latent_sample', ['batch_size', 4, 'latent_height', 'latent_width']);
  const w = Float32Array.from(
    decodeMatrix()
      .flat()
      .map((v) => v / VAE_GAIN),
  );
  const rgb = g.op('Conv', [z, net.param('post_quant_conv.weight', [3, 4, 1, 1], w)]);
  const up = g.op('Resize', [rgb, '', g.initializer('scales', 'float32', [4], [1, 1, 8, 8])], { mode: attr.string('nearest') });
  net.floatOutput(g.op('Add', [up, net.conv(up, 'decoder.conv_out', 3, 3, 3, 0.02)]), 'sample', ['batch_size', 3, 'height', 'width']);
  await net.write(file);
}

const SCHEDULER = {
  sd1: {
    _class_name: 'PNDMScheduler',
    _diffusers_version: '0.30.0',
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    clip_sample: false,
    num_train_timesteps: 1000,
    set_alpha_to_one: false,
    skip_prk_steps: true,
    steps_offset: 1,
    trained_betas: null,
  },
  sdxl: {
    _class_name: 'EulerDiscreteScheduler',
    _diffusers_version: '0.30.0',
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    interpolation_type: 'linear',
    num_train_timesteps: 1000,
    prediction_type: 'epsilon',
    sample_max_value: 1.0,
    steps_offset: 1,
    timestep_spacing: 'leading',
    trained_betas: null,
    use_karras_sigmas: false,
  },
};

function putFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Writes a tiny Stable Diffusion model folder at `dir` in optimum's ONNX export layout. */
export async function writeTinySd(dir: string, options: TinySdOptions): Promise<void> {
  const xl = options.base === 'sdxl';
  const float: Float = options.fp16 ? 'float16' : 'float32';
  const weights = new Weights(options.seed ?? 1);
  const external = options.externalData ?? false;
  const net = (name: string, ext = false) => new Net(name, float, weights, ext);
  const at = (name: string) => path.join(dir, name, 'model.onnx');
  const json = (file: string, value: unknown) => putFile(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
  const sampleSize = options.sampleSize ?? 8;
  const inChannels = options.inpainting ? 9 : 4;
  const crossDim = xl ? WIDTH.xl1 + WIDTH.xl2 : WIDTH.sd1;
  const scaling = xl ? 0.13025 : 0.18215;

  const component = ['diffusers', 'OnnxRuntimeModel'];
  json('model_index.json', {
    _class_name: xl
      ? 'ORTStableDiffusionXLPipeline'
      : options.inpainting
        ? 'OnnxStableDiffusionInpaintPipeline'
        : 'OnnxStableDiffusionPipeline',
    _diffusers_version: '0.30.0',
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', SCHEDULER[options.base]._class_name],
    text_encoder: component,
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: component,
    vae_decoder: component,
    ...(options.vaeEncoder === false ? {} : { vae_encoder: component }),
    ...(xl ? { text_encoder_2: component, tokenizer_2: ['transformers', 'CLIPTokenizer'], force_zeros_for_empty_prompt: true } : {}),
  });
  json('scheduler/scheduler_config.json', SCHEDULER[options.base]);
  for (const [file, content] of Object.entries(tokenizerFiles(false))) putFile(path.join(dir, 'tokenizer', file), content);
  if (xl) for (const [file, content] of Object.entries(tokenizerFiles(true))) putFile(path.join(dir, 'tokenizer_2', file), content);

  const clip = (width: number, projection: boolean) => ({
    architectures: [projection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel'],
    hidden_size: width,
    intermediate_size: 2 * width,
    max_position_embeddings: MAX_TOKENS,
    num_hidden_layers: 2,
    vocab_size: vocabSize(),
    ...(projection ? { projection_dim: XL_POOLED } : {}),
  });
  json('text_encoder/config.json', clip(xl ? WIDTH.xl1 : WIDTH.sd1, false));
  await writeTextEncoder(at('text_encoder'), net('text_encoder', external), {
    width: xl ? WIDTH.xl1 : WIDTH.sd1,
    layers: 2,
    hiddenStates: xl,
    projection: null,
  });
  if (xl) {
    json('text_encoder_2/config.json', clip(WIDTH.xl2, true));
    await writeTextEncoder(at('text_encoder_2'), net('text_encoder_2', external), {
      width: WIDTH.xl2,
      layers: 2,
      hiddenStates: true,
      projection: XL_POOLED,
    });
  }
  json('unet/config.json', {
    _class_name: 'UNet2DConditionModel',
    sample_size: sampleSize,
    in_channels: inChannels,
    out_channels: 4,
    cross_attention_dim: crossDim,
    ...(xl ? { addition_embed_type: 'text_time', projection_class_embeddings_input_dim: XL_POOLED + 48 } : {}),
  });
  const unetWeights = weights.clone();
  const unet = { inChannels, channels: options.channels ?? 16, blocks: options.blocks ?? 2, crossDim, xl };
  await writeUnet(at('unet'), net('unet', external), { ...unet, controlnet: false });
  // OnnxStack/Amuse keep the UNet a ControlNet feeds beside the plain one: the same weights (the same seed) plus the residual inputs.
  if (options.controlnet) await writeUnet(at('controlnet'), new Net('unet', float, unetWeights, external), { ...unet, controlnet: true });
  const vae = { _class_name: 'AutoencoderKL', latent_channels: 4, sample_size: sampleSize * 8, scaling_factor: scaling };
  json('vae_decoder/config.json', vae);
  await writeVaeDecoder(at('vae_decoder'), net('vae_decoder'));
  if (options.vaeEncoder !== false) {
    json('vae_encoder/config.json', vae);
    await writeVaeEncoder(at('vae_encoder'), net('vae_encoder'));
  }
}

/**
 * A Real-ESRGAN-style upscaler (the layout of its ONNX exports: `input` [1, 3, h, w] in [0, 1] →
 * `output` [1, 3, h·s, w·s]): convs with LeakyReLU, a conv to 3·s² channels and DepthToSpace
 * (PyTorch's PixelShuffle), plus a nearest-upsampled skip so random weights still give a picture.
 * Writes `<dir>/model.onnx`.
 */
export interface TinyControlNetOptions {
  base: TinyBase;
  /** The tiny UNet's width and block count it feeds (writeTinySd's, default 16 and 2). */
  channels?: number;
  blocks?: number;
  seed?: number;
}

/**
 * A tiny ControlNet in the layout OnnxStack and Amuse use: the UNet's sample, timestep and
 * encoder_hidden_states plus controlnet_cond ([B, 3, H, W] in [0, 1]) and conditioning_scale, giving
 * `down_block_res_samples_<i>` per UNet block and `mid_block_res_sample`, scaled by
 * conditioning_scale. The control image is pooled to latent size and mixed with the sample, so
 * the residuals (and the image) follow it.
 */
export async function writeTinyControlNet(dir: string, options: TinyControlNetOptions): Promise<void> {
  const C = options.channels ?? 16;
  const blocks = options.blocks ?? 2;
  const xl = options.base === 'sdxl';
  const net = new Net('controlnet', 'float32', new Weights(options.seed ?? 11));
  const { g } = net;
  const sample = net.floatInput('sample', ['batch_size', 4, 'height', 'width']);
  g.input('timestep', 'int64', ['steps']);
  net.floatInput('encoder_hidden_states', ['batch_size', 'sequence_length', xl ? WIDTH.xl1 + WIDTH.xl2 : WIDTH.sd1]);
  const cond = net.floatInput('controlnet_cond', ['batch_size', 3, 'image_height', 'image_width']);
  const scale = net.floatInput('conditioning_scale', []);
  const pooled = g.op('AveragePool', [cond], { kernel_shape: attr.ints([8, 8]), strides: attr.ints([8, 8]) });
  let h = g.op('Add', [net.conv(sample, 'conv_in', 4, C, 3), net.conv(pooled, 'controlnet_cond_embedding.conv_in', 3, C, 3, 4)]);
  const dims = ['batch_size', C, 'height', 'width'];
  for (let b = 0; b < blocks; b++) {
    h = g.op('Add', [h, net.conv(net.silu(h), `down_blocks.${b}.conv`, C, C, 3, 0.5)]);
    g.node('Mul', [net.conv(h, `controlnet_down_blocks.${b}`, C, C, 1, 2), scale], [`down_block_res_samples_${b}`]);
    g.output(`down_block_res_samples_${b}`, 'float32', dims);
  }
  g.node('Mul', [net.conv(h, 'controlnet_mid_block', C, C, 1, 2), scale], ['mid_block_res_sample']);
  g.output('mid_block_res_sample', 'float32', dims);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ _class_name: 'ControlNetModel', cross_attention_dim: xl ? 80 : 32 }, null, 2),
  );
  await net.write(path.join(dir, 'model.onnx'));
}

export interface TinyLoraOptions {
  base: TinyBase;
  /** kohya's key names (lora_unet_…, lora_te_…) or diffusers/peft's (unet.….lora_A.weight). */
  format: 'kohya' | 'peft';
  rank?: number;
  /** The tiny UNet's width it is made for (writeTinySd's `channels`, default 16). */
  channels?: number;
  seed?: number;
}

/** A LoRA layer of a tiny LoRA: where it goes, torch's [out, in…] weight shape, and its values. */
export interface TinyLoraLayer {
  target: 'unet' | 'text_encoder' | 'text_encoder_2';
  module: string;
  up: { shape: number[]; values: Float32Array };
  down: { shape: number[]; values: Float32Array };
  alpha: number;
}

/**
 * A seeded random LoRA for the tiny models: a conv and a linear layer of the UNet and the first
 * MLP layer of each text encoder, with alpha = rank / 2 (a scale of 0.5), as a .safetensors file.
 */
export function writeTinyLora(file: string, options: TinyLoraOptions): TinyLoraLayer[] {
  const rank = options.rank ?? 2;
  const C = options.channels ?? 16;
  const xl = options.base === 'sdxl';
  const w = new Weights(options.seed ?? 7);
  const layer = (target: TinyLoraLayer['target'], module: string, out: number, inner: number[]): TinyLoraLayer => {
    const k = inner.reduce((a, b) => a * b, 1);
    return {
      target,
      module,
      down: { shape: [rank, ...inner], values: w.normal(rank * k, 0.3) },
      up: { shape: [out, rank, ...inner.slice(1).map(() => 1)], values: w.normal(out * rank, 0.3) },
      alpha: rank / 2,
    };
  };
  const layers = [
    layer('unet', 'blocks.0.conv1', C, [C, 3, 3]),
    layer('unet', 'text_proj', C, [xl ? WIDTH.xl1 + WIDTH.xl2 : WIDTH.sd1]),
    layer('text_encoder', 'text_model.encoder.layers.0.mlp.fc1', 2 * (xl ? WIDTH.xl1 : WIDTH.sd1), [xl ? WIDTH.xl1 : WIDTH.sd1]),
    ...(xl ? [layer('text_encoder_2', 'text_model.encoder.layers.0.mlp.fc1', 2 * WIDTH.xl2, [WIDTH.xl2])] : []),
  ];
  const tensors: Record<string, { shape: number[]; values: Float32Array; dtype: 'F16' | 'F32' }> = {};
  for (const l of layers) {
    if (options.format === 'kohya') {
      const prefix = l.target === 'unet' ? 'lora_unet' : xl ? (l.target === 'text_encoder' ? 'lora_te1' : 'lora_te2') : 'lora_te';
      const key = `${prefix}_${l.module.replace(/\./g, '_')}`;
      tensors[`${key}.lora_down.weight`] = { ...l.down, dtype: 'F16' };
      tensors[`${key}.lora_up.weight`] = { ...l.up, dtype: 'F16' };
      tensors[`${key}.alpha`] = { shape: [], values: Float32Array.of(l.alpha), dtype: 'F32' };
    } else {
      const key = `${l.target}.${l.module}`;
      tensors[`${key}.lora_A.weight`] = { ...l.down, dtype: 'F32' };
      tensors[`${key}.lora_B.weight`] = { ...l.up, dtype: 'F32' };
      tensors[`${key}.alpha`] = { shape: [], values: Float32Array.of(l.alpha), dtype: 'F32' };
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeSafetensors(file, tensors, { ss_base_model_version: xl ? 'sdxl_base_v1-0' : 'sd_v1' });
  // What the file holds, as read back (kohya's are float16).
  if (options.format === 'kohya')
    for (const l of layers) {
      l.down.values = fromFloat16(toFloat16(l.down.values));
      l.up.values = fromFloat16(toFloat16(l.up.values));
    }
  return layers;
}

export async function writeTinyUpscaler(dir: string, options: TinyUpscalerOptions): Promise<string> {
  const s = options.scale;
  const C = options.channels ?? 8;
  const net = new Net(`realesrgan_x${s}`, 'float32', new Weights(options.seed ?? 2), false);
  const { g } = net;
  const x = g.input('input', 'float32', [1, 3, 'height', 'width']);
  const lrelu = (v: string) => g.op('LeakyRelu', [v], { alpha: attr.float(0.2) });
  let h = lrelu(net.conv(x, 'conv_first', 3, C, 3));
  h = lrelu(g.op('Add', [h, net.conv(h, 'body.0', C, C, 3, 0.5)]));
  const shuffled = g.op('DepthToSpace', [net.conv(h, 'conv_last', C, 3 * s * s, 3, 0.1)], {
    blocksize: attr.int(s),
    mode: attr.string('CRD'),
  });
  const skip = g.op('Resize', [x, '', g.initializer('scales', 'float32', [4], [1, 1, s, s])], { mode: attr.string('nearest') });
  g.node('Add', [skip, shuffled], ['output']);
  g.output('output', 'float32', [1, 3, `height*${s}`, `width*${s}`]);
  const file = path.join(dir, 'model.onnx');
  await g.write(file);
  return file;
}

/**
 * A tiny Depth Anything in the layout of its ONNX exports (HF `DepthAnythingForDepthEstimation`):
 * `pixel_values` [1, 3, H, W] (ImageNet-normalised RGB) → `predicted_depth` [1, H, W], relative
 * inverse depth (larger is nearer). Two convolutions stand in for the ViT and the DPT head.
 */
export async function writeTinyDepthAnything(dir: string, options: { channels?: number; seed?: number } = {}): Promise<string> {
  const C = options.channels ?? 4;
  const net = new Net('depth_anything', 'float32', new Weights(options.seed ?? 3), false);
  const { g } = net;
  const x = g.input('pixel_values', 'float32', [1, 3, 'height', 'width']);
  const h = g.op('Relu', [net.conv(x, 'backbone.embeddings', 3, C, 3)]);
  const depth = g.op('Relu', [net.conv(h, 'head.conv3', C, 1, 3)]);
  g.node('Squeeze', [depth, g.int64s('channel_axis', [1])], ['predicted_depth']);
  g.output('predicted_depth', 'float32', [1, 'height', 'width']);
  const file = path.join(dir, 'model.onnx');
  await g.write(file);
  return file;
}

async function cli(argv: string[]): Promise<void> {
  const takesValue = new Set(['--base', '--channels', '--blocks', '--sample-size', '--seed', '--upscaler']);
  const out = argv.find((a, i) => !a.startsWith('--') && !takesValue.has(argv[i - 1] ?? ''));
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string) => (value(name) === undefined ? undefined : Number(value(name)));
  if (!out || flag('help')) {
    console.log(
      'usage: generate.ts <out-dir> [--base sd1|sdxl] [--fp16] [--inpainting] [--external-data] [--channels N] [--blocks N] [--sample-size N] [--seed N]\n       generate.ts <out-dir> --upscaler 2|4 [--channels N] [--seed N]',
    );
    process.exitCode = out ? 0 : 2;
    return;
  }
  const upscale = num('upscaler');
  if (upscale !== undefined) {
    if (upscale !== 2 && upscale !== 4) throw new Error('--upscaler takes 2 or 4');
    console.log(await writeTinyUpscaler(out, { scale: upscale, channels: num('channels'), seed: num('seed') }));
    return;
  }
  const base = value('base') ?? 'sd1';
  if (base !== 'sd1' && base !== 'sdxl') throw new Error('--base takes sd1 or sdxl');
  await writeTinySd(out, {
    base,
    fp16: flag('fp16'),
    inpainting: flag('inpainting'),
    externalData: flag('external-data'),
    channels: num('channels'),
    blocks: num('blocks'),
    sampleSize: num('sample-size'),
    seed: num('seed'),
  });
  console.log(out);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
