import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { studioStudios, studioTracks } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import { deleteTrackFiles } from '../tracks/service';
import { iso } from '../../../db/time';
import { notYours, studioNotFound } from '../errors';

export type StudioRow = typeof studioStudios.$inferSelect;

export interface StudioSummary extends StudioRow {
  /** Instruments of the studio's ready tracks, in track order. */
  instruments: string[];
  trackCount: number;
}

/** Workrooms ("작업실"): each account's own, holding its tracks. */
export class StudioService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  /** The caller's studio, or the family's 404/403. */
  owned(ownerId: string, id: number): StudioRow {
    const row = this.db.select().from(studioStudios).where(eq(studioStudios.id, id)).get();
    if (!row) throw studioNotFound();
    if (row.ownerId !== ownerId) throw notYours('studio');
    return row;
  }

  /** Most recently changed first, as the personal page shows them. */
  list(ownerId: string): StudioSummary[] {
    const studios = this.db
      .select()
      .from(studioStudios)
      .where(eq(studioStudios.ownerId, ownerId))
      .orderBy(desc(studioStudios.updatedAt), desc(studioStudios.id))
      .all();
    if (studios.length === 0) return [];
    const tracks = this.db
      .select({ studioId: studioTracks.studioId, instrument: studioTracks.instrument, status: studioTracks.status })
      .from(studioTracks)
      .where(
        inArray(
          studioTracks.studioId,
          studios.map((s) => s.id),
        ),
      )
      .orderBy(asc(studioTracks.position), asc(studioTracks.id))
      .all();
    return studios.map((s) => {
      const own = tracks.filter((t) => t.studioId === s.id);
      return { ...s, trackCount: own.length, instruments: own.filter((t) => t.status === 'ready').map((t) => t.instrument) };
    });
  }

  create(ownerId: string, name: string): StudioRow {
    const stamp = iso(this.now());
    return this.db.insert(studioStudios).values({ ownerId, name, createdAt: stamp, updatedAt: stamp }).returning().get();
  }

  rename(id: number, name: string): void {
    this.db
      .update(studioStudios)
      .set({ name, updatedAt: iso(this.now()) })
      .where(eq(studioStudios.id, id))
      .run();
  }

  /** Marks the studio changed (its tracks were), for the list's order and `modifiedAt`. */
  touch(id: number): void {
    this.db
      .update(studioStudios)
      .set({ updatedAt: iso(this.now()) })
      .where(eq(studioStudios.id, id))
      .run();
  }

  /**
   * Deletes the studio and its tracks with their files. Its finished songs stay on the owner's
   * page (they no longer name a studio).
   */
  async delete(ownerId: string, id: number): Promise<{ deletedTracks: number }> {
    const tracks = this.db
      .select({ id: studioTracks.id, ownerId: studioTracks.ownerId, trackKey: studioTracks.trackKey, recordKey: studioTracks.recordKey })
      .from(studioTracks)
      .where(eq(studioTracks.studioId, id))
      .all();
    this.db
      .delete(studioStudios)
      .where(and(eq(studioStudios.id, id), eq(studioStudios.ownerId, ownerId)))
      .run();
    await deleteTrackFiles(this.storage, tracks);
    return { deletedTracks: tracks.length };
  }
}
