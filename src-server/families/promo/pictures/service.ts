import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Metadata } from 'sharp';
import { loadSharp } from '../../../media/lazy';
import type { Db } from '../../../db/client';
import { promoItems, type PromoPicture } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import { promoErrors } from '../errors';
import type { ItemService } from '../items/service';
import { ownerPrefix } from '../videos/service';

/** Stored pictures are re-encoded to JPEG no larger than this on their long side. */
const MAX_SIDE = 2560;
export const MAX_PICTURES = 12;

/**
 * The pictures a business's video uses, in the order its owner set: the site's own, uploads and
 * Image Studio pictures, each re-encoded (EXIF orientation applied, metadata dropped) and kept in
 * the file store, so a re-run uses exactly what the owner saw.
 */
export class PictureService {
  constructor(
    private readonly db: Db,
    private readonly store: FileStore,
    private readonly items: ItemService,
    private readonly now: () => number,
  ) {}

  list(userId: string, itemId: string): PromoPicture[] {
    return this.items.get(userId, itemId).pictures;
  }

  /** Validates and stores one picture, appended after the others. */
  async add(userId: string, itemId: string, bytes: Buffer, source: PromoPicture['source'], minShortSide: number): Promise<PromoPicture[]> {
    const current = this.list(userId, itemId);
    if (current.length >= MAX_PICTURES)
      throw promoErrors.error('PICTURE_001', `A video takes at most ${MAX_PICTURES} pictures; remove one first`);
    const sharp = await loadSharp();
    let meta: Metadata;
    try {
      meta = await sharp(bytes).metadata();
    } catch {
      throw promoErrors.error('PICTURE_002', 'That file is not a picture Atelier can read (JPEG, PNG, WebP, GIF or AVIF)');
    }
    const short = Math.min(meta.width ?? 0, meta.height ?? 0);
    if (short < minShortSide)
      throw promoErrors.error(
        'PICTURE_002',
        `${meta.width}×${meta.height} is too small: the shorter side needs at least ${minShortSide} px`,
      );
    const jpeg = await sharp(bytes)
      .rotate()
      .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 90 })
      .toBuffer();
    const id = crypto.randomUUID();
    const picture: PromoPicture = {
      id,
      key: `${ownerPrefix(userId)}/pictures/${id}.jpg`,
      source,
      sha256: crypto.createHash('sha256').update(jpeg).digest('hex'),
    };
    await this.store.put(picture.key, jpeg);
    try {
      return this.save(itemId, [...this.list(userId, itemId), picture]);
    } catch (err) {
      await this.store.delete(picture.key).catch(() => false);
      throw err;
    }
  }

  /** `ids` must name each of the item's pictures once. */
  reorder(userId: string, itemId: string, ids: string[]): PromoPicture[] {
    const current = this.list(userId, itemId);
    const byId = new Map(current.map((p) => [p.id, p]));
    if (ids.length !== current.length || new Set(ids).size !== ids.length || ids.some((id) => !byId.has(id))) {
      throw promoErrors.error('PICTURE_003', "picture_ids must list each of this business's pictures exactly once");
    }
    return this.save(
      itemId,
      ids.map((id) => byId.get(id)!),
    );
  }

  async remove(userId: string, itemId: string, pictureId: string): Promise<PromoPicture[]> {
    const current = this.list(userId, itemId);
    const gone = current.find((p) => p.id === pictureId);
    if (!gone) throw promoErrors.error('PICTURE_004');
    const left = this.save(
      itemId,
      current.filter((p) => p.id !== pictureId),
    );
    await this.store.delete(gone.key);
    return left;
  }

  private save(itemId: string, pictures: PromoPicture[]): PromoPicture[] {
    this.db
      .update(promoItems)
      .set({ pictures, updatedAt: new Date(this.now()).toISOString() })
      .where(eq(promoItems.id, itemId))
      .run();
    return pictures;
  }
}
