import crypto from 'node:crypto';
import path from 'node:path';
import { JOB_KINDS } from '../../../../src-shared/jobs';
import { loadSharp } from '../../../media/lazy';
import type { Db } from '../../../db/client';
import type { AiPool } from '../../../ai/pool';
import { AiError } from '../../../ai/protocol';
import { generateImage, type ControlInput, type DiffusionProgress, type SizeConditioning } from '../../../ai/diffusion/pipeline';
import { cannyEdges } from '../../../ai/diffusion/canny';
import { upscaleImage, type UpscaleFactor } from '../../../ai/diffusion/upscale';
import { A1111_SAMPLER_LABELS, INVOKE_SCHEDULER_OF, SAMPLERS } from './samplers';
import { blendBySoftMask, featherMask, redrawArea, type Extension } from './mask';
import type { Job, JobContext, JobQueue, JobSnapshot } from '../../../jobs/queue';
import type { FileStore } from '../../../storage/file-store';
import type { UserRow } from '../../../auth/service';
import type { CreditService, GenerationKind } from '../credits/service';
import type { ImageService } from '../images/service';
import { ownerPrefix } from '../images/service';
import type { BoardService } from '../boards/service';
import { storageQuotaBytes, tierOf } from '../plans/tiers';
import { usedBytes } from '../storage/usage';
import { errors } from '../errors';

export { A1111_SAMPLER_LABELS, INVOKE_SCHEDULER_OF, SAMPLERS, samplerName } from './samplers';

export const GENERATE_JOB = JOB_KINDS.canvasGenerate;
export const GPU_LANE = 'gpu';
/** Jobs waiting in the GPU lane, all accounts together, past which new ones are refused (QUEUE_FULL). */
export const MAX_QUEUED = 100;

/** SDXL size conditioning in the API's words, for the image's metadata. */
const sizeConditioningView = (c: SizeConditioning) => ({
  original_width: c.originalWidth,
  original_height: c.originalHeight,
  crop_top: c.cropTop,
  crop_left: c.cropLeft,
  target_width: c.targetWidth,
  target_height: c.targetHeight,
});

/** What a job needs to run, stored with it in SQLite: plain JSON, big inputs by storage key. */
export interface GeneratePayload {
  userId: string;
  kind: GenerationKind;
  model: { id: string; name: string; path: string; base: string | null; hash: string | null };
  /** The request as the client sent it (seed as asked), for the job's detail. */
  params: Record<string, unknown>;
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  steps: number;
  cfgScale: number;
  sampler: string;
  seed: number;
  batchSize: number;
  strength: number | null;
  scale: UpscaleFactor | null;
  sourceKey: string | null;
  maskKey: string | null;
  boardId: string | null;
  /** The saved workflow the request ran (POST /generate/workflow); absent for the other routes. */
  workflowId?: string;
  /** SDXL size conditioning the request set; absent or null: the output size, no crop. */
  sizeConditioning?: SizeConditioning | null;
  /** PNG text chunks naming what ran (see `Origin.pngText`). */
  pngText?: Record<string, string>;
  /** A separately installed VAE that decodes instead of the model's own. */
  vae?: { id: string; name: string; path: string } | null;
  /** The gallery source of an upscale, image-to-image or inpaint: its id, kept in the new image's metadata so it links back. */
  sourceImageId?: string | null;
  /** Pixels the redrawn area reaches past the mask, blended back into the source (inpaint, outpaint). */
  feather?: number;
  /** An outpaint: how far the source's canvas grew on each side. */
  outpaint?: Extension | null;
  /** LoRAs merged into the model for this run (`path` is the .safetensors file). */
  loras?: { id: string; name: string; path: string; weight: number }[];
  /** A ControlNet steering the run; its control image is stored as `controlKey`. */
  controlnet?: ControlPayload | null;
  controlKey?: string | null;
  /** An upscaler the source goes through before it is encoded (a workflow's esrgan node feeding i2l). */
  upscaleFirst?: { id: string; name: string; path: string; scale: UpscaleFactor; nodeId: string; nodeType: string } | null;
}

export interface GenerateResult {
  image_ids: string[];
  seeds: number[];
  credits_used: number;
  provider: string;
  compute_seconds: number;
}

export interface ControlPayload {
  id: string;
  name: string;
  /** The ControlNet folder. */
  path: string;
  weight: number;
  begin: number;
  end: number;
  /** Edges are found in the worker's process before the run ('none': the image is the control already). */
  preprocessor: 'none' | 'canny' | 'depth';
  /** The Depth Anything model that makes the depth map, for `preprocessor: 'depth'`. */
  depth?: { id: string; name: string; path: string } | null;
  lowThreshold: number;
  highThreshold: number;
  /** The control image is the upscaled source (see `upscaleFirst`), not the stored control image. */
  fromUpscaled?: boolean;
}

export interface EnqueueRequest extends Omit<GeneratePayload, 'userId' | 'sourceKey' | 'maskKey' | 'controlKey'> {
  /** PNG bytes of the control image. */
  control?: Buffer | null;
  /** PNG bytes of the source and mask, stored as the job's inputs. */
  source: Buffer | null;
  mask: Buffer | null;
  /** Steps × megapixels × images, for the credit estimate. */
  workUnits: number;
}

export interface Accepted {
  job: Job<GeneratePayload, GenerateResult>;
  estimatedCredits: number;
  estimatedWaitSeconds: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** A stable id per (job, image), so a run repeated after a restart overwrites its own images. */
function imageId(jobId: string, index: number): string {
  const h = crypto.createHash('sha256').update(`${jobId}:${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A1111's "parameters" text, which most image tools read back. */
/**
 * InvokeAI's `invokeai_metadata` (its core metadata fields), so InvokeAI's "recall parameters"
 * reads the settings back; null for upscales, which InvokeAI records no generation for.
 */
export function invokeMetadata(p: GeneratePayload, seed: number, width: number, height: number): Record<string, unknown> | null {
  if (p.kind === 'upscale') return null;
  const xl = p.model.base === 'sdxl';
  const mode = p.kind === 'text_to_image' ? 'txt2img' : p.kind === 'image_to_image' ? 'img2img' : 'inpaint';
  const size = p.sizeConditioning;
  return {
    generation_mode: xl ? `sdxl_${mode}` : mode,
    positive_prompt: p.prompt,
    negative_prompt: p.negativePrompt,
    width,
    height,
    seed,
    rand_device: 'cpu',
    cfg_scale: p.cfgScale,
    cfg_rescale_multiplier: 0,
    steps: p.steps,
    scheduler: INVOKE_SCHEDULER_OF[p.sampler] ?? p.sampler,
    clip_skip: 0,
    model: { key: p.model.id, hash: p.model.hash ?? '', name: p.model.name, base: p.model.base ?? 'sd-1', type: 'main' },
    loras: (p.loras ?? []).map((l) => ({
      model: { key: l.id, hash: '', name: l.name, base: p.model.base ?? 'sd-1', type: 'lora' },
      weight: l.weight,
    })),
    ...(p.vae ? { vae: { key: p.vae.id, hash: '', name: p.vae.name, base: p.model.base ?? 'sd-1', type: 'vae' } } : {}),
    ...(p.strength !== null && p.kind !== 'text_to_image' ? { strength: p.strength } : {}),
    ...(xl ? { positive_style_prompt: p.prompt, negative_style_prompt: p.negativePrompt } : {}),
    ...(size
      ? {
          original_width: size.originalWidth,
          original_height: size.originalHeight,
          crop_top: size.cropTop,
          crop_left: size.cropLeft,
          target_width: size.targetWidth,
          target_height: size.targetHeight,
        }
      : {}),
    app_version: 'atelier',
  };
}

/** InvokeAI's chunks: its metadata, and the workflow or graph that ran. */
function invokeText(p: GeneratePayload, seed: number, width: number, height: number): Record<string, string> {
  const metadata = invokeMetadata(p, seed, width, height);
  return { ...(metadata ? { invokeai_metadata: JSON.stringify(metadata) } : {}), ...p.pngText };
}

function parametersText(p: GeneratePayload, seed: number): string {
  if (p.kind === 'upscale') return `Upscaled ×${p.scale} with ${p.model.name}`;
  // A1111 writes the LoRAs it applied into the prompt as <lora:name:weight>.
  const lines = [[p.prompt, ...(p.loras ?? []).map((l) => `<lora:${l.name}:${l.weight}>`)].filter(Boolean).join(' ')];
  if (p.negativePrompt) lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(
    [
      `Steps: ${p.steps}`,
      `Sampler: ${A1111_SAMPLER_LABELS[p.sampler] ?? p.sampler}`,
      `CFG scale: ${p.cfgScale}`,
      `Seed: ${seed}`,
      `Size: ${p.width}x${p.height}`,
      `Model: ${p.model.name}`,
      p.model.hash ? `Model hash: ${p.model.hash}` : null,
      p.vae ? `VAE: ${p.vae.name}` : null,
      p.controlnet
        ? `ControlNet 0: "Module: ${p.controlnet.preprocessor}, Model: ${p.controlnet.name}, Weight: ${p.controlnet.weight}, Guidance Start: ${p.controlnet.begin}, Guidance End: ${p.controlnet.end}"`
        : null,
      p.strength !== null ? `Denoising strength: ${p.strength}` : null,
    ]
      .filter(Boolean)
      .join(', '),
  );
  return lines.join('\n');
}

/**
 * Image generation through the durable queue: requests are checked against the plan (queue
 * size, generations a minute, storage, credits), queued in the GPU lane with their credits held,
 * run by the diffusion engine in the AI pool and saved to the gallery; progress and step previews
 * reach the owner as `job:update` over socket.io.
 */
export class GenerateService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly queue: JobQueue,
    private readonly ai: AiPool,
    private readonly credits: CreditService,
    private readonly images: ImageService,
    private readonly boards: BoardService,
    private readonly now: () => number,
  ) {}

  /** Registers the job kind and the hold's release on every job end; call while the app builds. */
  register(): void {
    this.queue.register<GeneratePayload, GenerateResult>(GENERATE_JOB, {
      lane: GPU_LANE,
      maxAttempts: 2,
      handler: (job, ctx) => this.run(job, ctx),
    });
    this.queue.on('update', (snapshot) => {
      if (snapshot.kind === GENERATE_JOB && TERMINAL.has(snapshot.status)) void this.finish(snapshot.id);
    });
  }

  /** After a crash a job may have ended without releasing its hold or its inputs. */
  async reconcile(): Promise<void> {
    for (const jobId of this.credits.heldJobIds()) {
      const job = this.queue.snapshot(jobId);
      if (!job || TERMINAL.has(job.status)) await this.finish(jobId);
    }
  }

  /** Releases what a finished job still holds: credits (unless charged) and its input files. */
  private async finish(jobId: string): Promise<void> {
    this.credits.release(jobId);
    const gen = this.credits.generation(jobId);
    for (const key of gen?.inputKeys ?? []) await this.storage.delete(key).catch(() => false);
  }

  /** The account's generation jobs that are queued or running. */
  openJobs(userId: string): number {
    return this.queue.count({ ownerId: userId, kind: GENERATE_JOB, status: ['queued', 'processing'] });
  }

  /** Every limit of the plan, in the order a client can do something about them. */
  private checkLimits(user: UserRow, estimatedCredits: number): void {
    const tier = tierOf(user.tier);
    const open = this.openJobs(user.id);
    if (open >= tier.queueCount) {
      throw errors.error(
        'QUOTA_EXCEEDED',
        `The ${tier.displayName} plan allows ${tier.queueCount} generation job(s) in the queue at once; wait for one to finish or cancel it`,
        {
          queue_count: tier.queueCount,
          active: open,
        },
      );
    }
    const queued = this.queue.count({ lane: GPU_LANE, status: 'queued' });
    if (queued >= MAX_QUEUED)
      throw errors.error('QUEUE_FULL', 'The generation queue is full; try again in a moment', { queued, max: MAX_QUEUED });
    const now = this.now();
    const lastMinute = this.credits.startedSince(user.id, now - 60_000);
    if (lastMinute.length >= tier.generationsPerMinute) {
      // A sliding minute: the next start is allowed once enough of these have aged out of it.
      const freesAt = lastMinute[lastMinute.length - tier.generationsPerMinute]! + 60_000;
      const retryAfter = Math.max(1, Math.ceil((freesAt - now) / 1000));
      throw errors.error(
        'RATE_LIMITED',
        `The ${tier.displayName} plan allows ${tier.generationsPerMinute} generations a minute; try again in ${retryAfter} s`,
        {
          limit: tier.generationsPerMinute,
          window_seconds: 60,
          retry_after: retryAfter,
        },
      );
    }
    const used = usedBytes(this.images.usage(user.id));
    const quota = storageQuotaBytes(tier);
    if (used >= quota)
      throw errors.error('STORAGE_EXCEEDED', 'Your storage is full; delete images or workflows to make room', {
        used_bytes: used,
        quota_bytes: quota,
      });
    this.credits.requireAvailable(user.id, user.tier, estimatedCredits);
  }

  /** Checks, stores the inputs, queues the job and holds its credits, or leaves nothing behind. */
  async request(user: UserRow, r: EnqueueRequest): Promise<Accepted> {
    const estimatedCredits = this.credits.estimate(r.model.id, r.workUnits);
    this.checkLimits(user, estimatedCredits);
    const inputs: string[] = [];
    const store = async (bytes: Buffer | null) => {
      if (!bytes) return null;
      const key = `${ownerPrefix(user.id)}/inputs/${crypto.randomUUID()}.png`;
      inputs.push(key);
      await this.storage.put(key, bytes);
      return key;
    };
    try {
      const sourceKey = await store(r.source);
      const maskKey = await store(r.mask);
      const controlKey = await store(r.control ?? null);
      // Checked again after the awaits: from here to the hold nothing else runs.
      this.checkLimits(user, estimatedCredits);
      const { source: _s, mask: _m, control: _c, workUnits, ...rest } = r;
      const payload: GeneratePayload = { ...rest, userId: user.id, sourceKey, maskKey, ...(controlKey ? { controlKey } : {}) };
      const job = this.queue.enqueue<GeneratePayload, GenerateResult>({ kind: GENERATE_JOB, ownerId: user.id, payload });
      this.credits.reserve({
        userId: user.id,
        jobId: job.id,
        kind: r.kind,
        model: r.model.id,
        workUnits,
        credits: estimatedCredits,
        inputKeys: inputs,
      });
      return { job, estimatedCredits, estimatedWaitSeconds: this.waitSeconds(job) + estimatedCredits };
    } catch (err) {
      for (const key of inputs) await this.storage.delete(key).catch(() => false);
      throw err;
    }
  }

  /**
   * Seconds until a queued job starts: the queue's own estimate from measured durations, or, until
   * it has one, the estimates (one credit = one second) of the jobs ahead in the lane.
   */
  waitSeconds(job: JobSnapshot): number {
    if (job.status !== 'queued') return 0;
    if (job.estimatedWaitSeconds !== null) return Math.ceil(job.estimatedWaitSeconds);
    const ahead = this.queue
      .list({ lane: GPU_LANE, status: ['queued', 'processing'], order: 'oldest', limit: 500 })
      .filter((j) => j.status === 'processing' || (j.position ?? 0) < (job.position ?? 0));
    const held = this.credits.heldCredits(ahead.map((j) => j.id));
    return ahead.reduce((total, j) => {
      const estimate = held.get(j.id) ?? 0;
      const elapsed = j.startedAt ? (this.now() - Date.parse(j.startedAt)) / 1000 : 0;
      return total + Math.max(0, Math.ceil(estimate - elapsed));
    }, 0);
  }

  private async rgbOf(key: string, width: number, height: number, channels: 3 | 1): Promise<Uint8Array> {
    const sharp = await loadSharp();
    let image = sharp(await this.storage.get(key))
      .removeAlpha()
      .resize(width, height, { fit: 'fill' });
    if (channels === 1) image = image.greyscale();
    const { data } = await image.raw().toBuffer({ resolveWithObject: true });
    return channels === 1
      ? new Uint8Array(data.buffer, data.byteOffset, width * height)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  private async run(job: Job<GeneratePayload, GenerateResult>, ctx: JobContext): Promise<GenerateResult> {
    const p = job.payload;
    ctx.progress(0, { stage: 'loading', message: `Loading ${p.model.name}` });
    try {
      const made = p.kind === 'upscale' ? await this.upscale(p, ctx) : await this.diffuse(p, ctx);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      ctx.progress(1, { stage: 'saving', message: 'Saving to the gallery' });
      const saved = [];
      for (let i = 0; i < made.images.length; i++) {
        const metadata = {
          kind: p.kind,
          model: p.model.name,
          model_id: p.model.id,
          model_hash: p.model.hash,
          prompt: p.prompt,
          negative_prompt: p.negativePrompt,
          steps: p.kind === 'upscale' ? null : p.steps,
          cfg_scale: p.kind === 'upscale' ? null : p.cfgScale,
          seed: made.seeds[i] ?? null,
          sampler: p.kind === 'upscale' ? null : p.sampler,
          strength: p.strength,
          scale: p.scale,
          loras: (p.loras ?? []).map((l) => ({ name: l.name, weight: l.weight })),
          ...(p.controlnet
            ? {
                controlnet: {
                  name: p.controlnet.name,
                  weight: p.controlnet.weight,
                  begin_step_percent: p.controlnet.begin,
                  end_step_percent: p.controlnet.end,
                  preprocessor: p.controlnet.preprocessor,
                  ...(p.controlnet.depth ? { depth_model: p.controlnet.depth.name } : {}),
                  ...(p.controlnet.fromUpscaled ? { image: 'upscaled_source' } : {}),
                },
              }
            : {}),
          // What ran before i2l, in the graph's order: the workflow's upscaler, then the encode of its output.
          ...(p.upscaleFirst && made.upscaled
            ? {
                upscaled_source: {
                  node_id: p.upscaleFirst.nodeId,
                  node_type: p.upscaleFirst.nodeType,
                  model: p.upscaleFirst.name,
                  scale: p.upscaleFirst.scale,
                  width: made.upscaled.width,
                  height: made.upscaled.height,
                  feeds: p.controlnet?.fromUpscaled ? ['i2l', 'controlnet'] : ['i2l'],
                },
              }
            : {}),
          width: made.width,
          height: made.height,
          provider: made.provider,
          ...(p.workflowId ? { workflow_id: p.workflowId } : {}),
          ...(p.sizeConditioning ? { size_conditioning: sizeConditioningView(p.sizeConditioning) } : {}),
          ...(p.vae ? { vae: p.vae.name } : {}),
          ...(p.sourceImageId ? { source_image_id: p.sourceImageId } : {}),
          ...(p.feather ? { mask_feather: p.feather } : {}),
          ...(p.outpaint ? { outpaint: p.outpaint } : {}),
        };
        saved.push(
          await this.images.save(imageId(job.id, i), {
            userId: p.userId,
            jobId: job.id,
            rgb: made.images[i]!,
            width: made.width,
            height: made.height,
            metadata,
            parameters: parametersText(p, made.seeds[i] ?? p.seed),
            text: invokeText(p, made.seeds[i] ?? p.seed, made.width, made.height),
          }),
        );
      }
      const seconds = Math.max(1, Math.ceil(made.computeMs / 1000));
      const what =
        p.kind === 'upscale'
          ? 'Upscale'
          : p.kind === 'image_to_image'
            ? 'Image to image'
            : p.kind === 'inpaint'
              ? 'Inpainting'
              : 'Image generation';
      const used = this.credits.charge(job.id, made.computeMs, saved.length, `${what} (${seconds} s, ${p.model.name})`);
      if (used === null || ctx.signal.aborted) {
        // Cancelled while saving: the job shows cancelled, so its images must not appear either.
        for (const row of saved) await this.images.delete(row);
        throw ctx.signal.reason ?? errors.error('CANCELLED', 'The job was cancelled');
      }
      if (p.boardId) {
        const board = this.boards.find(p.boardId);
        if (board && board.userId === p.userId)
          this.boards.addImages(
            board,
            saved.map((r) => r.id),
          );
      }
      return {
        image_ids: saved.map((r) => r.id),
        seeds: made.seeds,
        credits_used: used,
        provider: made.provider,
        compute_seconds: Math.round(made.computeMs) / 1000,
      };
    } catch (err) {
      if (err instanceof AiError && err.code === 'bad_input') throw errors.error('INVALID_PARAMETERS', err.message);
      if (err instanceof AiError && err.code === 'model_load_failed') throw errors.error('MODEL_LOAD_FAILED', err.message);
      throw err;
    }
  }

  /** The source run through the workflow's upscaler, then brought to the output size as i2l's input. */
  private async upscaledSource(p: GeneratePayload, ctx: JobContext) {
    const up = p.upscaleFirst!;
    const sharp = await loadSharp();
    const meta = await sharp(await this.storage.get(p.sourceKey!)).metadata();
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    ctx.progress(0, { stage: 'upscaling', message: `Upscaling the source ×${up.scale} with ${up.name}` });
    const result = await upscaleImage(this.ai, {
      model: up.path,
      rgb: await this.rgbOf(p.sourceKey!, width, height, 3),
      width,
      height,
      scale: up.scale,
      signal: ctx.signal,
      onProgress: (u) => ctx.progress(0, { stage: 'upscaling', message: `Upscaling the source: tile ${u.tile}/${u.tiles}` }),
    });
    const { data } = await sharp(result.rgb, { raw: { width: result.width, height: result.height, channels: 3 } })
      .resize(p.width, p.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: result.width,
      height: result.height,
      workerMs: result.timing.workerMs,
    };
  }

  private async diffuse(p: GeneratePayload, ctx: JobContext) {
    const sampler = SAMPLERS[p.sampler] ?? SAMPLERS.euler_a!;
    const upscaled = p.upscaleFirst && p.sourceKey ? await this.upscaledSource(p, ctx) : null;
    const sourceRgb = upscaled ? upscaled.rgb : p.sourceKey ? await this.rgbOf(p.sourceKey, p.width, p.height, 3) : null;
    const image = sourceRgb ? { rgb: sourceRgb, strength: p.strength ?? undefined } : undefined;
    const painted = p.maskKey ? await this.rgbOf(p.maskKey, p.width, p.height, 1) : undefined;
    // A feathered mask widens what is redrawn; the result is blended back over a copy of the
    // source (the engine takes the arrays it is given).
    const soft = painted && sourceRgb && p.feather ? featherMask(painted, p.width, p.height, p.feather) : null;
    const kept = soft ? sourceRgb!.slice() : null;
    const mask = soft ? redrawArea(soft) : painted;
    const c = p.controlnet;
    let controlnet: ControlInput | undefined;
    if (c && (p.controlKey || (c.fromUpscaled && upscaled))) {
      const rgb = c.fromUpscaled && upscaled ? upscaled.rgb : await this.rgbOf(p.controlKey!, p.width, p.height, 3);
      const image = c.preprocessor === 'canny' ? cannyEdges(rgb, p.width, p.height, c.lowThreshold, c.highThreshold) : rgb;
      controlnet = { model: c.path, image, weight: c.weight, begin: c.begin, end: c.end, ...(c.depth ? { depth: c.depth.path } : {}) };
    }
    const result = await generateImage(this.ai, {
      model: p.model.path,
      prompt: p.prompt,
      negativePrompt: p.negativePrompt,
      width: p.width,
      height: p.height,
      steps: p.steps,
      guidanceScale: p.cfgScale,
      scheduler: sampler.scheduler,
      karras: sampler.karras,
      seed: p.seed,
      batchSize: p.batchSize,
      image,
      mask,
      previewEvery: 1,
      ...(p.sizeConditioning ? { sizeConditioning: p.sizeConditioning } : {}),
      ...(p.vae ? { vae: p.vae.path } : {}),
      ...(p.loras?.length
        ? {
            loras: p.loras.map((l) => ({ name: l.name, file: l.path, weight: l.weight })),
            // Beside the model folders (models/.lora-cache), which the catalog does not list.
            loraCacheDir: path.join(path.dirname(path.dirname(p.model.path)), '.lora-cache'),
          }
        : {}),
      ...(controlnet ? { controlnet } : {}),
      signal: ctx.signal,
      onProgress: (g: DiffusionProgress) => {
        const done = (g.image - 1) * g.steps + g.step;
        ctx.progress(done / (g.images * g.steps), {
          stage: 'denoising',
          message: g.images > 1 ? `Image ${g.image}/${g.images}, step ${g.step}/${g.steps}` : `Step ${g.step}/${g.steps}`,
          ...(g.preview ? { preview: g.preview.dataUrl } : {}),
        });
      },
    });
    return {
      images: soft && kept ? result.images.map((made) => blendBySoftMask(kept, made, soft)) : result.images,
      seeds: result.seeds,
      width: result.width,
      height: result.height,
      provider: result.provider,
      computeMs: result.timing.workerMs + (upscaled?.workerMs ?? 0),
      upscaled: upscaled ? { width: upscaled.width, height: upscaled.height } : null,
    };
  }

  private async upscale(p: GeneratePayload, ctx: JobContext) {
    const meta = await (await loadSharp())(await this.storage.get(p.sourceKey!)).metadata();
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    const rgb = await this.rgbOf(p.sourceKey!, width, height, 3);
    const result = await upscaleImage(this.ai, {
      model: p.model.path,
      rgb,
      width,
      height,
      scale: p.scale!,
      signal: ctx.signal,
      onProgress: (u) => ctx.progress(u.tile / u.tiles, { stage: 'upscaling', message: `Tile ${u.tile}/${u.tiles}` }),
    });
    return {
      images: [result.rgb],
      seeds: [] as number[],
      width: result.width,
      height: result.height,
      provider: result.provider,
      computeMs: result.timing.workerMs,
      upscaled: null,
    };
  }
}
