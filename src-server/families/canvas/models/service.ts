import type { SdBase } from '../../../ai/diffusion/model-folder';
import { PLAN_ORDER } from '../../../auth/plans';
import { isAppError } from '../../../http/errors';
import { CatalogError, ModelCatalog, type CatalogEntry } from '../../../ai/diffusion/catalog';
import { tierAllows, tierOf, type TierName } from '../plans/tiers';
import { errors } from '../errors';
import { MODEL_BASES, MODEL_TYPES, type ModelBase, type ModelType } from '../../../../src-shared/api/canvas';

/** The spec's model types, each a folder under the data folder's models/ (src-shared/api/canvas.ts). */
export { MODEL_BASES, MODEL_TYPES, type ModelBase, type ModelType };

const BASE_NAMES: Record<SdBase, ModelBase> = { sd1: 'sd-1', sd2: 'sd-2', sdxl: 'sdxl' };
const ENGINE_BASE: Partial<Record<ModelBase, SdBase>> = { 'sd-1': 'sd1', 'sd-2': 'sd2', sdxl: 'sdxl' };

export interface CanvasModel {
  entry: CatalogEntry;
  id: string;
  name: string;
  displayName: string;
  type: EngineType;
  base: ModelBase | null;
  minTier: TierName;
  /** Installed intact (the caller's plan is a separate question). */
  installed: boolean;
}

/** The types the engine runs, and the catalog's name for each. */
export type EngineType = 'main' | 'upscaler' | 'vae' | 'lora' | 'controlnet' | 'depth';
const CATALOG_TYPE = {
  main: 'checkpoint',
  upscaler: 'upscaler',
  vae: 'vae',
  lora: 'lora',
  controlnet: 'controlnet',
  depth: 'depth',
} as const;
const TYPE_WORDS: Record<EngineType, string> = {
  main: 'an image model (type main)',
  upscaler: 'an upscaler',
  vae: 'a VAE',
  lora: 'a LoRA',
  controlnet: 'a ControlNet',
  depth: 'a depth model (Depth Anything)',
};

const toModel = (e: CatalogEntry): CanvasModel => ({
  entry: e,
  id: e.id,
  name: e.id,
  displayName: e.display_name,
  type: e.type === 'checkpoint' ? 'main' : e.type,
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
    if (filter.type && !(filter.type in CATALOG_TYPE)) return [];
    if (filter.base && !ENGINE_BASE[filter.base]) return [];
    // Checkpoints, LoRAs and ControlNets say which base they belong to.
    if (filter.base && (filter.type === 'upscaler' || filter.type === 'vae')) return [];
    const type = filter.type ? CATALOG_TYPE[filter.type as EngineType] : filter.base ? 'checkpoint' : undefined;
    return this.catalog.list({ type, base: filter.base ? ENGINE_BASE[filter.base] : undefined }).map(toModel);
  }

  /**
   * The model a request names (its name or id) for `tierName`: MODEL_NOT_FOUND (404) when no such
   * model is installed, INVALID_PARAMETERS when it is of another type or broken, MODEL_NOT_AVAILABLE
   * (403) when the plan does not include it.
   */
  resolve(name: string, type: EngineType, tierName: string, field = 'model'): CanvasModel {
    let entry: CatalogEntry;
    try {
      entry = this.catalog.get(CATALOG_TYPE[type], name);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      const other = this.list().find((m) => m.name === name);
      if (other)
        throw errors.error(
          'INVALID_PARAMETERS',
          `Model "${name}" is ${TYPE_WORDS[other.type].replace(' (type main)', '')}; this endpoint needs ${TYPE_WORDS[type]}`,
          { field },
        );
      throw errors.error('MODEL_NOT_FOUND', `No model "${name}" is installed; GET /models lists what is`, { model: name });
    }
    const model = toModel(entry);
    if (!model.installed)
      throw errors.error('INVALID_PARAMETERS', `Model "${name}" cannot be used: ${entry.problem ?? 'it is incomplete'}`, { field });
    const tier = tierOf(tierName);
    if (!tierAllows(tier, model.minTier)) {
      throw errors.error('MODEL_NOT_AVAILABLE', `Model "${name}" needs the ${model.minTier} plan or above; yours is ${tier.name}`, {
        model: name,
        min_tier: model.minTier,
        tier: tier.name,
      });
    }
    return model;
  }

  /**
   * The image model for a request that names none: the owner's choice in Settings when this plan
   * may use it, else the best installed one the plan allows (the largest base; an inpainting
   * checkpoint only for inpainting, when there is one). None installed: MODEL_NOT_FOUND, pointing
   * to the Models screen.
   */
  defaultMain(tierName: string, chosen: string | null, forInpainting: boolean): CanvasModel {
    if (chosen !== null) {
      try {
        return this.resolve(chosen, 'main', tierName);
      } catch (err) {
        if (!isAppError(err)) throw err;
      }
    }
    const tier = tierOf(tierName);
    const usable = this.list({ type: 'main' }).filter((m) => m.installed);
    const rank = (m: CanvasModel) => MODEL_BASES.indexOf(m.base ?? 'sd-1') * 2 + (m.entry.inpainting === forInpainting ? 1 : 0);
    const best = usable.filter((m) => tierAllows(tier, m.minTier)).sort((a, b) => rank(b) - rank(a) || a.id.localeCompare(b.id))[0];
    if (best) return best;
    if (usable.length > 0) {
      const cheapest = usable[0]!;
      throw errors.error(
        'MODEL_NOT_AVAILABLE',
        `No installed image model is in the ${tier.name} plan; "${cheapest.name}" needs ${cheapest.minTier}`,
        {
          model: cheapest.name,
          min_tier: cheapest.minTier,
          tier: tier.name,
        },
      );
    }
    throw errors.error(
      'MODEL_NOT_FOUND',
      'No image model is installed: install one on the Models screen (/app/models), then retry or name it in `model`',
      {
        models_screen: '/app/models',
      },
    );
  }

  /** The first installed upscaler the plan allows, for an upscale request that names none. */
  defaultUpscaler(tierName: string): CanvasModel {
    const tier = tierOf(tierName);
    const found = this.list({ type: 'upscaler' }).find((m) => m.installed && tierAllows(tier, m.minTier));
    if (!found) throw errors.error('MODEL_NOT_FOUND', 'No upscaler is installed; GET /models?type=upscaler lists what is');
    return found;
  }
}
