import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { promoVideos } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import { promoErrors } from '../errors';

export type VideoRow = typeof promoVideos.$inferSelect;

/** Every file of one account's promo work lives under this prefix. */
export const ownerPrefix = (userId: string) => `promo/${userId}`;
/** The video's ASS captions, kept beside it (the lyrics as timed on screen). */
export const captionsKey = (fileKey: string) => fileKey.replace(/\.mp4$/, '.ass');

/** The finished videos of `/user/videos`; files in the store, rows in SQLite. */
export class VideoService {
  constructor(
    private readonly db: Db,
    private readonly store: FileStore,
  ) {}

  list(userId: string): VideoRow[] {
    return this.db.select().from(promoVideos).where(eq(promoVideos.userId, userId)).orderBy(desc(promoVideos.createdAt)).all();
  }

  byFilename(filename: string): VideoRow | null {
    return this.db.select().from(promoVideos).where(eq(promoVideos.filename, filename)).get() ?? null;
  }

  insert(row: typeof promoVideos.$inferInsert): VideoRow {
    return this.db.insert(promoVideos).values(row).returning().get();
  }

  countDownload(id: string): void {
    this.db
      .update(promoVideos)
      .set({ downloadCount: sql`${promoVideos.downloadCount} + 1` })
      .where(eq(promoVideos.id, id))
      .run();
  }

  /** Row first, then files: a failure half-way leaves no row that points at missing bytes. */
  async delete(userId: string, videoId: string): Promise<void> {
    const row = this.db
      .select()
      .from(promoVideos)
      .where(and(eq(promoVideos.id, videoId), eq(promoVideos.userId, userId)))
      .get();
    if (!row) throw promoErrors.error('VIDEO_001');
    this.db.delete(promoVideos).where(eq(promoVideos.id, videoId)).run();
    await this.store.delete(row.fileKey);
    if (row.thumbnailKey) await this.store.delete(row.thumbnailKey);
    await this.store.delete(captionsKey(row.fileKey));
  }
}
