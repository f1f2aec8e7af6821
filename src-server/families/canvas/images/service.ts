import crypto from 'node:crypto';
import { loadSharp } from '../../../media/lazy';
import { and, asc, count, desc, eq, inArray, sum } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { canvasBoardImages, canvasBoards, canvasImages, canvasWorkflows } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import { iso } from '../../../db/time';
import { notFound, notYours } from '../errors';
import { withPngText } from './png-text';

export type ImageRow = typeof canvasImages.$inferSelect;

/** Everything of an account lives under one folder, so deleting the account removes one prefix. */
export const ownerPrefix = (userId: string) => `canvas/${userId}`;

/** Longest side of a gallery thumbnail. */
export const THUMBNAIL_SIZE = 256;

export interface NewImage {
  userId: string;
  jobId: string | null;
  /** RGB bytes, width × height × 3. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Shown in the gallery and written into the PNG (`parameters` in A1111's format, `atelier` as JSON). */
  metadata: Record<string, unknown>;
  /** A1111-style parameters text. */
  parameters: string;
  /** More PNG text chunks for other tools (InvokeAI's `invokeai_metadata`, `invokeai_workflow`, `invokeai_graph`). */
  text?: Record<string, string>;
}

export interface ListOptions {
  boardId?: string;
  starred?: boolean;
  sort: 'created_at' | 'file_size';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** Generated images: PNG files with their parameters inside, thumbnails, stars, share links. */
export class ImageService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  /** Encodes, stores and records one image; the id is fixed by the caller so a repeated job run overwrites its own files. */
  async save(id: string, input: NewImage): Promise<ImageRow> {
    const sharp = await loadSharp();
    const raw = { raw: { width: input.width, height: input.height, channels: 3 as const } };
    const png = withPngText(
      await sharp(Buffer.from(input.rgb.buffer, input.rgb.byteOffset, input.rgb.byteLength), raw)
        .png()
        .toBuffer(),
      {
        parameters: input.parameters,
        atelier: JSON.stringify(input.metadata),
        ...input.text,
        Software: 'Atelier',
      },
    );
    const thumb = await sharp(png)
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    const fileKey = `${ownerPrefix(input.userId)}/images/${id}.png`;
    const thumbnailKey = `${ownerPrefix(input.userId)}/thumbnails/${id}.webp`;
    await this.storage.put(fileKey, png);
    await this.storage.put(thumbnailKey, thumb);
    const values = {
      id,
      userId: input.userId,
      jobId: input.jobId,
      fileKey,
      thumbnailKey,
      width: input.width,
      height: input.height,
      fileSize: png.length,
      thumbnailSize: thumb.length,
      mimeType: 'image/png',
      metadata: input.metadata,
      createdAt: iso(this.now()),
    };
    return this.db
      .insert(canvasImages)
      .values(values)
      .onConflictDoUpdate({
        target: canvasImages.id,
        set: { fileSize: values.fileSize, thumbnailSize: values.thumbnailSize, metadata: values.metadata },
      })
      .returning()
      .get();
  }

  get(id: string): ImageRow | null {
    return this.db.select().from(canvasImages).where(eq(canvasImages.id, id)).get() ?? null;
  }

  /** The caller's image: 404 when it does not exist, 403 when it is someone else's. */
  owned(userId: string, id: string): ImageRow {
    const row = this.get(id);
    if (!row) throw notFound('Image');
    if (row.userId !== userId) throw notYours('image');
    return row;
  }

  list(userId: string, o: ListOptions): { rows: ImageRow[]; total: number } {
    const where = and(
      eq(canvasImages.userId, userId),
      o.starred === undefined ? undefined : eq(canvasImages.starred, o.starred),
      o.boardId === undefined
        ? undefined
        : inArray(
            canvasImages.id,
            this.db.select({ id: canvasBoardImages.imageId }).from(canvasBoardImages).where(eq(canvasBoardImages.boardId, o.boardId)),
          ),
    );
    const column = o.sort === 'file_size' ? canvasImages.fileSize : canvasImages.seq;
    const direction = o.order === 'asc' ? asc : desc;
    const rows = this.db
      .select()
      .from(canvasImages)
      .where(where)
      .orderBy(direction(column), direction(canvasImages.seq))
      .limit(o.limit)
      .offset(o.offset)
      .all();
    const total = this.db.select({ n: count() }).from(canvasImages).where(where).get()?.n ?? 0;
    return { rows, total };
  }

  boardsOf(imageId: string): { id: string; name: string }[] {
    return this.db
      .select({ id: canvasBoards.id, name: canvasBoards.name })
      .from(canvasBoardImages)
      .innerJoin(canvasBoards, eq(canvasBoards.id, canvasBoardImages.boardId))
      .where(eq(canvasBoardImages.imageId, imageId))
      .orderBy(asc(canvasBoards.seq))
      .all();
  }

  setStarred(row: ImageRow, starred: boolean): ImageRow {
    return this.db.update(canvasImages).set({ starred }).where(eq(canvasImages.id, row.id)).returning().get()!;
  }

  /** The image's public token, made on first share and kept until the image goes. */
  share(row: ImageRow): string {
    if (row.shareToken) return row.shareToken;
    const token = crypto.randomBytes(18).toString('base64url');
    this.db.update(canvasImages).set({ shareToken: token }).where(eq(canvasImages.id, row.id)).run();
    return token;
  }

  unshare(row: ImageRow): void {
    this.db.update(canvasImages).set({ shareToken: null }).where(eq(canvasImages.id, row.id)).run();
  }

  byToken(token: string): ImageRow | null {
    return this.db.select().from(canvasImages).where(eq(canvasImages.shareToken, token)).get() ?? null;
  }

  async delete(row: ImageRow): Promise<void> {
    this.db.delete(canvasImages).where(eq(canvasImages.id, row.id)).run();
    await this.storage.delete(row.fileKey);
    await this.storage.delete(row.thumbnailKey);
  }

  /** Bytes the account's images and their thumbnails take, and its saved workflows (which count against the same quota). */
  usage(userId: string): { images: number; thumbnails: number; workflows: number } {
    const row = this.db
      .select({ images: sum(canvasImages.fileSize), thumbnails: sum(canvasImages.thumbnailSize) })
      .from(canvasImages)
      .where(eq(canvasImages.userId, userId))
      .get();
    const saved = this.db
      .select({ bytes: sum(canvasWorkflows.definitionSize) })
      .from(canvasWorkflows)
      .where(eq(canvasWorkflows.userId, userId))
      .get();
    return { images: Number(row?.images ?? 0), thumbnails: Number(row?.thumbnails ?? 0), workflows: Number(saved?.bytes ?? 0) };
  }

  /** Which of `ids` are not the caller's images. */
  missing(userId: string, ids: string[]): string[] {
    const found = new Set(
      this.db
        .select({ id: canvasImages.id })
        .from(canvasImages)
        .where(and(eq(canvasImages.userId, userId), inArray(canvasImages.id, ids)))
        .all()
        .map((r) => r.id),
    );
    return ids.filter((id) => !found.has(id));
  }
}
