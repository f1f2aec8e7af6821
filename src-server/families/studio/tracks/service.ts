import fs from 'node:fs';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { studioTracks } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import { ACCEPTED_AUDIO, checkStoredAudio, type CheckedAudio } from '../files/audio';
import { deleteAll, moveStored, newIncomingKey, ownerPrefix, sweepIncoming, UPLOAD_URL_SECONDS } from '../files/store';
import { iso } from '../../../db/time';
import { trackNotFound, errors } from '../errors';

export type TrackRow = typeof studioTracks.$inferSelect;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Folder of a ready track's two files. */
const trackFolder = (row: Pick<TrackRow, 'ownerId' | 'id'>) => `${ownerPrefix(row.ownerId)}/tracks/${row.id}`;

/** Deletes tracks' files wherever they are: still in the upload area, or in their own folder. */
export async function deleteTrackFiles(
  storage: FileStore,
  rows: Pick<TrackRow, 'ownerId' | 'id' | 'trackKey' | 'recordKey'>[],
): Promise<void> {
  for (const row of rows) {
    await deleteAll(storage, [row.trackKey, row.recordKey]);
    await storage.deletePrefix(trackFolder(row));
  }
}

export interface TrackChange {
  trackId: number;
  trackName?: string;
  order?: number;
}

/**
 * A studio's tracks. A new track is `pending` with two upload keys; it becomes `ready` once both
 * files arrived and are audio (checked by content, then moved out of reach of the upload URLs),
 * or `failed` when a file is not audio or the URLs expired first. Positions are 1..n per studio.
 */
export class TrackService {
  /** Settles in progress, so two readers of one studio do not check and move the same files twice. */
  private readonly settling = new Map<number, Promise<TrackRow>>();

  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  get(id: number): TrackRow | null {
    return this.db.select().from(studioTracks).where(eq(studioTracks.id, id)).get() ?? null;
  }

  /** One track of one studio, or 404. */
  inStudio(studioId: number, trackId: number): TrackRow {
    const row = this.get(trackId);
    if (!row || row.studioId !== studioId) throw trackNotFound();
    return row;
  }

  /** The studio's tracks in order, pending ones settled first. */
  async list(ownerId: string, studioId: number): Promise<TrackRow[]> {
    const rows = this.rows(studioId);
    const pending = rows.filter((r) => r.status === 'pending');
    for (const row of pending) await this.settle(row);
    await this.sweep(ownerId);
    return pending.length > 0 ? this.rows(studioId) : rows;
  }

  /** Removes the owner's abandoned uploads, sparing the files of tracks still pending. */
  async sweep(ownerId: string): Promise<void> {
    await sweepIncoming(this.storage, ownerId, this.now(), this.pendingKeys(ownerId));
  }

  private rows(studioId: number, tx: Tx | Db = this.db): TrackRow[] {
    return tx
      .select()
      .from(studioTracks)
      .where(eq(studioTracks.studioId, studioId))
      .orderBy(asc(studioTracks.position), asc(studioTracks.id))
      .all();
  }

  private pendingKeys(ownerId: string): Set<string> {
    const rows = this.db
      .select({ track: studioTracks.trackKey, record: studioTracks.recordKey })
      .from(studioTracks)
      .where(and(eq(studioTracks.ownerId, ownerId), eq(studioTracks.status, 'pending')))
      .all();
    return new Set(rows.flatMap((r) => [r.track, r.record]));
  }

  /** A pending track at `order` (default: last), with fresh upload keys. Later tracks move down. */
  create(ownerId: string, studioId: number, fields: { name: string; instrument: string; order?: number }): TrackRow {
    const stamp = this.now();
    return this.db.transaction((tx) => {
      const rows = this.rows(studioId, tx);
      const position = Math.min(fields.order ?? rows.length + 1, rows.length + 1);
      const row = tx
        .insert(studioTracks)
        .values({
          studioId,
          ownerId,
          name: fields.name,
          instrument: fields.instrument,
          position,
          status: 'pending',
          trackKey: newIncomingKey(ownerId),
          recordKey: newIncomingKey(ownerId),
          uploadExpiresAt: stamp + UPLOAD_URL_SECONDS * 1000,
          createdAt: iso(stamp),
          updatedAt: iso(stamp),
        })
        .returning()
        .get();
      rows.splice(position - 1, 0, row);
      this.renumber(tx, rows);
      return { ...row, position };
    });
  }

  /**
   * A track from a file already on this computer (a composed song's stem): made the way an upload
   * is, so the same check decides whether it becomes `ready`.
   */
  async fromFile(ownerId: string, studioId: number, fields: { name: string; instrument: string }, file: string): Promise<TrackRow> {
    const row = this.create(ownerId, studioId, fields);
    await this.storage.put(row.trackKey, fs.createReadStream(file));
    await this.storage.put(row.recordKey, fs.createReadStream(file));
    return this.settle(row);
  }

  /** Checks a pending track's uploads and moves it on; other tracks come back as they are. */
  settle(row: TrackRow): Promise<TrackRow> {
    if (row.status !== 'pending') return Promise.resolve(row);
    let running = this.settling.get(row.id);
    if (!running) {
      running = this.check(row).finally(() => this.settling.delete(row.id));
      this.settling.set(row.id, running);
    }
    return running;
  }

  private async check(row: TrackRow): Promise<TrackRow> {
    const [hasTrack, hasRecord] = await Promise.all([this.storage.exists(row.trackKey), this.storage.exists(row.recordKey)]);
    if (!(hasTrack && hasRecord)) {
      if (this.now() < row.uploadExpiresAt) return row;
      return this.markFailed(
        row,
        'UPLOAD_EXPIRED',
        'The upload URLs expired before both files arrived; delete this track and record again',
      );
    }
    const [track, record] = await Promise.all([
      checkStoredAudio(this.storage, row.trackKey),
      checkStoredAudio(this.storage, row.recordKey),
    ]);
    if (!track) return this.markFailed(row, 'INVALID_AUDIO', `The converted track is not ${ACCEPTED_AUDIO}`);
    if (!record) return this.markFailed(row, 'INVALID_AUDIO', `The recording is not ${ACCEPTED_AUDIO}`);
    return this.markReady(row, track, record);
  }

  private async markReady(row: TrackRow, track: CheckedAudio, record: CheckedAudio): Promise<TrackRow> {
    const folder = trackFolder(row);
    const trackKey = `${folder}/track.${track.format}`;
    const recordKey = `${folder}/record.${record.format}`;
    try {
      await moveStored(this.storage, row.trackKey, trackKey);
      await moveStored(this.storage, row.recordKey, recordKey);
    } catch (err) {
      // The track was given up (its uploads deleted) while they were being checked.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await deleteAll(this.storage, [trackKey, recordKey]);
      return this.get(row.id) ?? row;
    }
    const updated = this.db
      .update(studioTracks)
      .set({
        status: 'ready',
        trackKey,
        recordKey,
        trackFormat: track.format,
        recordFormat: record.format,
        trackSize: track.size,
        recordSize: record.size,
        duration: track.duration,
        updatedAt: iso(this.now()),
      })
      .where(and(eq(studioTracks.id, row.id), eq(studioTracks.status, 'pending')))
      .returning()
      .get();
    // Deleted while its files were being checked: the moved files have no row any more.
    if (!updated) await deleteAll(this.storage, [trackKey, recordKey]);
    return updated ?? row;
  }

  /** A refused upload keeps no bytes: its files go, the row stays to tell the user why. */
  private async markFailed(row: TrackRow, code: string, reason: string): Promise<TrackRow> {
    await deleteAll(this.storage, [row.trackKey, row.recordKey]);
    const updated = this.db
      .update(studioTracks)
      .set({ status: 'failed', failCode: code, failReason: reason, updatedAt: iso(this.now()) })
      .where(and(eq(studioTracks.id, row.id), eq(studioTracks.status, 'pending')))
      .returning()
      .get();
    return updated ?? row;
  }

  /** The recording or conversion failed on the client: the pending (or failed) track and whatever arrived go. */
  /**
   * Without a trackId (the seed's clients send a bare DELETE), the upload that just failed: the
   * studio's newest track that is not ready.
   */
  async fail(studioId: number, trackId?: number): Promise<TrackRow> {
    const row =
      trackId !== undefined
        ? this.inStudio(studioId, trackId)
        : this.rows(studioId)
            .filter((r) => r.status !== 'ready')
            .reduce<TrackRow | undefined>((newest, r) => (newest && newest.id > r.id ? newest : r), undefined);
    if (!row) throw trackNotFound();
    if (row.status === 'ready') {
      throw errors.error('TRACK_NOT_PENDING', 'This track was uploaded completely; delete it with DELETE /api/work/track/{trackId}');
    }
    await this.remove(row);
    return row;
  }

  async remove(row: TrackRow): Promise<void> {
    this.db.transaction((tx) => {
      tx.delete(studioTracks).where(eq(studioTracks.id, row.id)).run();
      this.renumber(tx, this.rows(row.studioId, tx));
    });
    await deleteTrackFiles(this.storage, [row]);
  }

  /** Deletes every track of the studio and their files; returns how many there were. */
  async reset(studioId: number): Promise<number> {
    const rows = this.db.delete(studioTracks).where(eq(studioTracks.studioId, studioId)).returning().all();
    await deleteTrackFiles(this.storage, rows);
    return rows.length;
  }

  /** Renames and reorders several tracks at once: all of them or, when one is not in the studio, none. */
  update(studioId: number, changes: TrackChange[]): TrackRow[] {
    const ids = changes.map((c) => c.trackId);
    if (new Set(ids).size !== ids.length) throw errors.error('VALIDATION_ERROR', 'body.updateList names a track more than once');
    return this.db.transaction((tx) => {
      const rows = this.rows(studioId, tx);
      const found = new Map(rows.map((r) => [r.id, r]));
      const missing = ids.find((id) => !found.has(id));
      if (missing !== undefined) throw errors.error('TRACK_NOT_FOUND', `Track ${missing} is not in this studio`);
      const stamp = iso(this.now());
      const wanted = new Map<number, number>();
      for (const change of changes) {
        if (change.trackName !== undefined) {
          tx.update(studioTracks).set({ name: change.trackName, updatedAt: stamp }).where(eq(studioTracks.id, change.trackId)).run();
        }
        if (change.order !== undefined) wanted.set(change.trackId, change.order);
      }
      if (wanted.size > 0) {
        // Tracks sort by their new order; on a tie the one the client moved goes first.
        const ordered = [...rows].sort((a, b) => {
          const oa = wanted.get(a.id) ?? a.position;
          const ob = wanted.get(b.id) ?? b.position;
          return oa - ob || Number(wanted.has(b.id)) - Number(wanted.has(a.id)) || a.position - b.position;
        });
        this.renumber(tx, ordered);
      }
      return this.rows(studioId, tx);
    });
  }

  /** Renames one track and/or moves it to `order` (1 = first; past the end means last). */
  move(studioId: number, trackId: number, change: { trackName?: string; order?: number }): TrackRow {
    return this.db.transaction((tx) => {
      const rows = this.rows(studioId, tx);
      const index = rows.findIndex((r) => r.id === trackId);
      if (index < 0) throw trackNotFound();
      const stamp = iso(this.now());
      if (change.trackName !== undefined) {
        tx.update(studioTracks).set({ name: change.trackName, updatedAt: stamp }).where(eq(studioTracks.id, trackId)).run();
      }
      if (change.order !== undefined) {
        const [moved] = rows.splice(index, 1);
        rows.splice(Math.min(change.order, rows.length + 1) - 1, 0, moved!);
        this.renumber(tx, rows);
      }
      return tx.select().from(studioTracks).where(eq(studioTracks.id, trackId)).get()!;
    });
  }

  /** Positions 1..n in the given order, writing only the rows that changed. */
  private renumber(tx: Tx, ordered: TrackRow[]): void {
    ordered.forEach((row, i) => {
      if (row.position !== i + 1)
        tx.update(studioTracks)
          .set({ position: i + 1 })
          .where(eq(studioTracks.id, row.id))
          .run();
    });
  }
}
