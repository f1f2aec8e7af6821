import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { AiPool, RunTiming } from '../pool';
import type { LoadedSession, TaskContext, WorkerTask } from '../worker-runtime';
import { readModelFolder, readVaeFolder, type DiffusionModelFolder, type OnnxComponent, type SdBase } from './model-folder';
import { mergedModel, readLora, type LoraSpec, type LoraTarget } from './lora';
import { readControlNetFolder, residualNames, type ControlNetFolder } from './controlnet';
import { estimateDepth } from './depth';
import { GaussianNoise, resolveSeed } from './noise';
import { stepPreview, type StepPreview } from './preview';
import { createScheduler, SCHEDULER_NAMES, type SchedulerName } from './schedulers';
import { requireTensor, sessionIo } from './session-io';
import { chwToImage, floatTensor, imageToChw, numberTensor, readFloats } from './tensors';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer';

// Text-to-image, image-to-image and inpainting with Stable Diffusion 1.x, 2.x and SDXL as HF's
// ONNX exports lay them out, following diffusers' StableDiffusion(XL)(Img2Img|Inpaint)Pipeline.
// The whole denoising loop runs inside the worker: one request, progress (with an optional latent
// preview) after every step, cancellation between steps.

export interface DiffusionInput {
  /** The model folder (see model-folder.ts). */
  model: string;
  providers?: ExecutionProvider[];
  prompt: string;
  negativePrompt: string;
  /** Multiples of 8 within the model's bounds (`sizeLimits`). */
  width: number;
  height: number;
  steps: number;
  /** Classifier-free guidance; 1 or less turns it off (one UNet pass per step). */
  guidanceScale: number;
  scheduler: SchedulerName;
  karras: boolean;
  /** A resolved seed (never −1); image b of a batch uses seed + b. */
  seed: number;
  /** How many images (default 1). */
  batchSize?: number;
  /** img2img and inpainting: the starting image as RGB bytes of width × height, and how much of it to redraw. */
  image?: { rgb: Uint8Array; strength: number };
  /** Inpainting: one byte per pixel, 128 or more where the image is redrawn (white, as in diffusers). Needs `image`. */
  mask?: Uint8Array;
  /** A latent preview every this many steps (and on the last); 0 or absent: none. */
  previewEvery?: number;
  /** SDXL micro-conditioning; absent: the output size, no crop (as diffusers defaults it). An SD 1.x/2.x model refuses it rather than drop it. */
  sizeConditioning?: SizeConditioning;
  /** A separately installed VAE folder (see `readVaeFolder`) that decodes (and encodes) instead of the checkpoint's. */
  vae?: string;
  /** LoRAs merged into the UNet and text encoders' weights (see lora.ts), each with its weight (0 leaves the model as it is). */
  loras?: LoraSpec[];
  /** Where merged models are cached (the catalog's models/.lora-cache); default a folder in the system's temp directory. */
  loraCacheDir?: string;
  /**
   * A ControlNet (see controlnet.ts) steering the steps from `begin` to `end` (fractions of the run) with its control image.
   * The model folder needs controlnet/model.onnx, its UNet with residual inputs.
   */
  controlnet?: ControlInput;
}

export interface ControlInput {
  /** The ControlNet folder. */
  model: string;
  /** The control image (e.g. canny edges) as RGB bytes of width × height. */
  image: Uint8Array;
  /** conditioning_scale: how strongly it steers (0 leaves the model as it is). */
  weight: number;
  /** The first and last fractions of the steps it applies to, 0 ≤ begin < end ≤ 1. */
  begin: number;
  end: number;
  /** A Depth Anything export (see depth.ts): the control image is its depth map of `image`, made in the worker first. */
  depth?: string;
}

/** The step indices a ControlNet applies to out of `steps`: InvokeAI's floor(begin·n) to ceil(end·n) − 1. */
export function controlSteps(steps: number, begin: number, end: number): { first: number; last: number } {
  return { first: Math.floor(begin * steps), last: Math.ceil(end * steps) - 1 };
}

/** SDXL's `add_time_ids`: the size the model is told the source had, its crop, and the size it aims for. */
export interface SizeConditioning {
  originalWidth: number;
  originalHeight: number;
  cropTop: number;
  cropLeft: number;
  targetWidth: number;
  targetHeight: number;
}

/** The ONNX files a run loads for the UNet and text encoders: the model's own, or with LoRAs merged in. */
interface ComponentFiles {
  unet: string;
  textEncoder: string;
  textEncoder2: string | null;
}

function componentFiles(model: DiffusionModelFolder, input: DiffusionInput): ComponentFiles {
  const own = {
    unet: input.controlnet ? controlUnetFile(model) : model.unet.model,
    textEncoder: model.textEncoder.model,
    textEncoder2: model.textEncoder2?.model ?? null,
  };
  if (!input.loras?.length) return own;
  const loras = input.loras.map((spec) => ({ spec, layers: readLora(spec) }));
  const cacheDir = input.loraCacheDir ?? path.join(os.tmpdir(), 'atelier-lora-cache');
  const merge = (file: string, target: LoraTarget) => mergedModel(file, loras, { cacheDir, target });
  const targets = new Set(loras.flatMap((l) => l.layers.map((x) => x.target)));
  if (targets.has('text_encoder_2') && !own.textEncoder2)
    throw new AiError('bad_input', `A LoRA has layers for a second text encoder, which ${model.base} models lack; is it for SDXL?`);
  return {
    unet: merge(own.unet, 'unet'),
    textEncoder: merge(own.textEncoder, 'text_encoder'),
    textEncoder2: own.textEncoder2 && merge(own.textEncoder2, 'text_encoder_2'),
  };
}

/**
 * The UNet a ControlNet feeds: the checkpoint's controlnet/model.onnx, the UNet exported with the
 * down/mid block residual inputs, as OnnxStack and Amuse lay a model out.
 */
function controlUnetFile(model: DiffusionModelFolder): string {
  const file = path.join(model.dir, 'controlnet', 'model.onnx');
  if (!fs.existsSync(file))
    throw new AiError(
      'bad_input',
      `${path.basename(model.dir)} has no ControlNet UNet (controlnet/model.onnx: its UNet exported with down_block/mid_block residual inputs, as OnnxStack and Amuse lay it out)`,
    );
  return file;
}

interface ControlRun {
  unetFile: string;
  session: LoadedSession;
  info: ControlNetFolder;
  /** The control image as CHW in [0, 1]. */
  cond: Float32Array;
  steps: { first: number; last: number };
}

async function controlFor(
  ctx: TaskContext,
  model: DiffusionModelFolder,
  input: DiffusionInput,
  providers: ExecutionProvider[] | undefined,
): Promise<ControlRun> {
  const c = input.controlnet!;
  const info = readControlNetFolder(c.model);
  if (info.base && info.base !== model.base)
    throw new AiError('bad_input', `The ControlNet is for ${info.base} models; this model is ${model.base}`);
  const image = c.depth ? await estimateDepth(ctx, c.depth, c.image, input.width, input.height, providers) : c.image;
  const chw = imageToChw(image, input.width, input.height).map((v) => (v + 1) / 2);
  return {
    unetFile: componentFiles(model, input).unet,
    session: await ctx.session({ model: info.file, providers }),
    info,
    cond: chw,
    steps: controlSteps(input.steps, c.begin, c.end),
  };
}

interface ResidualRequest {
  /** The UNet pass's fixed feeds (encoder_hidden_states, SDXL's text_embeds/time_ids), which the ControlNet takes too. */
  feeds: Record<string, Ort.Tensor>;
  sample: [name: string, values: Float32Array, dims: number[], type: string];
  timestep: [name: string, t: number, count: number, type: string];
  batch: number;
  weight: number;
  /** Inside the begin/end window: otherwise the residuals are zero. */
  active: boolean;
  size: [height: number, width: number];
  /** The UNet's residual inputs' element types (an fp16 UNet takes float16). */
  unetTypes: Record<string, string>;
}

/** The ControlNet's residuals for one UNet pass, keyed by the UNet's input names (zero outside the window). */
async function controlResiduals(
  ctx: TaskContext,
  control: ControlRun,
  unetNames: { down: string[]; mid: string | null },
  r: ResidualRequest,
): Promise<Record<string, Ort.Tensor>> {
  const cio = sessionIo(control.session.session);
  const typeOf = (name: string) => cio.inputs.find((v) => v.name === name)?.type ?? 'float32';
  const weight = r.active ? r.weight : 0;
  const feeds: Record<string, Ort.Tensor> = {};
  for (const v of cio.inputs) if (r.feeds[v.name]) feeds[v.name] = r.feeds[v.name]!;
  feeds.sample = floatTensor(ctx.ort, typeOf('sample'), r.sample[1], r.sample[2], 'controlnet sample');
  const [, t, count] = r.timestep;
  feeds.timestep = numberTensor(
    ctx.ort,
    typeOf('timestep'),
    Array<number>(Math.max(1, count)).fill(t),
    count ? [count] : [],
    'controlnet timestep',
  );
  const [h, w] = r.size;
  const cond = r.batch === 2 ? concat(control.cond, control.cond) : control.cond;
  feeds.controlnet_cond = floatTensor(ctx.ort, typeOf('controlnet_cond'), cond, [r.batch, 3, h, w], 'controlnet controlnet_cond');
  if (control.info.scaleInput) {
    const dims = cio.inputs.find((v) => v.name === control.info.scaleInput)!.dims;
    feeds[control.info.scaleInput] = floatTensor(
      ctx.ort,
      typeOf(control.info.scaleInput),
      Float32Array.of(weight),
      dims.length ? [1] : [],
      'controlnet conditioning_scale',
    );
  }
  const out = await ctx.run(control.session, feeds);
  const result: Record<string, Ort.Tensor> = {};
  const names = [...control.info.down, control.info.mid];
  const targets = [...unetNames.down, unetNames.mid!];
  names.forEach((name, k) => {
    const tensor = out[name]!;
    const values = readFloats(tensor, `controlnet ${name}`);
    // An export without conditioning_scale leaves the scaling to the caller.
    const scaled = control.info.scaleInput ? values : values.map((v) => v * weight);
    const target = targets[k]!;
    result[target] = floatTensor(ctx.ort, r.unetTypes[target] ?? 'float32', scaled, tensor.dims as number[], `unet ${target}`);
  });
  return result;
}

/** diffusers' `_get_add_time_ids` order: original (h, w), crop (top, left), target (h, w). */
export function sdxlTimeIds(width: number, height: number, size?: SizeConditioning): number[] {
  if (!size) return [height, width, 0, 0, height, width];
  return [size.originalHeight, size.originalWidth, size.cropTop, size.cropLeft, size.targetHeight, size.targetWidth];
}

export interface DiffusionOutput {
  /** The first image: RGB bytes, width × height × 3. */
  rgb: Uint8Array;
  /** Every image of the batch (the first is `rgb`), and each one's seed. */
  images: Uint8Array[];
  seeds: number[];
  /** How the mask was applied: a 9-channel inpainting UNet, or latent blending with an ordinary one. */
  inpaint: 'unet' | 'blend' | null;
  width: number;
  height: number;
  seed: number;
  base: SdBase;
  /** The steps that ran (fewer than asked for with img2img). */
  steps: number;
  /** The prompt or negative prompt was longer than the text encoder's 75 tokens and was cut. */
  truncatedPrompt: boolean;
}

export interface DiffusionProgress {
  step: number;
  steps: number;
  /** Which image of the batch, from 1. */
  image: number;
  images: number;
  preview?: StepPreview;
}

/** Text embeddings: [batch, seq, width], and SDXL's pooled [batch, 1280]. */
interface Embeddings {
  tokens: Float32Array;
  pooled: Float32Array | null;
  batch: number;
  seq: number;
  /** The prompt had more than 75 tokens and lost its tail. */
  truncated: boolean;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Two batch-1 embeddings as one batch of 2. */
const stack = (a: Embeddings, b: Embeddings): Embeddings => ({
  tokens: concat(a.tokens, b.tokens),
  pooled: a.pooled && b.pooled && concat(a.pooled, b.pooled),
  batch: 2,
  seq: a.seq,
  truncated: a.truncated || b.truncated,
});

const tokenizers = new Map<string, Promise<ClipTokenizer>>();
/** Tokenizers are plain data and slow-ish to build (49k merges): one per folder per worker. */
function tokenizerFor(dir: string): Promise<ClipTokenizer> {
  let t = tokenizers.get(dir);
  if (!t) {
    t = loadClipTokenizer(dir);
    tokenizers.set(dir, t);
    t.catch(() => tokenizers.delete(dir));
  }
  return t;
}

/** The penultimate layer's output (`hidden_states.N−1`), which SDXL conditions on. */
function penultimate(outputs: readonly string[], component: string): string {
  const layers = outputs
    .map((n) => /^hidden_states\.(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (layers.length < 2)
    throw new AiError(
      'model_load_failed',
      `${component} does not output its hidden states (hidden_states.N), which SDXL needs; outputs: ${outputs.join(', ')}`,
    );
  return `hidden_states.${Math.max(...layers) - 1}`;
}

async function encodeText(
  ctx: TaskContext,
  loaded: LoadedSession,
  component: OnnxComponent,
  tokenizer: ClipTokenizer,
  text: string,
  xl: 'first' | 'second' | null,
): Promise<Embeddings> {
  const io = sessionIo(loaded.session);
  const idsInput = requireTensor(io.inputs, ['input_ids'], component.name);
  const { ids, truncated } = tokenizer.encode(text);
  const feeds = { [idsInput.name]: numberTensor(ctx.ort, idsInput.type, ids, [1, ids.length], `${component.name} input_ids`) };
  const out = await ctx.run(loaded, feeds);
  if (!xl) {
    const hidden = requireTensor(io.outputs, ['last_hidden_state'], component.name, 'output');
    return {
      tokens: readFloats(out[hidden.name]!, `${component.name} ${hidden.name}`),
      pooled: null,
      batch: 1,
      seq: ids.length,
      truncated,
    };
  }
  const layer = penultimate(
    io.outputs.map((o) => o.name),
    component.name,
  );
  const tokens = readFloats(out[layer]!, `${component.name} ${layer}`);
  if (xl === 'first') return { tokens, pooled: null, batch: 1, seq: ids.length, truncated };
  const pooled = requireTensor(io.outputs, ['text_embeds'], component.name, 'output');
  return { tokens, pooled: readFloats(out[pooled.name]!, `${component.name} text_embeds`), batch: 1, seq: ids.length, truncated };
}

/** Per-token concatenation of SDXL's two encoders: [77, 768] and [77, 1280] into [77, 2048]. */
function concatTokens(a: Float32Array, b: Float32Array, tokens: number): Float32Array {
  const wa = a.length / tokens;
  const wb = b.length / tokens;
  const out = new Float32Array(a.length + b.length);
  for (let t = 0; t < tokens; t++) {
    out.set(a.subarray(t * wa, (t + 1) * wa), t * (wa + wb));
    out.set(b.subarray(t * wb, (t + 1) * wb), t * (wa + wb) + wa);
  }
  return out;
}

async function promptEmbeddings(
  ctx: TaskContext,
  model: DiffusionModelFolder,
  providers: ExecutionProvider[] | undefined,
  text: string,
  files: ComponentFiles,
): Promise<Embeddings> {
  const tokenizer = await tokenizerFor(model.tokenizer);
  const first = await ctx.session({ model: files.textEncoder, providers });
  if (model.base !== 'sdxl') return encodeText(ctx, first, model.textEncoder, tokenizer, text, null);
  const a = await encodeText(ctx, first, model.textEncoder, tokenizer, text, 'first');
  const second = await ctx.session({ model: files.textEncoder2!, providers });
  const b = await encodeText(ctx, second, model.textEncoder2!, await tokenizerFor(model.tokenizer2!), text, 'second');
  return { tokens: concatTokens(a.tokens, b.tokens, a.seq), pooled: b.pooled, batch: 1, seq: a.seq, truncated: a.truncated || b.truncated };
}

/** A [mean, logvar] encoder output (8 channels) is sampled with our own noise; a 4-channel one is already a sample. */
function imageLatents(encoded: Float32Array, channels: number, noise: GaussianNoise): Float32Array {
  if (channels === 4) return encoded;
  if (channels !== 8)
    throw new AiError(
      'model_load_failed',
      `vae_encoder gives ${channels} channels; 4 (a sample) or 8 (mean and log-variance) were expected`,
    );
  const n = encoded.length / 2;
  const z = noise.normal(n);
  const out = new Float32Array(n);
  // diffusers clamps the log-variance to [−30, 20] before taking the standard deviation.
  for (let i = 0; i < n; i++) out[i] = encoded[i]! + Math.exp(0.5 * Math.min(20, Math.max(-30, encoded[n + i]!))) * z[i]!;
  return out;
}

/**
 * The guidance-scale embedding of guidance-distilled UNets (LCM; Meng et al. 2023, diffusers'
 * get_guidance_scale_embedding): sinusoids of 1000·w at frequencies 10000^(−i/(d/2−1)), sines
 * then cosines, zero-padded to an odd `dim`.
 */
export function guidanceEmbedding(w: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const step = Math.log(10000) / (half - 1);
  const out = new Float32Array(dim);
  for (let i = 0; i < half; i++) {
    const x = w * 1000 * Math.exp(-i * step);
    out[i] = Math.sin(x);
    out[half + i] = Math.cos(x);
  }
  return out;
}

/** Width and height bounds for a model: half its native size up to twice it (SDXL: 1.5×, past which it repeats subjects), in multiples of 8. */
export function sizeLimits(model: { base: SdBase; sampleSize: number }): { min: number; max: number } {
  const round8 = (v: number) => Math.max(8, Math.round(v / 8) * 8);
  return { min: round8(model.sampleSize / 2), max: round8(model.sampleSize * (model.base === 'sdxl' ? 1.5 : 2)) };
}

/** Refuses a size the model cannot make well, naming its base and the bounds. */
export function checkSize(model: { base: SdBase; sampleSize: number }, width: number, height: number): void {
  const { min, max } = sizeLimits(model);
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v % 8 || v < min || v > max)
      throw new AiError(
        'bad_input',
        `${name} must be a multiple of 8 from ${min} to ${max} for this ${model.base} model (native ${model.sampleSize}), got ${v}`,
      );
  }
}

/** The checkpoint with a separately installed VAE in place of its own (InvokeAI's vae_loader), or as it is. */
function withVae(model: DiffusionModelFolder, vaeDir: string | undefined): DiffusionModelFolder {
  if (!vaeDir) return model;
  const vae = readVaeFolder(vaeDir);
  return {
    ...model,
    vaeDecoder: vae.vaeDecoder,
    vaeEncoder: vae.vaeEncoder,
    vaeScalingFactor: vae.scalingFactor ?? model.vaeScalingFactor,
  };
}

export const MAX_BATCH = 8;

function checkInput(input: DiffusionInput): void {
  const { width, height, steps, guidanceScale, seed } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 8 || height < 8 || width % 8 || height % 8) {
    throw new AiError('bad_input', `width and height must be multiples of 8, got ${width}×${height}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000)
    throw new AiError('bad_input', `steps must be an integer from 1 to 1000, got ${steps}`);
  if (!Number.isFinite(guidanceScale) || guidanceScale < 0)
    throw new AiError('bad_input', `guidanceScale must be a number ≥ 0, got ${guidanceScale}`);
  if (!SCHEDULER_NAMES.includes(input.scheduler))
    throw new AiError('bad_input', `scheduler must be one of ${SCHEDULER_NAMES.join(', ')}, got ${input.scheduler}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    throw new AiError('bad_input', `seed must be resolved to a uint32 first, got ${seed}`);
  if (input.image && !(input.image.strength > 0 && input.image.strength <= 1))
    throw new AiError('bad_input', `strength must be in (0, 1], got ${input.image.strength}`);
  const batch = input.batchSize ?? 1;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH)
    throw new AiError('bad_input', `batch_size must be an integer from 1 to ${MAX_BATCH}, got ${batch}`);
  if (input.mask && !input.image) throw new AiError('bad_input', 'a mask needs the image it applies to');
  for (const [name, v] of Object.entries(input.sizeConditioning ?? {})) {
    if (!Number.isInteger(v) || v < 0 || v > 16384)
      throw new AiError('bad_input', `sizeConditioning.${name} must be an integer from 0 to 16384, got ${v}`);
  }
  if (input.mask && input.mask.length !== width * height)
    throw new AiError('bad_input', `the mask must have one byte per pixel (${width * height}), got ${input.mask.length}`);
  const every = input.previewEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) throw new AiError('bad_input', `previewEvery must be an integer ≥ 0, got ${every}`);
  const c = input.controlnet;
  if (c) {
    if (!(c.begin >= 0 && c.end <= 1 && c.begin < c.end))
      throw new AiError('bad_input', `the ControlNet's begin and end must satisfy 0 ≤ begin < end ≤ 1, got ${c.begin} and ${c.end}`);
    if (!Number.isFinite(c.weight)) throw new AiError('bad_input', `the ControlNet weight must be a number, got ${c.weight}`);
    if (c.image.length !== width * height * 3)
      throw new AiError('bad_input', `the control image must be RGB bytes of ${width}×${height}, got ${c.image.length} bytes`);
  }
}

/**
 * The mask at latent size, 1 where the image is redrawn: a latent pixel is redrawn when any of
 * its 8×8 pixels is (bytes ≥ 128), so the redrawn region always covers what was painted.
 */
export function latentMask(mask: Uint8Array, width: number, height: number): Float32Array {
  const lw = width / 8;
  const lh = height / 8;
  const out = new Float32Array(lw * lh);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (mask[y * width + x]! >= 128) out[Math.floor(y / 8) * lw + Math.floor(x / 8)] = 1;
  return out;
}

/** What an inpainting run needs per image: the mask at latent size and, for a 9-channel UNet, the masked image's latents. */
interface InpaintState {
  mask: Float32Array;
  /** Scaled latents of the original image (latent blending keeps them outside the mask). */
  imageLatents: Float32Array;
  /** 9-channel UNet: [mask, masked-image latents] as 5 extra input channels. */
  extraChannels: Float32Array | null;
}

export const diffusionTask: WorkerTask<DiffusionInput, DiffusionOutput> = {
  name: 'diffusion',
  async run(input, ctx) {
    checkInput(input);
    const { width, height, providers } = input;
    const model = withVae(readModelFolder(input.model), input.vae);
    checkSize(model, width, height);
    const sampleDims = model.unet.inputs.find((v) => v.name === 'sample')?.dims;
    const unetChannels = sampleDims?.[1] === 9 || (sampleDims?.[1] !== 4 && model.unet.config?.in_channels === 9) ? 9 : 4;
    // An inpainting UNet also draws from nothing: a full mask over a blank image.
    const inpaint = unetChannels === 9 ? 'unet' : input.mask ? 'blend' : null;
    if ((input.image || inpaint) && !model.vaeEncoder)
      throw new AiError(
        'model_load_failed',
        `${input.model} has no vae_encoder/, which ${inpaint ? 'inpainting' : 'image-to-image'} needs`,
      );
    const files = componentFiles(model, input);
    const control = input.controlnet ? await controlFor(ctx, model, input, providers) : null;
    const unet = await ctx.session({ model: control ? control.unetFile : files.unet, providers });
    const io = sessionIo(unet.session);
    const unetResiduals = residualNames(io.inputs);
    if (control && (unetResiduals.down.length !== control.info.down.length || !unetResiduals.mid))
      throw new AiError(
        'bad_input',
        `The ControlNet gives ${control.info.down.length} down-block residuals and a mid-block one; the model's controlnet/model.onnx takes ${unetResiduals.down.length}${unetResiduals.mid ? ' and a mid-block one' : ' and no mid-block one'}`,
      );
    const sampleIn = requireTensor(io.inputs, ['sample'], 'unet');
    const timestepIn = requireTensor(io.inputs, ['timestep'], 'unet');
    const hiddenIn = requireTensor(io.inputs, ['encoder_hidden_states'], 'unet');
    const xl =
      model.base === 'sdxl'
        ? { embeds: requireTensor(io.inputs, ['text_embeds'], 'unet'), timeIds: requireTensor(io.inputs, ['time_ids'], 'unet') }
        : null;
    if (!xl && input.sizeConditioning)
      throw new AiError('bad_input', `size conditioning (original, crop and target size) is SDXL's; this is a ${model.base} model`);
    // A guidance-distilled UNet (LCM) takes the guidance scale as an embedding instead of two passes.
    const guidanceIn = io.inputs.find((v) => v.name === 'timestep_cond');
    const fed = new Set([
      sampleIn.name,
      timestepIn.name,
      hiddenIn.name,
      ...(xl ? [xl.embeds.name, xl.timeIds.name] : []),
      ...(guidanceIn ? [guidanceIn.name] : []),
      ...(control ? [...unetResiduals.down, unetResiduals.mid!] : []),
    ]);
    const unfed = io.inputs.filter((v) => !fed.has(v.name)).map((v) => v.name);
    if (unfed.length) throw new AiError('model_load_failed', `unet needs inputs this pipeline does not provide: ${unfed.join(', ')}`);
    const guided = !guidanceIn && input.guidanceScale > 1;

    const cond = await promptEmbeddings(ctx, model, providers, input.prompt, files);
    // SDXL base asks for zeros rather than the empty prompt's embedding when there is no negative prompt.
    const zeroNegative = model.base === 'sdxl' && input.negativePrompt === '' && model.modelIndex.force_zeros_for_empty_prompt === true;
    const uncond = !guided
      ? null
      : zeroNegative
        ? { ...cond, tokens: new Float32Array(cond.tokens.length), pooled: cond.pooled && new Float32Array(cond.pooled.length) }
        : await promptEmbeddings(ctx, model, providers, input.negativePrompt, files);
    ctx.throwIfCancelled();

    const lh = height / 8;
    const lw = width / 8;
    const latentDims = [1, 4, lh, lw];
    const n = 4 * lh * lw;

    /** The VAE encoder's scaled latents of [3, h, w] pixels in [−1, 1]. */
    const encode = async (chw: Float32Array, noise: GaussianNoise): Promise<Float32Array> => {
      const encoder = await ctx.session({ model: model.vaeEncoder!.model, providers });
      const eio = sessionIo(encoder.session);
      const pixels = requireTensor(eio.inputs, ['sample'], 'vae_encoder');
      const out = await ctx.run(encoder, {
        [pixels.name]: floatTensor(ctx.ort, pixels.type, chw, [1, 3, height, width], 'vae_encoder sample'),
      });
      const latentOut = out[eio.outputs[0]!.name]!;
      return imageLatents(readFloats(latentOut, 'vae_encoder output'), Number(latentOut.dims[1]), noise).map(
        (v) => v * model.vaeScalingFactor,
      );
    };

    const output = io.outputs[0]!.name;
    // One UNet pass per step holds both guidance halves (uncond first, as diffusers orders them),
    // unless the UNet was exported with a fixed batch of 1: then the halves run one after the other.
    const passes: Embeddings[] = !guided ? [cond] : sampleIn.dims[0] === 1 ? [uncond!, cond] : [stack(uncond!, cond)];
    const timeIds = sdxlTimeIds(width, height, input.sizeConditioning);
    const fixedFeeds = passes.map((e): Record<string, Ort.Tensor> => {
      const feeds = {
        [hiddenIn.name]: floatTensor(
          ctx.ort,
          hiddenIn.type,
          e.tokens,
          [e.batch, e.seq, e.tokens.length / e.batch / e.seq],
          'unet encoder_hidden_states',
        ),
      };
      if (guidanceIn) {
        const dim = guidanceIn.dims.at(-1);
        if (typeof dim !== 'number')
          throw new AiError('model_load_failed', `unet timestep_cond has no fixed width: [${guidanceIn.dims.join(', ')}]`);
        const w = guidanceEmbedding(input.guidanceScale - 1, dim);
        feeds[guidanceIn.name] = floatTensor(
          ctx.ort,
          guidanceIn.type,
          e.batch === 1 ? w : concat(w, w),
          [e.batch, dim],
          'unet timestep_cond',
        );
      }
      if (xl) {
        feeds[xl.embeds.name] = floatTensor(ctx.ort, xl.embeds.type, e.pooled!, [e.batch, e.pooled!.length / e.batch], 'unet text_embeds');
        feeds[xl.timeIds.name] = floatTensor(
          ctx.ort,
          xl.timeIds.type,
          Float32Array.from({ length: 6 * e.batch }, (_, i) => timeIds[i % 6]!),
          [e.batch, 6],
          'unet time_ids',
        );
      }
      return feeds;
    });

    const batchSize = input.batchSize ?? 1;
    const previewEvery = input.previewEvery ?? 0;
    const images: Uint8Array[] = [];
    const seeds: number[] = [];
    let stepsRun = 0;
    for (let b = 0; b < batchSize; b++) {
      // Image b of a batch is the image of seed + b alone, so any of them can be made again by itself.
      const seed = (input.seed + b) % 0x1_0000_0000;
      const scheduler = createScheduler(input.scheduler, {
        config: model.schedulerConfig,
        overrides: input.karras ? { useKarrasSigmas: true } : {},
      });
      scheduler.setTimesteps(input.steps, input.image ? { strength: input.image.strength } : {});
      const timesteps = scheduler.timesteps;
      const noise = new GaussianNoise(seed);

      let state: InpaintState | null = null;
      if (inpaint) {
        const chw = input.image ? imageToChw(input.image.rgb, width, height) : new Float32Array(3 * width * height);
        const mask = input.mask ? latentMask(input.mask, width, height) : new Float32Array(lh * lw).fill(1);
        const imageLatentsScaled = input.image ? await encode(chw, noise) : new Float32Array(n);
        let extraChannels: Float32Array | null = null;
        if (inpaint === 'unet') {
          // diffusers' masked_image: the original with the redrawn region blanked (0 in [−1, 1]).
          const plane = width * height;
          const masked = chw.slice();
          if (input.mask) for (let p = 0; p < plane; p++) if (input.mask[p]! >= 128) for (let c = 0; c < 3; c++) masked[c * plane + p] = 0;
          extraChannels = concat(mask, await encode(masked, noise));
        }
        state = { mask, imageLatents: imageLatentsScaled, extraChannels };
      }

      // Encoding comes before the initial noise: an 8-channel encoder draws from the same stream.
      const start =
        input.image && !(inpaint === 'unet' && input.image.strength === 1)
          ? (state?.imageLatents ?? (await encode(imageToChw(input.image.rgb, width, height), noise)))
          : null;
      const initialNoise = noise.normal(n);
      let latents: Float32Array;
      if (start) {
        latents = scheduler.addNoise(start, initialNoise, timesteps[0]!);
      } else {
        const sigma = scheduler.initNoiseSigma;
        latents = initialNoise.map((v) => v * sigma);
      }

      // The step of the run evaluation i belongs to (two-stage samplers evaluate twice a step).
      const stepOf = (i: number) => Math.floor((i / timesteps.length) * input.steps);
      for (let i = 0; i < timesteps.length; i++) {
        ctx.throwIfCancelled();
        const t = timesteps[i]!;
        let scaled = scheduler.scaleModelInput(latents, t);
        if (state?.extraChannels) scaled = concat(scaled, state.extraChannels);
        const predictions: Float32Array[] = [];
        for (let p = 0; p < passes.length; p++) {
          const pb = passes[p]!.batch;
          const timestepCount = timestepIn.dims.length === 0 ? 0 : timestepIn.dims[0] === 1 ? 1 : pb;
          const residuals = control
            ? await controlResiduals(ctx, control, unetResiduals, {
                feeds: fixedFeeds[p]!,
                sample: [sampleIn.name, pb === 2 ? concat(scaled, scaled) : scaled, [pb, unetChannels, lh, lw], sampleIn.type],
                timestep: [timestepIn.name, t, timestepCount, timestepIn.type],
                batch: pb,
                weight: input.controlnet!.weight,
                active: stepOf(i) >= control.steps.first && stepOf(i) <= control.steps.last,
                size: [height, width],
                unetTypes: Object.fromEntries(io.inputs.map((v) => [v.name, v.type])),
              })
            : {};
          const run = await ctx.run(unet, {
            ...fixedFeeds[p],
            ...residuals,
            [sampleIn.name]: floatTensor(
              ctx.ort,
              sampleIn.type,
              pb === 2 ? concat(scaled, scaled) : scaled,
              [pb, unetChannels, lh, lw],
              'unet sample',
            ),
            [timestepIn.name]: numberTensor(
              ctx.ort,
              timestepIn.type,
              Array<number>(Math.max(1, timestepCount)).fill(t),
              timestepCount ? [timestepCount] : [],
              'unet timestep',
            ),
          });
          const out = readFloats(run[output]!, 'unet output');
          for (let h = 0; h < pb; h++) predictions.push(out.subarray(h * n, (h + 1) * n));
        }
        let eps = predictions[0]!;
        if (guided) {
          const [u, c] = predictions as [Float32Array, Float32Array];
          eps = new Float32Array(n);
          for (let k = 0; k < n; k++) eps[k] = u[k]! + input.guidanceScale * (c[k]! - u[k]!);
        }
        const stepped = scheduler.step(eps, t, latents, noise);
        latents = stepped.prevSample;
        if (inpaint === 'blend') {
          // diffusers' legacy inpainting: outside the mask, the original latents noised to the next
          // step's level (the last step keeps them clean), so only the masked region is redrawn.
          const { mask, imageLatents: original } = state!;
          const proper = i < timesteps.length - 1 ? scheduler.addNoise(original, initialNoise, timesteps[i + 1]!) : original;
          const plane = lh * lw;
          for (let k = 0; k < n; k++) {
            const m = mask[k % plane]!;
            latents[k] = (1 - m) * proper[k]! + m * latents[k]!;
          }
        }
        const progress: DiffusionProgress = { step: i + 1, steps: timesteps.length, image: b + 1, images: batchSize };
        if (previewEvery && ((i + 1) % previewEvery === 0 || i === timesteps.length - 1))
          progress.preview = stepPreview(stepped.predOriginalSample, lw, lh, model.base);
        ctx.progress(progress);
      }

      ctx.throwIfCancelled();
      const decoder = await ctx.session({ model: model.vaeDecoder.model, providers });
      const dio = sessionIo(decoder.session);
      const latentIn = requireTensor(dio.inputs, ['latent_sample'], 'vae_decoder');
      const unscaled = latents.map((v) => v / model.vaeScalingFactor);
      const decoded = await ctx.run(decoder, {
        [latentIn.name]: floatTensor(ctx.ort, latentIn.type, unscaled, latentDims, 'vae_decoder latent_sample'),
      });
      images.push(chwToImage(readFloats(decoded[dio.outputs[0]!.name]!, 'vae_decoder output'), width, height));
      seeds.push(seed);
      stepsRun = timesteps.length;
    }
    return {
      output: {
        rgb: images[0]!,
        images,
        seeds,
        width,
        height,
        seed: input.seed,
        base: model.base,
        steps: stepsRun,
        truncatedPrompt: cond.truncated || (uncond?.truncated ?? false),
        inpaint,
      },
      transfer: images.map((im) => im.buffer as ArrayBuffer),
    };
  },
};

/** What `generateImage` takes: the worker's input, its defaults optional, and the caller's cancellation and progress. */
export interface GenerateImageOptions extends Pick<
  DiffusionInput,
  | 'model'
  | 'providers'
  | 'prompt'
  | 'width'
  | 'height'
  | 'mask'
  | 'previewEvery'
  | 'sizeConditioning'
  | 'vae'
  | 'loras'
  | 'loraCacheDir'
  | 'controlnet'
> {
  negativePrompt?: string;
  /** Default 30. */
  steps?: number;
  /** Default 7.5. */
  guidanceScale?: number;
  /** Default euler_a. */
  scheduler?: SchedulerName;
  karras?: boolean;
  /** −1 or absent: a random seed, returned in the result so the image can be made again. */
  seed?: number;
  /** Images to make, seeds seed, seed + 1, …; default 1, at most MAX_BATCH. */
  batchSize?: number;
  /** img2img: RGB bytes of width × height (moved to the worker, detached here) and strength (default 0.75; 1 when inpainting). */
  image?: { rgb: Uint8Array; strength?: number };
  signal?: AbortSignal;
  onProgress?: (progress: DiffusionProgress) => void;
}

export interface GenerateImageResult extends DiffusionOutput {
  provider: ExecutionProvider;
  timing: RunTiming;
}

/** Generates images in the pool's heavy slot (one diffusion at a time on the device). */
export async function generateImage(pool: AiPool, options: GenerateImageOptions): Promise<GenerateImageResult> {
  const input: DiffusionInput = {
    model: options.model,
    providers: options.providers,
    prompt: options.prompt,
    negativePrompt: options.negativePrompt ?? '',
    width: options.width,
    height: options.height,
    steps: options.steps ?? 30,
    guidanceScale: options.guidanceScale ?? 7.5,
    scheduler: options.scheduler ?? 'euler_a',
    karras: options.karras ?? false,
    seed: resolveSeed(options.seed),
    batchSize: options.batchSize ?? 1,
    previewEvery: options.previewEvery ?? 0,
    image: options.image && { rgb: options.image.rgb, strength: options.image.strength ?? (options.mask ? 1 : 0.75) },
  };
  if (options.sizeConditioning) input.sizeConditioning = options.sizeConditioning;
  if (options.vae) input.vae = options.vae;
  if (options.loras?.length) input.loras = options.loras;
  if (options.loraCacheDir) input.loraCacheDir = options.loraCacheDir;
  if (options.controlnet) input.controlnet = options.controlnet;
  if (options.mask) input.mask = options.mask;
  checkInput(input);
  const transfer: ArrayBuffer[] = [];
  if (input.image) {
    const sent = movable(input.image.rgb);
    input.image.rgb = sent.array;
    transfer.push(...sent.transfer);
  }
  if (input.mask) {
    const sent = movable(input.mask);
    input.mask = sent.array;
    transfer.push(...sent.transfer);
  }
  const result = await pool.run<DiffusionOutput>('diffusion', input, {
    capability: 'image',
    heavy: true,
    signal: options.signal,
    transfer,
    onProgress: options.onProgress as ((value: unknown) => void) | undefined,
  });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred, timing: result.timing };
}
