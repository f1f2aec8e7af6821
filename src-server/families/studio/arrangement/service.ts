import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { studioArrangements, type ArrangementStep } from '../../../db/schema';
import { iso } from '../../../db/time';
import { renderClips, type PlacedClip } from '../../../media/arrange-mix';
import { MediaDecodeError } from '../../../media/ffmpeg';
import type { FileStore } from '../../../storage/file-store';
import { arrangementEnd, frameOf, laneGains, type Arrangement, type ArrangementState } from '../../../../src-shared/api/arrangement';
import { errors } from '../errors';
import type { TrackRow } from '../tracks/service';

/** How many earlier documents undo keeps per studio. */
export const UNDO_DEPTH = 200;
/** Rounding of a take's length as its container reports it (milliseconds), allowed past the end. */
const END_SLACK = 0.002;

type Row = typeof studioArrangements.$inferSelect;

const conflict = (current: number, sent: number) =>
  errors.error(
    'ARRANGEMENT_CONFLICT',
    `The arrangement changed elsewhere: version ${current} is current and this change was made on version ${sent}. Reload it and make the change again.`,
  );

/** One lane per ready take with the whole take as its clip: a studio's arrangement before its first edit. */
function laneFor(track: TrackRow, taken: Set<string>): Arrangement['lanes'][number] {
  let laneId = `t${track.id}`;
  for (let n = 2; taken.has(laneId); n++) laneId = `t${track.id}-${n}`;
  taken.add(laneId);
  return {
    laneId,
    name: track.name,
    volume: 0,
    pan: 0,
    mute: false,
    solo: false,
    takes: [track.id],
    clips: [{ clipId: `${laneId}c`, trackId: track.id, start: 0, offset: 0, length: track.duration ?? 0 }],
  };
}

const DEFAULT_GRID = { bpm: 100, beatsPerBar: 4, beatUnit: 4 as const, loop: null };

/**
 * Each studio's arrangement document: versioned (a write names the version it was made on, else
 * 409), with the documents before each change kept for undo and the undone ones for redo.
 */
export class ArrangementService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  private row(studioId: number): Row | null {
    return this.db.select().from(studioArrangements).where(eq(studioArrangements.studioId, studioId)).get() ?? null;
  }

  /**
   * The stored document with the studio's tracks as they are now: clips of deleted takes are
   * dropped, and a ready take no lane names (recorded or imported since) gets a lane of its own.
   */
  private reconcile(doc: Arrangement, tracks: TrackRow[]): Arrangement {
    const ready = new Map(tracks.filter((t) => t.status === 'ready').map((t) => [t.id, t]));
    const lanes = doc.lanes.map((l) => ({
      ...l,
      takes: l.takes.filter((id) => ready.has(id)),
      clips: l.clips.filter((c) => ready.has(c.trackId)),
    }));
    const placed = new Set(doc.lanes.flatMap((l) => [...l.takes, ...l.clips.map((c) => c.trackId)]));
    const taken = new Set(lanes.map((l) => l.laneId));
    for (const track of ready.values()) if (!placed.has(track.id) && track.duration) lanes.push(laneFor(track, taken));
    return { ...doc, lanes };
  }

  state(studioId: number, tracks: TrackRow[]): ArrangementState {
    const row = this.row(studioId);
    return {
      studioId,
      version: row?.version ?? 0,
      arrangement: this.reconcile(row?.doc ?? { ...DEFAULT_GRID, lanes: [] }, tracks),
      undo: row?.undo.length ?? 0,
      redo: row?.redo.length ?? 0,
      lastChange: row?.undo.at(-1)?.label ?? null,
      updatedAt: row?.updatedAt ?? null,
    };
  }

  /** Bounds a schema cannot check: ids unique, clips inside their takes, takes of this studio, the loop forwards. */
  private check(doc: Arrangement, tracks: TrackRow[]): void {
    const ready = new Map(tracks.filter((t) => t.status === 'ready').map((t) => [t.id, t]));
    const lanes = new Set<string>();
    const clips = new Set<string>();
    if (doc.loop && doc.loop.end <= doc.loop.start) {
      throw errors.error('INVALID_CLIP', `The loop ends (${doc.loop.end} s) before it starts (${doc.loop.start} s)`);
    }
    for (const lane of doc.lanes) {
      if (lanes.has(lane.laneId)) throw errors.error('VALIDATION_ERROR', `Two lanes are both called "${lane.laneId}"`);
      lanes.add(lane.laneId);
      for (const id of lane.takes) {
        if (!ready.has(id))
          throw errors.error('INVALID_CLIP', `Lane "${lane.name}" lists take ${id}, which is not a ready track of this studio`);
      }
      for (const clip of lane.clips) {
        const where = `Clip "${clip.clipId}" on lane "${lane.name}"`;
        if (clips.has(clip.clipId)) throw errors.error('VALIDATION_ERROR', `Two clips are both called "${clip.clipId}"`);
        clips.add(clip.clipId);
        const take = ready.get(clip.trackId);
        if (!take) throw errors.error('INVALID_CLIP', `${where} plays track ${clip.trackId}, which is not a ready track of this studio`);
        const end = clip.offset + clip.length;
        if (take.duration !== null && end > take.duration + END_SLACK) {
          throw errors.error(
            'INVALID_CLIP',
            `${where} reads the take up to ${end.toFixed(3)} s, but "${take.name}" is only ${take.duration.toFixed(3)} s long`,
          );
        }
      }
    }
  }

  /** Stores `doc` as the next version, if `version` is the current one; the document it replaces goes on the undo stack. */
  write(studioId: number, version: number, doc: Arrangement, label: string, tracks: TrackRow[]): ArrangementState {
    this.check(doc, tracks);
    this.db.transaction((tx) => {
      const row = tx.select().from(studioArrangements).where(eq(studioArrangements.studioId, studioId)).get();
      const current = row?.version ?? 0;
      if (version !== current) throw conflict(current, version);
      const before = this.reconcile(row?.doc ?? { ...DEFAULT_GRID, lanes: [] }, tracks);
      const undo = [...(row?.undo ?? []), { doc: before, label }].slice(-UNDO_DEPTH);
      const values = { version: current + 1, doc, undo, redo: [], updatedAt: iso(this.now()) };
      if (row) tx.update(studioArrangements).set(values).where(eq(studioArrangements.studioId, studioId)).run();
      else
        tx.insert(studioArrangements)
          .values({ studioId, ...values })
          .run();
    });
    return this.state(studioId, tracks);
  }

  /** Steps back (`undo`) or forward (`redo`) one change, as a new version. */
  step(studioId: number, version: number, direction: 'undo' | 'redo', tracks: TrackRow[]): ArrangementState {
    this.db.transaction((tx) => {
      const row = tx.select().from(studioArrangements).where(eq(studioArrangements.studioId, studioId)).get();
      const current = row?.version ?? 0;
      if (version !== current) throw conflict(current, version);
      const from = direction === 'undo' ? [...(row?.undo ?? [])] : [...(row?.redo ?? [])];
      const to = direction === 'undo' ? [...(row?.redo ?? [])] : [...(row?.undo ?? [])];
      const target = from.pop();
      if (!row || !target) {
        throw errors.error(
          direction === 'undo' ? 'NOTHING_TO_UNDO' : 'NOTHING_TO_REDO',
          direction === 'undo' ? 'There is no change to undo' : 'There is no undone change to redo',
        );
      }
      to.push({ doc: row.doc, label: target.label });
      const stacks: { undo: ArrangementStep[]; redo: ArrangementStep[] } =
        direction === 'undo' ? { undo: from, redo: to } : { undo: to, redo: from };
      tx.update(studioArrangements)
        .set({ version: current + 1, doc: target.doc, ...stacks, updatedAt: iso(this.now()) })
        .where(eq(studioArrangements.studioId, studioId))
        .run();
    });
    return this.state(studioId, tracks);
  }

  /** The audible clips of the current arrangement, in frames at `sampleRate`, with their files. */
  placed(doc: Arrangement, tracks: TrackRow[], sampleRate: number): PlacedClip[] {
    const byId = new Map(tracks.map((t) => [t.id, t]));
    const anySolo = doc.lanes.some((l) => l.solo);
    return doc.lanes.flatMap((lane) => {
      const { left, right } = laneGains(lane, anySolo);
      return lane.clips.map((c) => ({
        file: this.storage.absolutePath(byId.get(c.trackId)!.trackKey),
        startFrame: frameOf(c.start, sampleRate),
        offsetFrame: frameOf(c.offset, sampleRate),
        lengthFrames: frameOf(c.length, sampleRate),
        left,
        right,
      }));
    });
  }

  /**
   * Renders the arrangement as the user hears it (clip edits, volume, pan, mute, solo) into a file
   * of `ext` in a temp folder; `use` reads it before the folder goes.
   */
  async render<T>(
    state: ArrangementState,
    tracks: TrackRow[],
    opts: { sampleRate: number; ext: 'wav' | 'mp3'; signal?: AbortSignal },
    use: (file: string) => Promise<T>,
  ): Promise<T> {
    const doc = state.arrangement;
    const end = arrangementEnd(doc);
    if (end <= 0) throw errors.error('NOTHING_TO_MIX', 'The arrangement has no clips to mix');
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-arrange-'));
    try {
      const file = path.join(dir, `mix.${opts.ext}`);
      try {
        await renderClips(this.placed(doc, tracks, opts.sampleRate), file, {
          sampleRate: opts.sampleRate,
          frames: frameOf(end, opts.sampleRate),
          signal: opts.signal,
        });
      } catch (err) {
        if (err instanceof MediaDecodeError) throw errors.error('MIX_FAILED', err.message);
        throw err;
      }
      return await use(file);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }
}
