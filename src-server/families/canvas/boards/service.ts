import crypto from 'node:crypto';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { canvasBoardImages, canvasBoards } from '../../../db/schema';
import { iso } from '../../../db/time';
import { notFound, notYours } from '../errors';

export type BoardRow = typeof canvasBoards.$inferSelect;

/** Boards: named collections of an account's images; an image may sit on several. */
export class BoardService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  create(userId: string, name: string, description: string | null): BoardRow {
    const stamp = iso(this.now());
    return this.db
      .insert(canvasBoards)
      .values({ id: crypto.randomUUID(), userId, name, description, createdAt: stamp, updatedAt: stamp })
      .returning()
      .get();
  }

  find(id: string): BoardRow | null {
    return this.db.select().from(canvasBoards).where(eq(canvasBoards.id, id)).get() ?? null;
  }

  /** The caller's board: 404 when it does not exist, 403 when it is someone else's. */
  owned(userId: string, id: string): BoardRow {
    const row = this.find(id);
    if (!row) throw notFound('Board');
    if (row.userId !== userId) throw notYours('board');
    return row;
  }

  list(userId: string): BoardRow[] {
    return this.db.select().from(canvasBoards).where(eq(canvasBoards.userId, userId)).orderBy(asc(canvasBoards.seq)).all();
  }

  update(row: BoardRow, patch: { name?: string; description?: string | null }): BoardRow {
    return this.db
      .update(canvasBoards)
      .set({ ...patch, updatedAt: iso(this.now()) })
      .where(eq(canvasBoards.id, row.id))
      .returning()
      .get()!;
  }

  /** Deletes the board; its images stay in the gallery. */
  delete(row: BoardRow): void {
    this.db.delete(canvasBoards).where(eq(canvasBoards.id, row.id)).run();
  }

  /** Adds images (already checked to be the owner's); ones already on the board stay as they are. Returns how many were new. */
  addImages(row: BoardRow, imageIds: string[]): number {
    const stamp = iso(this.now());
    return this.db.transaction(() => {
      const before = this.imageCount(row.id);
      for (const imageId of imageIds)
        this.db.insert(canvasBoardImages).values({ boardId: row.id, imageId, addedAt: stamp }).onConflictDoNothing().run();
      this.db.update(canvasBoards).set({ updatedAt: stamp }).where(eq(canvasBoards.id, row.id)).run();
      return this.imageCount(row.id) - before;
    });
  }

  /** Whether the image was on the board. */
  removeImage(row: BoardRow, imageId: string): boolean {
    const gone = this.db
      .delete(canvasBoardImages)
      .where(and(eq(canvasBoardImages.boardId, row.id), eq(canvasBoardImages.imageId, imageId)))
      .returning()
      .all();
    if (gone.length > 0)
      this.db
        .update(canvasBoards)
        .set({ updatedAt: iso(this.now()) })
        .where(eq(canvasBoards.id, row.id))
        .run();
    return gone.length > 0;
  }

  imageCount(boardId: string): number {
    return this.db.select({ n: count() }).from(canvasBoardImages).where(eq(canvasBoardImages.boardId, boardId)).get()?.n ?? 0;
  }

  counts(boardIds: string[]): Map<string, number> {
    if (boardIds.length === 0) return new Map();
    const rows = this.db
      .select({ boardId: canvasBoardImages.boardId, n: count() })
      .from(canvasBoardImages)
      .where(inArray(canvasBoardImages.boardId, boardIds))
      .groupBy(canvasBoardImages.boardId)
      .all();
    return new Map(rows.map((r) => [r.boardId, r.n]));
  }
}
