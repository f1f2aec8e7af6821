import type { AiPool } from '../../../ai/pool';
import { JOB_KINDS } from '../../../../src-shared/jobs';
import { PLAN_ORDER } from '../../../auth/plans';
import { AiError } from '../../../ai/protocol';
import { CatalogError, ModelCatalog, type CatalogEntry } from '../../../ai/diffusion/catalog';
import { renderImage, usableCheckpoints } from '../../../ai/diffusion/render-image';
import { AppError } from '../../../http/errors';
import type { Job, JobContext, JobQueue, JobSnapshot } from '../../../jobs/queue';
import type { FileStore } from '../../../storage/file-store';
import { ownerPrefix } from '../files/store';
import { coverPrompt, coverSeed, drawCover, finishCover, type CoverWords } from './cover';
import { coverKeyFor } from './service';
import { errors } from '../errors';

export const COVER_JOB = JOB_KINDS.studioCover;
/** The lane every image and audio model shares: one heavy run on the device at a time. */
const GPU_LANE = 'gpu';
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export type CoverEngineChoice = 'auto' | 'diffusion' | 'procedural';

export interface CoverRequest extends CoverWords {
  engine: CoverEngineChoice;
  model: string | null;
  seed: number | null;
}

/** What a drawing job needs, stored with it: plain JSON. */
export interface CoverPayload extends CoverWords {
  ownerId: string;
  modelId: string;
  seed: number;
}

/** A finished cover, whichever engine drew it. */
export interface CoverResult {
  imageFilePath: string;
  /** `procedural`, or `diffusion:<model id> (onnx, <provider>)`. */
  engine: string;
  model: string | null;
  seed: number | null;
}

/** A procedural cover's seed is null unless `auto` fell back to it with a seed asked for. */
export type CoverPlan = { engine: 'procedural'; seed: number | null } | { engine: 'diffusion'; model: CatalogEntry; seed: number };

const unavailable = (why: string) =>
  errors.error(
    'IMAGE_MODEL_UNAVAILABLE',
    `${why}; install a Stable Diffusion ONNX export under models/diffusion/ in the data folder, or ask for engine "procedural"`,
  );

/** The engine name answers carry, e.g. `diffusion:sd15 (onnx, cpu)`. */
export const diffusionEngine = (modelId: string, provider: string) => `diffusion:${modelId} (onnx, ${provider})`;

/**
 * Album covers: the diffusion engine draws them when a checkpoint is installed (a `studio.cover`
 * job in the GPU lane, so the event loop and other heavy work are never blocked), else the
 * procedural cover, drawn at once.
 */
export class CoverService {
  private readonly catalog: ModelCatalog;
  /** Requests waiting for a job to end, by job id: one queue listener serves them all. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly storage: FileStore,
    private readonly queue: JobQueue,
    private readonly ai: AiPool,
    dataDir: string,
  ) {
    this.catalog = new ModelCatalog(dataDir, PLAN_ORDER);
  }

  /** Registers the job kind; call while the app builds. */
  register(): void {
    this.queue.register<CoverPayload, CoverResult>(COVER_JOB, {
      lane: GPU_LANE,
      maxAttempts: 2,
      handler: (job, ctx) => this.run(job, ctx),
    });
    this.queue.on('update', (s) => {
      if (s.kind === COVER_JOB && TERMINAL.has(s.status)) for (const wake of [...(this.waiters.get(s.id) ?? [])]) wake();
    });
  }

  /**
   * Which engine draws this request: `procedural` when asked or (with `auto`) when no checkpoint
   * the account's plan allows is installed; a named model must be installed, intact and allowed.
   */
  plan(r: CoverRequest, tier: string): CoverPlan {
    if (r.engine === 'procedural') {
      if (r.model !== null || r.seed !== null)
        throw errors.error(
          'VALIDATION_ERROR',
          '`model` and `seed` choose how the diffusion engine draws; they cannot go with engine "procedural"',
        );
      return { engine: 'procedural', seed: null };
    }
    const seed = r.seed ?? coverSeed(r);
    if (r.model !== null) return { engine: 'diffusion', model: this.named(r.model, tier), seed };
    const model = usableCheckpoints(this.catalog, tier)[0];
    if (model) return { engine: 'diffusion', model, seed };
    if (r.engine === 'diffusion') throw unavailable('No image model is installed');
    // A seed asked for with `auto` still makes each song's cover its own when no model draws it.
    return { engine: 'procedural', seed: r.seed };
  }

  private named(id: string, tier: string): CatalogEntry {
    let entry: CatalogEntry;
    try {
      entry = this.catalog.get('checkpoint', id);
    } catch (err) {
      if (err instanceof CatalogError)
        throw errors.error('MODEL_NOT_FOUND', `No image model "${id}" is installed; GET /api/v1/models lists what is`);
      throw err;
    }
    if (!entry.is_available) throw unavailable(`Image model "${id}" cannot be used (${entry.problem ?? 'it is incomplete'})`);
    if (!this.catalog.allows(tier, entry.min_tier))
      throw errors.error('MODEL_NOT_AVAILABLE', `Image model "${id}" needs the ${entry.min_tier} plan or above`);
    return entry;
  }

  /** The procedural cover, drawn and stored now. */
  async drawProcedural(ownerId: string, words: CoverWords, seed: number | null = null): Promise<CoverResult> {
    const png = await drawCover(words, seed);
    const key = coverKeyFor(ownerId, 'png');
    await this.storage.put(key, png);
    return { imageFilePath: key, engine: 'procedural', model: null, seed };
  }

  enqueue(ownerId: string, words: CoverWords, plan: Extract<CoverPlan, { engine: 'diffusion' }>): Job<CoverPayload, CoverResult> {
    const payload: CoverPayload = {
      ownerId,
      title: words.title,
      genre: words.genre,
      mood: words.mood,
      modelId: plan.model.id,
      seed: plan.seed,
    };
    return this.queue.enqueue<CoverPayload, CoverResult>({ kind: COVER_JOB, ownerId, payload });
  }

  /** The job when it is a cover job of this owner; 404/403 in the family's words otherwise. */
  owned(ownerId: string, jobId: string): Job<CoverPayload, CoverResult> {
    const job = this.queue.get<CoverPayload, CoverResult>(jobId);
    if (!job || job.kind !== COVER_JOB) throw errors.error('JOB_NOT_FOUND', 'No cover job has this id');
    if (job.ownerId !== ownerId) throw errors.error('FORBIDDEN', 'This cover job belongs to another account');
    return job;
  }

  /** Cancels a queued or running job (a finished one stays as it is); returns it as it is afterwards. */
  cancel(jobId: string, reason = 'Cancelled by the client'): Job<CoverPayload, CoverResult> {
    return this.queue.cancel(jobId, reason) as Job<CoverPayload, CoverResult>;
  }

  /** The error a failed or cancelled job answers with, as the family's error. */
  failure(job: JobSnapshot<CoverResult>): AppError {
    if (job.status === 'cancelled') return errors.error('COVER_CANCELLED', job.error ?? 'The cover job was cancelled');
    if (job.errorCode === 'IMAGE_MODEL_UNAVAILABLE')
      return errors.error('IMAGE_MODEL_UNAVAILABLE', job.error ?? 'The image model is unavailable');
    return errors.error('IMAGE_ENGINE_FAILED', job.error ?? 'The image engine could not draw the cover');
  }

  /** Answers every waiting request with its job as it is now (the server is closing: they get a job to poll). */
  wakeAll(): void {
    for (const waiting of [...this.waiters.values()]) for (const wake of [...waiting]) wake();
  }

  /** Resolves with the job once it has finished, or as it is after `ms` (or when `signal` aborts). */
  wait(jobId: string, ms: number, signal?: AbortSignal): Promise<JobSnapshot<CoverResult>> {
    return new Promise((resolve) => {
      const current = () => this.queue.snapshot(jobId) as JobSnapshot<CoverResult>;
      const now = current();
      if (TERMINAL.has(now.status) || ms <= 0 || signal?.aborted) return resolve(now);
      const waiting = this.waiters.get(jobId) ?? new Set<() => void>();
      this.waiters.set(jobId, waiting);
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        if (waiting.size === 0) this.waiters.delete(jobId);
        signal?.removeEventListener('abort', done);
        resolve(current());
      };
      const timer = setTimeout(done, ms);
      waiting.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private async run(job: Job<CoverPayload, CoverResult>, ctx: JobContext): Promise<CoverResult> {
    const p = job.payload;
    ctx.progress(0, { stage: 'loading', message: `Loading ${p.modelId}` });
    let model: CatalogEntry;
    try {
      model = this.catalog.get('checkpoint', p.modelId);
    } catch (err) {
      if (err instanceof CatalogError)
        throw errors.error('IMAGE_MODEL_UNAVAILABLE', `Image model "${p.modelId}" was removed before the cover was drawn`);
      throw err;
    }
    const words: CoverWords = { title: p.title, genre: p.genre, mood: p.mood };
    const { prompt, negativePrompt } = coverPrompt(words);
    let image;
    try {
      image = await renderImage(this.ai, {
        model,
        prompt,
        negativePrompt,
        seed: p.seed,
        signal: ctx.signal,
        onProgress: (g) => ctx.progress((g.step / g.steps) * 0.95, { stage: 'denoising', message: `Step ${g.step}/${g.steps}` }),
      });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // The data folder's absolute path means nothing to the client: name the model folder instead.
      const why = err instanceof AiError ? err.message.split(model.path).join(`models/diffusion/${p.modelId}`) : null;
      if (why !== null) throw errors.error('IMAGE_ENGINE_FAILED', `The image engine could not draw the cover with "${p.modelId}": ${why}`);
      throw err;
    }
    ctx.progress(0.97, { stage: 'typesetting', message: 'Setting the title' });
    const png = await finishCover(image, words);
    // Named after the job, so a run repeated after a restart overwrites its own file.
    const key = `${ownerPrefix(p.ownerId)}/covers/${job.id}.png`;
    await this.storage.put(key, png);
    if (ctx.signal.aborted) {
      await this.storage.delete(key).catch(() => false);
      throw ctx.signal.reason;
    }
    return { imageFilePath: key, engine: diffusionEngine(p.modelId, image.provider), model: p.modelId, seed: image.seed };
  }
}
