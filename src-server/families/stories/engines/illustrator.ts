import type { AiPool } from '../../../ai/pool';
import { loadSharp } from '../../../media/lazy';
import { ModelCatalog } from '../../../ai/diffusion/catalog';
import { PLAN_ORDER } from '../../../auth/plans';
import { renderImage, usableCheckpoints } from '../../../ai/diffusion/render-image';
import type { StoryOutline } from './types';

export const PICTURE_STYLES = ['picture_book', 'watercolour', 'crayon'] as const;
export type PictureStyle = (typeof PICTURE_STYLES)[number];

const STYLE_WORDS: Record<PictureStyle, string> = {
  picture_book: "children's picture book illustration, soft colours, gentle light",
  watercolour: "watercolour children's book painting, soft washes, paper texture",
  crayon: "crayon drawing for a children's book, bright colours, hand-drawn",
};

const NEGATIVE = 'scary, dark, violent, blood, weapon, text, watermark, photo, realistic, ugly, deformed';

/**
 * One picture per chapter with the Image Studio's engine (the first usable installed checkpoint).
 * A character sheet (the same descriptors of every character and the same seed in every chapter)
 * keeps the hero looking alike from page to page. Null when no image model is installed.
 */
export class StoryIllustrator {
  private readonly catalog: ModelCatalog;

  constructor(
    private readonly pool: AiPool,
    dataDir: string,
  ) {
    this.catalog = new ModelCatalog(dataDir, PLAN_ORDER);
  }

  /** The checkpoint that would draw for an account of this plan, or null. */
  model(tier: string) {
    return usableCheckpoints(this.catalog, tier)[0] ?? null;
  }

  /** The fixed part of every prompt of a story. */
  characterSheet(outline: StoryOutline, style: PictureStyle): string {
    return `${STYLE_WORDS[style]}, ${outline.characters.join(' and ')}, in ${outline.setting}`;
  }

  async draw(
    tier: string,
    sheet: string,
    scene: string,
    seed: number,
    signal: AbortSignal,
  ): Promise<{ png: Buffer; engine: string } | null> {
    const model = this.model(tier);
    if (!model) return null;
    const image = await renderImage(this.pool, { model, prompt: `${sheet}, ${scene}`, negativePrompt: NEGATIVE, seed, signal });
    const sharp = await loadSharp();
    const png = await sharp(Buffer.from(image.rgb), { raw: { width: image.width, height: image.height, channels: 3 } })
      .png()
      .toBuffer();
    return { png, engine: `${model.id} (${image.provider})` };
  }
}
