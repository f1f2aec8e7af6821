import type { SdBase } from '../../../ai/diffusion/model-folder';
import { PLAN_ORDER } from '../../../auth/plans';
import { CatalogError, ModelCatalog, type CatalogEntry } from '../../../ai/diffusion/catalog';
import { tierAllows, tierOf, type TierName } from '../plans/tiers';
import { errors } from '../errors';

/** The spec's model types; the engine runs checkpoints (`main`) and upscalers, no VAE, LoRA or ControlNet files. */
export const MODEL_TYPES = ['main', 'vae', 'lora', 'controlnet', 'upscaler'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];
export const MODEL_BASES = ['sd-1', 'sd-2', 'sdxl', 'flux'] as const;
export type ModelBase = (typeof MODEL_BASES)[number];

const BASE_NAMES: Record<SdBase, ModelBase> = { sd1: 'sd-1', sd2: 'sd-2', sdxl: 'sdxl' };
const ENGINE_BASE: Partial<Record<ModelBase, SdBase>> = { 'sd-1': 'sd1', 'sd-2': 'sd2', sdxl: 'sdxl' };

export interface CanvasModel {
  entry: CatalogEntry;
  id: string;
  name: string;
  displayName: string;
  type: 'main' | 'upscaler';
  base: ModelBase | null;
  minTier: TierName;
  /** Installed intact (the caller's plan is a separate question). */
  installed: boolean;
}

const toModel = (e: CatalogEntry): CanvasModel => ({
  entry: e,
  id: e.id,
  name: e.id,
  displayName: e.display_name,
  type: e.type === 'checkpoint' ? 'main' : 'upscaler',
  base: e.base ? BASE_NAMES[e.base] : null,
  // The catalog was given PLAN_ORDER, so it names only those plans.
  minTier: e.min_tier as TierName,
  installed: e.is_available,
});

/** The canvas view of the models installed in the data folder's `models/` (see ai/diffusion/catalog.ts). */
export class ImageModelService {
  readonly catalog: ModelCatalog;

  constructor(dataDir: string) {
    this.catalog = new ModelCatalog(dataDir, PLAN_ORDER);
  }

  list(filter: { type?: ModelType; base?: ModelBase } = {}): CanvasModel[] {
    if (filter.type && filter.type !== 'main' && filter.type !== 'upscaler') return [];
    if (filter.base && !ENGINE_BASE[filter.base]) return [];
    if (filter.type === 'upscaler' && filter.base) return [];
    const type = filter.type === 'main' || filter.base ? 'checkpoint' : filter.type === 'upscaler' ? 'upscaler' : undefined;
    return this.catalog.list({ type, base: filter.base ? ENGINE_BASE[filter.base] : undefined }).map(toModel);
  }

  /**
   * The model a request names (its name or id) for `tierName`: MODEL_NOT_FOUND (404) when no such
   * model is installed, INVALID_PARAMETERS when it is of another type or broken, MODEL_NOT_AVAILABLE
   * (403) when the plan does not include it.
   */
  resolve(name: string, type: 'main' | 'upscaler', tierName: string): CanvasModel {
    let entry: CatalogEntry;
    try {
      entry = this.catalog.get(type === 'main' ? 'checkpoint' : 'upscaler', name);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      const other = this.list().find((m) => m.name === name);
      if (other) throw errors.error('INVALID_PARAMETERS', `Model "${name}" is ${other.type === 'main' ? 'an image model' : 'an upscaler'}; this endpoint needs ${type === 'main' ? 'an image model (type main)' : 'an upscaler'}`, { field: 'model' });
      throw errors.error('MODEL_NOT_FOUND', `No model "${name}" is installed; GET /models lists what is`, { model: name });
    }
    const model = toModel(entry);
    if (!model.installed) throw errors.error('INVALID_PARAMETERS', `Model "${name}" cannot be used: ${entry.problem ?? 'it is incomplete'}`, { field: 'model' });
    const tier = tierOf(tierName);
    if (!tierAllows(tier, model.minTier)) {
      throw errors.error('MODEL_NOT_AVAILABLE', `Model "${name}" needs the ${model.minTier} plan or above; yours is ${tier.name}`, { model: name, min_tier: model.minTier, tier: tier.name });
    }
    return model;
  }

  /** The first installed upscaler the plan allows, for an upscale request that names none. */
  defaultUpscaler(tierName: string): CanvasModel {
    const tier = tierOf(tierName);
    const found = this.list({ type: 'upscaler' }).find((m) => m.installed && tierAllows(tier, m.minTier));
    if (!found) throw errors.error('MODEL_NOT_FOUND', 'No upscaler is installed; GET /models?type=upscaler lists what is');
    return found;
  }
}
