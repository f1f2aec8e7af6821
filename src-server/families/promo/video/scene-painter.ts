import type { AiPool } from '../../../ai/pool';
import { ModelCatalog } from '../../../ai/diffusion/catalog';
import { renderImage, usableCheckpoints } from '../../../ai/diffusion/render-image';
import { PLAN_ORDER } from '../../../auth/plans';
import { loadSharp } from '../../../media/lazy';
import type { Category } from '../lyrics/writer';

/** One painted scene and what painted it, so a run can say which model and device made its pictures. */
export interface PaintedScene {
  jpeg: Buffer;
  /** The catalog id of the checkpoint. */
  model: string;
  /** The execution provider the engine ran on (cpu, cuda, dml, coreml…). */
  provider: string;
  steps: number;
  computeMs: number;
}

/** Draws scene pictures, or says there is nothing to draw with. */
export interface ScenePainter {
  available(): boolean;
  paint(scene: string, seed: number, signal: AbortSignal): Promise<PaintedScene>;
}

/** What a promo for each kind of business shows when its site has too few pictures of its own. */
const SCENES: Record<Category, string[]> = {
  cafe: ['a cosy cafe interior with warm light', 'a latte with latte art on a wooden table', 'fresh pastries in a bakery display'],
  food: ['a welcoming restaurant dining room', 'a beautifully plated dish on a table', 'friends sharing a meal, warm light'],
  beauty: ['a bright modern beauty salon', 'styling tools neatly arranged', 'a calm spa room with soft towels'],
  health: ['a clean bright clinic reception', 'a friendly consultation room', 'a calm waiting room with plants'],
  shop: ['a neat little shop with shelves of goods', 'a gift wrapped with a ribbon', 'a shop window on a sunny street'],
  general: ['a friendly storefront on a sunny street', 'a welcoming interior with warm light', 'a neighbourhood street in the evening'],
};

const STYLE = 'professional advertising photograph, bright, inviting, high detail';
const NEGATIVE = 'text, letters, watermark, logo, blurry, deformed, people faces close-up, dark, ugly';

export function scenePrompts(category: Category, keywords: string[]): string[] {
  const extra = keywords.filter((k) => /^[\w\s-]+$/.test(k)).slice(0, 3);
  return SCENES[category].map((scene) => [scene, ...extra, STYLE].join(', '));
}

/**
 * The Image Studio's engine (the first usable installed checkpoint for the owner's plan, the same
 * path as album covers and story pictures), upscaled so the shorter side reaches what the frame needs.
 */
export class StudioPainter implements ScenePainter {
  private readonly model;

  constructor(
    private readonly pool: AiPool,
    dataDir: string,
    tier: string,
    private readonly minShortSide: number,
  ) {
    this.model = usableCheckpoints(new ModelCatalog(dataDir, PLAN_ORDER), tier)[0] ?? null;
  }

  available(): boolean {
    return this.model !== null;
  }

  async paint(scene: string, seed: number, signal: AbortSignal): Promise<PaintedScene> {
    if (!this.model) throw new Error('No Image Studio model is installed');
    const image = await renderImage(this.pool, { model: this.model, prompt: scene, negativePrompt: NEGATIVE, seed, signal });
    const scale = Math.max(1, this.minShortSide / Math.min(image.width, image.height));
    const sharp = await loadSharp();
    const jpeg = await sharp(Buffer.from(image.rgb), { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(Math.ceil(image.width * scale), Math.ceil(image.height * scale), { kernel: 'lanczos3' })
      .jpeg({ quality: 92 })
      .toBuffer();
    return { jpeg, model: this.model.id, provider: image.provider, steps: image.steps, computeMs: image.computeMs };
  }
}
