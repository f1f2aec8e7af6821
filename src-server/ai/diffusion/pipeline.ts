import type * as Ort from 'onnxruntime-node';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { AiPool, RunTiming } from '../pool';
import type { LoadedSession, TaskContext, WorkerTask } from '../worker-runtime';
import { readModelFolder, type DiffusionModelFolder, type OnnxComponent, type SdBase } from './model-folder';
import { GaussianNoise, resolveSeed } from './noise';
import { createScheduler, SCHEDULER_NAMES, type SchedulerName } from './schedulers';
import { requireTensor, sessionIo } from './session-io';
import { chwToImage, floatTensor, imageToChw, numberTensor, readFloats } from './tensors';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer';

// Text-to-image and image-to-image with Stable Diffusion 1.x, 2.x and SDXL as HF's ONNX exports
// lay them out, following diffusers' StableDiffusion(XL)(Img2Img)Pipeline. The whole denoising
// loop runs inside the worker: one request, progress after every step, cancellation between steps.

export interface DiffusionInput {
  /** The model folder (see model-folder.ts). */
  model: string;
  providers?: ExecutionProvider[];
  prompt: string;
  negativePrompt: string;
  /** Multiples of 8. */
  width: number;
  height: number;
  steps: number;
  /** Classifier-free guidance; 1 or less turns it off (one UNet pass per step). */
  guidanceScale: number;
  scheduler: SchedulerName;
  karras: boolean;
  /** A resolved seed (never −1). */
  seed: number;
  /** img2img: the starting image as RGB bytes of width × height, and how much of it to redraw. */
  image?: { rgb: Uint8Array; strength: number };
}

export interface DiffusionOutput {
  /** RGB bytes, width × height × 3. */
  rgb: Uint8Array;
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
  const layers = outputs.map((n) => /^hidden_states\.(\d+)$/.exec(n)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  if (layers.length < 2) throw new AiError('model_load_failed', `${component} does not output its hidden states (hidden_states.N), which SDXL needs; outputs: ${outputs.join(', ')}`);
  return `hidden_states.${Math.max(...layers) - 1}`;
}

async function encodeText(ctx: TaskContext, loaded: LoadedSession, component: OnnxComponent, tokenizer: ClipTokenizer, text: string, xl: 'first' | 'second' | null): Promise<Embeddings> {
  const io = sessionIo(loaded.session);
  const idsInput = requireTensor(io.inputs, ['input_ids'], component.name);
  const { ids, truncated } = tokenizer.encode(text);
  const feeds = { [idsInput.name]: numberTensor(ctx.ort, idsInput.type, ids, [1, ids.length], `${component.name} input_ids`) };
  const out = await ctx.run(loaded, feeds);
  if (!xl) {
    const hidden = requireTensor(io.outputs, ['last_hidden_state'], component.name, 'output');
    return { tokens: readFloats(out[hidden.name]!, `${component.name} ${hidden.name}`), pooled: null, batch: 1, seq: ids.length, truncated };
  }
  const layer = penultimate(io.outputs.map((o) => o.name), component.name);
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

async function promptEmbeddings(ctx: TaskContext, model: DiffusionModelFolder, providers: ExecutionProvider[] | undefined, text: string): Promise<Embeddings> {
  const tokenizer = await tokenizerFor(model.tokenizer);
  const first = await ctx.session({ model: model.textEncoder.model, providers });
  if (model.base !== 'sdxl') return encodeText(ctx, first, model.textEncoder, tokenizer, text, null);
  const a = await encodeText(ctx, first, model.textEncoder, tokenizer, text, 'first');
  const second = await ctx.session({ model: model.textEncoder2!.model, providers });
  const b = await encodeText(ctx, second, model.textEncoder2!, await tokenizerFor(model.tokenizer2!), text, 'second');
  return { tokens: concatTokens(a.tokens, b.tokens, a.seq), pooled: b.pooled, batch: 1, seq: a.seq, truncated: a.truncated || b.truncated };
}

/** A [mean, logvar] encoder output (8 channels) is sampled with our own noise; a 4-channel one is already a sample. */
function imageLatents(encoded: Float32Array, channels: number, noise: GaussianNoise): Float32Array {
  if (channels === 4) return encoded;
  if (channels !== 8) throw new AiError('model_load_failed', `vae_encoder gives ${channels} channels; 4 (a sample) or 8 (mean and log-variance) were expected`);
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

function checkInput(input: DiffusionInput): void {
  const { width, height, steps, guidanceScale, seed } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64 || width % 8 || height % 8) {
    throw new AiError('bad_input', `width and height must be multiples of 8 from 64 up, got ${width}×${height}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000) throw new AiError('bad_input', `steps must be an integer from 1 to 1000, got ${steps}`);
  if (!Number.isFinite(guidanceScale) || guidanceScale < 0) throw new AiError('bad_input', `guidanceScale must be a number ≥ 0, got ${guidanceScale}`);
  if (!SCHEDULER_NAMES.includes(input.scheduler)) throw new AiError('bad_input', `scheduler must be one of ${SCHEDULER_NAMES.join(', ')}, got ${input.scheduler}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new AiError('bad_input', `seed must be resolved to a uint32 first, got ${seed}`);
  if (input.image && !(input.image.strength > 0 && input.image.strength <= 1)) throw new AiError('bad_input', `strength must be in (0, 1], got ${input.image.strength}`);
}

export const diffusionTask: WorkerTask<DiffusionInput, DiffusionOutput> = {
  name: 'diffusion',
  async run(input, ctx) {
    checkInput(input);
    const { width, height, providers } = input;
    const model = readModelFolder(input.model);
    if (input.image && !model.vaeEncoder) throw new AiError('model_load_failed', `${input.model} has no vae_encoder/, which image-to-image needs`);
    const unet = await ctx.session({ model: model.unet.model, providers });
    const io = sessionIo(unet.session);
    const sampleIn = requireTensor(io.inputs, ['sample'], 'unet');
    const timestepIn = requireTensor(io.inputs, ['timestep'], 'unet');
    const hiddenIn = requireTensor(io.inputs, ['encoder_hidden_states'], 'unet');
    const xl = model.base === 'sdxl' ? { embeds: requireTensor(io.inputs, ['text_embeds'], 'unet'), timeIds: requireTensor(io.inputs, ['time_ids'], 'unet') } : null;
    // A guidance-distilled UNet (LCM) takes the guidance scale as an embedding instead of two passes.
    const guidanceIn = io.inputs.find((v) => v.name === 'timestep_cond');
    const fed = new Set([sampleIn.name, timestepIn.name, hiddenIn.name, ...(xl ? [xl.embeds.name, xl.timeIds.name] : []), ...(guidanceIn ? [guidanceIn.name] : [])]);
    const unfed = io.inputs.filter((v) => !fed.has(v.name)).map((v) => v.name);
    if (unfed.length) throw new AiError('model_load_failed', `unet needs inputs this pipeline does not provide: ${unfed.join(', ')}`);
    const guided = !guidanceIn && input.guidanceScale > 1;

    const cond = await promptEmbeddings(ctx, model, providers, input.prompt);
    // SDXL base asks for zeros rather than the empty prompt's embedding when there is no negative prompt.
    const zeroNegative = model.base === 'sdxl' && input.negativePrompt === '' && model.modelIndex.force_zeros_for_empty_prompt === true;
    const uncond = !guided
      ? null
      : zeroNegative
        ? { ...cond, tokens: new Float32Array(cond.tokens.length), pooled: cond.pooled && new Float32Array(cond.pooled.length) }
        : await promptEmbeddings(ctx, model, providers, input.negativePrompt);
    ctx.throwIfCancelled();

    const scheduler = createScheduler(input.scheduler, { config: model.schedulerConfig, overrides: input.karras ? { useKarrasSigmas: true } : {} });
    scheduler.setTimesteps(input.steps, input.image ? { strength: input.image.strength } : {});
    const timesteps = scheduler.timesteps;
    const noise = new GaussianNoise(input.seed);
    const latentDims = [1, 4, height / 8, width / 8];
    const n = 4 * (height / 8) * (width / 8);

    let latents: Float32Array;
    if (input.image) {
      const encoder = await ctx.session({ model: model.vaeEncoder!.model, providers });
      const eio = sessionIo(encoder.session);
      const pixels = requireTensor(eio.inputs, ['sample'], 'vae_encoder');
      const out = await ctx.run(encoder, { [pixels.name]: floatTensor(ctx.ort, pixels.type, imageToChw(input.image.rgb, width, height), [1, 3, height, width], 'vae_encoder sample') });
      const latentOut = out[eio.outputs[0]!.name]!;
      const encoded = imageLatents(readFloats(latentOut, 'vae_encoder output'), Number(latentOut.dims[1]), noise);
      const scaled = encoded.map((v) => v * model.vaeScalingFactor);
      latents = scheduler.addNoise(scaled, noise.normal(n), timesteps[0]!);
    } else {
      const sigma = scheduler.initNoiseSigma;
      latents = noise.normal(n).map((v) => v * sigma);
    }

    const output = io.outputs[0]!.name;
    // One UNet pass per step holds both guidance halves (uncond first, as diffusers orders them),
    // unless the UNet was exported with a fixed batch of 1: then the halves run one after the other.
    const passes: Embeddings[] = !guided ? [cond] : sampleIn.dims[0] === 1 ? [uncond!, cond] : [stack(uncond!, cond)];
    // (original size, crop top-left, target size): no crop, generated at its own size.
    const timeIds = [height, width, 0, 0, height, width];
    const fixedFeeds = passes.map((e): Record<string, Ort.Tensor> => {
      const feeds = { [hiddenIn.name]: floatTensor(ctx.ort, hiddenIn.type, e.tokens, [e.batch, e.seq, e.tokens.length / e.batch / e.seq], 'unet encoder_hidden_states') };
      if (guidanceIn) {
        const dim = guidanceIn.dims.at(-1);
        if (typeof dim !== 'number') throw new AiError('model_load_failed', `unet timestep_cond has no fixed width: [${guidanceIn.dims.join(', ')}]`);
        const w = guidanceEmbedding(input.guidanceScale - 1, dim);
        feeds[guidanceIn.name] = floatTensor(ctx.ort, guidanceIn.type, e.batch === 1 ? w : concat(w, w), [e.batch, dim], 'unet timestep_cond');
      }
      if (xl) {
        feeds[xl.embeds.name] = floatTensor(ctx.ort, xl.embeds.type, e.pooled!, [e.batch, e.pooled!.length / e.batch], 'unet text_embeds');
        feeds[xl.timeIds.name] = floatTensor(ctx.ort, xl.timeIds.type, Float32Array.from({ length: 6 * e.batch }, (_, i) => timeIds[i % 6]!), [e.batch, 6], 'unet time_ids');
      }
      return feeds;
    });

    for (let i = 0; i < timesteps.length; i++) {
      ctx.throwIfCancelled();
      const t = timesteps[i]!;
      const scaled = scheduler.scaleModelInput(latents, t);
      const predictions: Float32Array[] = [];
      for (let p = 0; p < passes.length; p++) {
        const b = passes[p]!.batch;
        const timestepCount = timestepIn.dims.length === 0 ? 0 : timestepIn.dims[0] === 1 ? 1 : b;
        const run = await ctx.run(unet, {
          ...fixedFeeds[p],
          [sampleIn.name]: floatTensor(ctx.ort, sampleIn.type, b === 2 ? concat(scaled, scaled) : scaled, [b, ...latentDims.slice(1)], 'unet sample'),
          [timestepIn.name]: numberTensor(ctx.ort, timestepIn.type, Array<number>(Math.max(1, timestepCount)).fill(t), timestepCount ? [timestepCount] : [], 'unet timestep'),
        });
        const out = readFloats(run[output]!, 'unet output');
        for (let h = 0; h < b; h++) predictions.push(out.subarray(h * n, (h + 1) * n));
      }
      let eps = predictions[0]!;
      if (guided) {
        const [u, c] = predictions as [Float32Array, Float32Array];
        eps = new Float32Array(n);
        for (let k = 0; k < n; k++) eps[k] = u[k]! + input.guidanceScale * (c[k]! - u[k]!);
      }
      latents = scheduler.step(eps, t, latents, noise).prevSample;
      ctx.progress({ step: i + 1, steps: timesteps.length } satisfies DiffusionProgress);
    }

    ctx.throwIfCancelled();
    const decoder = await ctx.session({ model: model.vaeDecoder.model, providers });
    const dio = sessionIo(decoder.session);
    const latentIn = requireTensor(dio.inputs, ['latent_sample'], 'vae_decoder');
    const unscaled = latents.map((v) => v / model.vaeScalingFactor);
    const decoded = await ctx.run(decoder, { [latentIn.name]: floatTensor(ctx.ort, latentIn.type, unscaled, latentDims, 'vae_decoder latent_sample') });
    const pixels = readFloats(decoded[dio.outputs[0]!.name]!, 'vae_decoder output');
    const rgb = chwToImage(pixels, width, height);
    return { output: { rgb, width, height, seed: input.seed, base: model.base, steps: timesteps.length, truncatedPrompt: cond.truncated || (uncond?.truncated ?? false) }, transfer: [rgb.buffer as ArrayBuffer] };
  },
};

export interface GenerateImageOptions {
  /** The model folder. */
  model: string;
  prompt: string;
  negativePrompt?: string;
  width: number;
  height: number;
  /** Default 30. */
  steps?: number;
  /** Default 7.5. */
  guidanceScale?: number;
  /** Default euler_a. */
  scheduler?: SchedulerName;
  karras?: boolean;
  /** −1 or absent: a random seed, returned in the result so the image can be made again. */
  seed?: number;
  /** img2img: RGB bytes of width × height (moved to the worker, detached here) and strength (default 0.75). */
  image?: { rgb: Uint8Array; strength?: number };
  providers?: ExecutionProvider[];
  signal?: AbortSignal;
  onProgress?: (progress: DiffusionProgress) => void;
}

export interface GenerateImageResult extends DiffusionOutput {
  provider: ExecutionProvider;
  timing: RunTiming;
}

/** Generates an image in the pool's heavy slot (one diffusion at a time on the device). */
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
    image: options.image && { rgb: options.image.rgb, strength: options.image.strength ?? 0.75 },
  };
  checkInput(input);
  const sent = input.image && movable(input.image.rgb);
  if (input.image && sent) input.image.rgb = sent.array;
  const result = await pool.run<DiffusionOutput>('diffusion', input, {
    capability: 'image',
    heavy: true,
    signal: options.signal,
    transfer: sent?.transfer ?? [],
    onProgress: options.onProgress as ((value: unknown) => void) | undefined,
  });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred, timing: result.timing };
}
