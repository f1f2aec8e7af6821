import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { studioSongs } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import { MediaDecodeError } from '../../../media/ffmpeg';
import { mixAudioFiles } from '../../../media/mix';
import { checkStoredAudio, notAudio, sniffStoredImage } from '../files/audio';
import { deleteAll, isIncomingKeyOf, moveStored, ownerPrefix } from '../files/store';
import { iso } from '../../../db/time';
import { notYours, songNotFound, errors } from '../errors';

export type SongRow = typeof studioSongs.$inferSelect;

export interface SongFields {
  title: string;
  genre: string | null;
  mood: string | null;
  instruments: string[];
  coverKey: string | null;
  source: SongRow['source'];
  basicSongId?: number | null;
}

const COVER_KEY = (ownerId: string) =>
  new RegExp(
    `^studio/${ownerId.replace(/[^A-Za-z0-9-]/g, '')}/covers/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.(png|jpeg|webp)$`,
  );

const uploadMissing = (field: string) =>
  errors.error('UPLOAD_NOT_FOUND', `Nothing has been uploaded to ${field} yet: PUT the file to the presigned URL first`);

/** The folder that holds an AI song's extras (MP3, MIDI, stems): named like its audio file, without the extension. */
export const songExtrasPrefix = (fileKey: string) => fileKey.replace(/\.[^./]+$/, '');

/** What an AI song keeps beside its audio, by name under its extras folder. */
export interface SongExtraFiles {
  mp3: boolean;
  midi: boolean;
  /** Part names, sorted: `drums` for `stems/drums.wav`. */
  stems: string[];
}

const STEM_FILE = /^[A-Za-z0-9_-]+\.wav$/;
/** The only names an extras download may ask for: no other folder, no dot segments. */
export const EXTRA_FILE = /^(song\.mp3|song\.mid|stems\/[A-Za-z0-9_-]+\.wav)$/;

const extraNotFound = () => errors.error('FILE_NOT_FOUND', 'This song has no such file');

export const coverKeyFor = (ownerId: string, format: 'png' | 'jpeg' | 'webp') =>
  `${ownerPrefix(ownerId)}/covers/${crypto.randomUUID()}.${format}`;

/** Finished songs: a basic song (the user's own mix), an AI-composed one, or a mix the server made of the tracks. */
export class SongService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  get(id: number): SongRow | null {
    return this.db.select().from(studioSongs).where(eq(studioSongs.id, id)).get() ?? null;
  }

  /** The caller's song, or the family's 404/403. */
  owned(ownerId: string, id: number): SongRow {
    const row = this.get(id);
    if (!row) throw songNotFound();
    if (row.ownerId !== ownerId) throw notYours('song');
    return row;
  }

  /** The MP3, MIDI and stems the compose job kept for an AI song; null for other songs and AI songs without any. */
  async extras(row: SongRow): Promise<SongExtraFiles | null> {
    if (row.source !== 'ai') return null;
    const prefix = songExtrasPrefix(row.fileKey);
    const [mp3, midi, names] = await Promise.all([
      this.storage.exists(`${prefix}/song.mp3`),
      this.storage.exists(`${prefix}/song.mid`),
      fsp.readdir(this.storage.absolutePath(`${prefix}/stems`)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
        throw err;
      }),
    ]);
    const stems = names
      .filter((n) => STEM_FILE.test(n))
      .map((n) => n.slice(0, -'.wav'.length))
      .sort();
    return mp3 || midi || stems.length > 0 ? { mp3, midi, stems } : null;
  }

  /** The storage key of one extra of the song, `song.mp3`, `song.mid` or `stems/<part>.wav`; 404 FILE_NOT_FOUND otherwise. */
  extraKey(row: SongRow, file: string): string {
    if (row.source !== 'ai' || !EXTRA_FILE.test(file)) throw extraNotFound();
    return `${songExtrasPrefix(row.fileKey)}/${file}`;
  }

  /** Newest first. */
  listByOwner(ownerId: string): SongRow[] {
    return this.db.select().from(studioSongs).where(eq(studioSongs.ownerId, ownerId)).orderBy(desc(studioSongs.id)).all();
  }

  listByStudio(studioId: number, opts: { aiOnly?: boolean } = {}): SongRow[] {
    const where = opts.aiOnly ? and(eq(studioSongs.studioId, studioId), eq(studioSongs.aiUsed, true)) : eq(studioSongs.studioId, studioId);
    return this.db.select().from(studioSongs).where(where).orderBy(desc(studioSongs.id)).all();
  }

  /** A cover the caller generated earlier: one of its own keys, present, and an image by content. */
  async checkCover(ownerId: string, key: string): Promise<string> {
    if (!COVER_KEY(ownerId).test(key)) {
      throw errors.error('INVALID_IMAGE_PATH', 'imageFilePath must be an imageFilePath that GET /api/song/cover gave this account');
    }
    if (!(await sniffStoredImage(this.storage, key))) throw errors.error('IMAGE_NOT_FOUND', 'No cover image is stored at imageFilePath');
    return key;
  }

  /**
   * Saves an uploaded file as a song: the key must be one this account was handed, the upload
   * must have arrived and be audio. The file then moves out of the upload area.
   */
  async saveUpload(ownerId: string, studioId: number, incomingKey: string, fields: SongFields, field: string): Promise<SongRow> {
    if (!isIncomingKeyOf(ownerId, incomingKey)) {
      throw errors.error('INVALID_FILE_PATH', `${field} must be the file path a presignedUrl request gave this account`);
    }
    if (!(await this.storage.exists(incomingKey))) throw uploadMissing(field);
    const audio = await checkStoredAudio(this.storage, incomingKey);
    if (!audio) {
      await this.storage.delete(incomingKey);
      throw notAudio('uploaded song');
    }
    const key = `${ownerPrefix(ownerId)}/songs/${crypto.randomUUID()}.${audio.format}`;
    try {
      await moveStored(this.storage, incomingKey, key);
    } catch (err) {
      // A second save of the same upload, a moment behind the first.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw uploadMissing(field);
      throw err;
    }
    try {
      return this.insert(ownerId, studioId, key, audio, fields);
    } catch (err) {
      await this.storage.delete(key);
      throw err;
    }
  }

  /** Mixes stored tracks into one MP3 and saves it as a `mix` song. */
  async saveMix(ownerId: string, studioId: number, trackKeys: string[], fields: SongFields): Promise<SongRow> {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-mix-'));
    const key = `${ownerPrefix(ownerId)}/songs/${crypto.randomUUID()}.mp3`;
    try {
      const output = path.join(dir, 'mix.mp3');
      try {
        await mixAudioFiles(
          trackKeys.map((k) => this.storage.absolutePath(k)),
          { output },
        );
      } catch (err) {
        if (err instanceof MediaDecodeError) throw errors.error('MIX_FAILED', err.message);
        throw err;
      }
      await this.storage.put(key, fs.createReadStream(output));
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
    try {
      const audio = await checkStoredAudio(this.storage, key);
      if (!audio) throw errors.error('MIX_FAILED', 'Mixing the tracks produced no audio');
      return this.insert(ownerId, studioId, key, audio, fields);
    } catch (err) {
      await this.storage.delete(key);
      throw err;
    }
  }

  /** Records a song whose file is already stored under `key` (a mix or a composition). */
  insert(
    ownerId: string,
    studioId: number | null,
    key: string,
    audio: { format: string; size: number; duration: number | null },
    fields: SongFields,
  ): SongRow {
    const stamp = iso(this.now());
    return this.db
      .insert(studioSongs)
      .values({
        ownerId,
        studioId,
        basicSongId: fields.basicSongId ?? null,
        title: fields.title,
        genre: fields.genre,
        mood: fields.mood,
        instruments: fields.instruments,
        source: fields.source,
        aiUsed: fields.source === 'ai',
        fileKey: key,
        format: audio.format,
        size: audio.size,
        duration: audio.duration,
        coverKey: fields.coverKey,
        createdAt: stamp,
        updatedAt: stamp,
      })
      .returning()
      .get();
  }

  /**
   * Removes the owner's covers no song shows that are over a day old: covers are drawn before the
   * song is saved, and a client may draw several before keeping one.
   */
  async sweepCovers(ownerId: string): Promise<void> {
    const folder = `${ownerPrefix(ownerId)}/covers`;
    let names: string[];
    try {
      names = await fsp.readdir(this.storage.absolutePath(folder));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const used = new Set(
      this.db
        .select({ key: studioSongs.coverKey })
        .from(studioSongs)
        .where(eq(studioSongs.ownerId, ownerId))
        .all()
        .map((r) => r.key),
    );
    const cutoff = this.now() - 24 * 3600 * 1000;
    for (const name of names) {
      const key = `${folder}/${name}`;
      if (used.has(key)) continue;
      const stat = await this.storage.stat(key).catch(() => null);
      if (stat && stat.mtimeMs < cutoff) await this.storage.delete(key);
    }
  }

  /** Deletes the song and its file; its cover too unless another song shows it. */
  async delete(row: SongRow): Promise<void> {
    this.db.delete(studioSongs).where(eq(studioSongs.id, row.id)).run();
    const coverInUse =
      row.coverKey !== null &&
      this.db.select({ id: studioSongs.id }).from(studioSongs).where(eq(studioSongs.coverKey, row.coverKey)).get() !== undefined;
    await deleteAll(this.storage, [row.fileKey, coverInUse ? null : row.coverKey]);
    // An AI song's MP3, MIDI and stems sit in a folder named like its audio file.
    if (row.source === 'ai') await this.storage.deletePrefix(songExtrasPrefix(row.fileKey));
  }

  /** The song's public token, created on first share and kept until unshared. */
  share(row: SongRow): string {
    if (row.shareToken) return row.shareToken;
    const token = crypto.randomBytes(18).toString('base64url');
    this.db
      .update(studioSongs)
      .set({ shareToken: token, updatedAt: iso(this.now()) })
      .where(eq(studioSongs.id, row.id))
      .run();
    return token;
  }

  unshare(row: SongRow): void {
    this.db
      .update(studioSongs)
      .set({ shareToken: null, updatedAt: iso(this.now()) })
      .where(eq(studioSongs.id, row.id))
      .run();
  }

  byToken(token: string): SongRow | null {
    return this.db.select().from(studioSongs).where(eq(studioSongs.shareToken, token)).get() ?? null;
  }

  countView(row: SongRow): void {
    this.db
      .update(studioSongs)
      .set({ viewCount: sql`${studioSongs.viewCount} + 1` })
      .where(eq(studioSongs.id, row.id))
      .run();
  }
}
