import type { AiPool } from '../pool';
import type { ExecutionProvider } from '../protocol';
import type { CatalogEntry, ModelCatalog } from './catalog';
import type { DiffusionModelFolder } from './model-folder';
import { generateImage, type DiffusionProgress } from './pipeline';
import type { SchedulerName } from './schedulers';

// One text-to-image with an installed checkpoint at sensible defaults, for features that want a
// picture rather than the canvas family's every knob (album covers). The model's own folder
// decides the sampler: LCM-distilled and turbo checkpoints need few steps and little guidance.

/** Usable text-to-image checkpoints for `plan`, ordinary ones before inpainting-only ones, then by id. */
export function usableCheckpoints(catalog: ModelCatalog, plan: string): CatalogEntry[] {
  return catalog
    .list({ type: 'checkpoint' })
    .filter((e) => e.is_available && catalog.allows(plan, e.min_tier))
    .sort((a, b) => Number(a.inpainting) - Number(b.inpainting) || a.id.localeCompare(b.id));
}

export type Distillation = 'lcm' | 'turbo' | null;

export interface SamplingPlan {
  scheduler: SchedulerName;
  steps: number;
  guidanceScale: number;
  /** Square side: the model's native size. */
  size: number;
  distilled: Distillation;
}

/**
 * How a checkpoint is best sampled, from its folder: an LCM scheduler config or a UNet with
 * `timestep_cond` (LCM-distilled) → `lcm`, 6 steps; "turbo" in its name or description (SD/SDXL
 * Turbo, trained for 1–4 steps without guidance) → euler_a, 4 steps, no guidance; else euler_a, 20.
 */
export function samplingPlan(model: DiffusionModelFolder, entry: Pick<CatalogEntry, 'id' | 'display_name' | 'description'>): SamplingPlan {
  const size = model.sampleSize;
  const lcmScheduler = model.schedulerConfig._class_name === 'LCMScheduler';
  const guidanceEmbedded = model.unet.inputs.some((v) => v.name === 'timestep_cond');
  if (lcmScheduler || guidanceEmbedded) {
    // An LCM-distilled UNet takes the guidance as an embedding (diffusers' default 8.5); an LCM-LoRA fused into an ordinary UNet wants almost none.
    return { scheduler: 'lcm', steps: 6, guidanceScale: guidanceEmbedded ? 8.5 : 1.5, size, distilled: 'lcm' };
  }
  if (/turbo/i.test(`${entry.id} ${entry.display_name} ${entry.description ?? ''}`))
    return { scheduler: 'euler_a', steps: 4, guidanceScale: 0, size, distilled: 'turbo' };
  return { scheduler: 'euler_a', steps: 20, guidanceScale: 7.5, size, distilled: null };
}

export interface RenderImageOptions {
  model: CatalogEntry;
  prompt: string;
  negativePrompt: string;
  seed: number;
  /** Overrides the plan's steps. */
  steps?: number;
  signal?: AbortSignal;
  onProgress?: (progress: DiffusionProgress) => void;
}

export interface RenderedImage {
  /** RGB bytes, width × height × 3. */
  rgb: Uint8Array;
  width: number;
  height: number;
  seed: number;
  steps: number;
  scheduler: SchedulerName;
  distilled: Distillation;
  provider: ExecutionProvider;
  computeMs: number;
}

/** A square text-to-image at the model's native size, in the pool's heavy slot (see pipeline.ts). */
export async function renderImage(pool: AiPool, options: RenderImageOptions): Promise<RenderedImage> {
  const { id, display_name, description, path } = options.model;
  // In a worker (see plan-task.ts), so the main thread never reads the folder's headers.
  const { output: plan } = await pool.run<SamplingPlan>(
    'diffusion-plan',
    { model: path, entry: { id, display_name, description } },
    {
      capability: 'image',
      signal: options.signal,
    },
  );
  const steps = options.steps ?? plan.steps;
  const result = await generateImage(pool, {
    model: options.model.path,
    prompt: options.prompt,
    negativePrompt: options.negativePrompt,
    width: plan.size,
    height: plan.size,
    steps,
    guidanceScale: plan.guidanceScale,
    scheduler: plan.scheduler,
    seed: options.seed,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return {
    rgb: result.rgb,
    width: result.width,
    height: result.height,
    seed: result.seed,
    steps: result.steps,
    scheduler: plan.scheduler,
    distilled: plan.distilled,
    provider: result.provider,
    computeMs: result.timing.workerMs,
  };
}
