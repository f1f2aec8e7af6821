import { and, count, desc, eq, getTableName, like, or, sql } from 'drizzle-orm';
import { loadMusicMetadata } from '../../../media/lazy';
import type { Db } from '../../../db/client';
import { watchTables } from '../../../db/table-watch';
import { stageAudioFiles, studioSongs, users } from '../../../db/schema';
import { FileTooLargeError, type FileStore } from '../../../storage/file-store';
import { fileStem } from '../../../storage/file-names';
import { iso } from '../../../db/time';
import { MiB, StreamHead } from '../../../storage/streams';
import { FRAME_WINDOW, MAX_ID3_BYTES, id3Length, metadataAgrees, sniffAudio, type AudioFormat } from '../../../media/audio-sniff';
import { errors } from '../errors';

export const AUDIO_MAX_BYTES = 100 * MiB;
export const MY_SONGS_MAX = 500;

export type AudioRow = Omit<typeof stageAudioFiles.$inferSelect, 'fromSongId'> & { uploaderSeq: number };

/** An upload stored and checked, not yet in the library. */
export interface ReceivedAudio {
  key: string;
  size: number;
  format: AudioFormat;
  /** Seconds, as read from the file; null when the container does not say. */
  duration: number | null;
}

export const tooLarge = () => errors.error('FILE_TOO_LARGE', `Audio files may be at most ${AUDIO_MAX_BYTES / MiB} MB`);

export const notAudio = () =>
  errors.error('INVALID_FILE_TYPE', 'Only AAC, M4A, MP3 and WAV audio files are accepted (recognised by their content)');

const columns = {
  id: stageAudioFiles.id,
  title: stageAudioFiles.title,
  artist: stageAudioFiles.artist,
  filePath: stageAudioFiles.filePath,
  fileSize: stageAudioFiles.fileSize,
  duration: stageAudioFiles.duration,
  format: stageAudioFiles.format,
  uploadedBy: stageAudioFiles.uploadedBy,
  createdAt: stageAudioFiles.createdAt,
  uploaderSeq: users.seq,
};

const RECENT_ROWS = 256;

/** The installation's shared audio library ("공용 음원"): every account reads it; uploads record who sent them. */
export class AudioService {
  /** Keys being written or checked: stored, but not in the table yet. The orphan sweep leaves them alone. */
  private readonly inFlight = new Set<string>();
  /** Prepared once: every Range request of a playing song looks its row up. */
  private readonly byId;
  /** Rows looked up lately, by id; any write to the library or to users (uploader names) empties it at once. */
  private readonly recent = new Map<number, AudioRow>();
  private readonly checkOtherWriters: () => void;

  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {
    this.byId = this.select()
      .where(eq(stageAudioFiles.id, sql.placeholder('id')))
      .prepare();
    this.checkOtherWriters = watchTables(db.$client, [getTableName(stageAudioFiles), getTableName(users)], () => this.recent.clear());
  }

  private select() {
    return this.db.select(columns).from(stageAudioFiles).innerJoin(users, eq(users.id, stageAudioFiles.uploadedBy));
  }

  /** One page of the library, newest first. */
  list(page: { limit: number; offset: number }): AudioRow[] {
    return this.select().orderBy(desc(stageAudioFiles.id)).limit(page.limit).offset(page.offset).all();
  }

  total(): number {
    return this.db.select({ n: count() }).from(stageAudioFiles).get()?.n ?? 0;
  }

  get(id: number): AudioRow | null {
    this.checkOtherWriters();
    let row = this.recent.get(id);
    if (row) return row;
    row = this.byId.get({ id });
    if (!row) return null;
    if (this.recent.size >= RECENT_ROWS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(id, row);
    return row;
  }

  exists(id: number): boolean {
    return this.db.select({ id: stageAudioFiles.id }).from(stageAudioFiles).where(eq(stageAudioFiles.id, id)).get() !== undefined;
  }

  /** Title or artist containing `query`, case-insensitively for Latin letters; `%` and `_` match themselves. */
  search(query: string): AudioRow[] {
    const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const escaped = (column: typeof stageAudioFiles.title | typeof stageAudioFiles.artist) => sql`${like(column, pattern)} ESCAPE '\\'`;
    return this.select()
      .where(or(escaped(stageAudioFiles.title), escaped(stageAudioFiles.artist)))
      .orderBy(desc(stageAudioFiles.id))
      .all();
  }

  /**
   * Stores an uploaded file if its bytes are AAC, M4A, MP3 or WAV, under `audio/<ms>-<rand>.<format>`.
   * Throws INVALID_FILE_TYPE or FILE_TOO_LARGE and then leaves nothing on disk.
   */
  async receive(stream: AsyncIterable<Buffer>): Promise<ReceivedAudio> {
    const head = new StreamHead(stream);
    const tag = id3Length(await head.fill(10));
    const format = tag <= MAX_ID3_BYTES ? sniffAudio(await head.fill(tag + FRAME_WINDOW), head.complete) : null;
    if (!format) {
      await head.close();
      throw notAudio();
    }

    const key = `audio/${fileStem(this.now())}.${format}`;
    this.inFlight.add(key);
    try {
      const { size } = await this.storage.put(key, head.all(), { maxBytes: AUDIO_MAX_BYTES });
      const meta = await (
        await loadMusicMetadata()
      )
        .parseFile(this.storage.absolutePath(key), { duration: true, skipCovers: true })
        .catch(() => null);
      if (!meta || !metadataAgrees(format, meta.format)) throw notAudio();
      const seconds = meta.format.duration;
      const duration = seconds !== undefined && Number.isFinite(seconds) ? Math.round(seconds * 1000) / 1000 : null;
      return { key, size, format, duration };
    } catch (err) {
      await this.discard(key);
      if (err instanceof FileTooLargeError) throw tooLarge();
      throw err;
    }
  }

  /** The caller's finished songs (My songs, from every studio of theirs), newest first, with the library id of those already added. */
  mySongs(ownerId: string): { songId: number; title: string; duration: number | null; studioId: number | null; audioId: number | null }[] {
    return this.db
      .select({
        songId: studioSongs.id,
        title: studioSongs.title,
        duration: studioSongs.duration,
        studioId: studioSongs.studioId,
        audioId: stageAudioFiles.id,
      })
      .from(studioSongs)
      .leftJoin(stageAudioFiles, and(eq(stageAudioFiles.fromSongId, studioSongs.id), eq(stageAudioFiles.uploadedBy, ownerId)))
      .where(eq(studioSongs.ownerId, ownerId))
      .orderBy(desc(studioSongs.id))
      .limit(MY_SONGS_MAX)
      .all();
  }

  /**
   * Adds one of the caller's songs to the library by copying its stored file (nothing is uploaded
   * again). A song added before answers its existing row. The copy is sniffed like an upload, so a
   * song in a format the library does not take is refused with INVALID_FILE_TYPE.
   */
  async addFromSong(ownerId: string, songId: number): Promise<{ row: AudioRow; created: boolean }> {
    const song = this.db
      .select()
      .from(studioSongs)
      .where(and(eq(studioSongs.id, songId), eq(studioSongs.ownerId, ownerId)))
      .get();
    if (!song) throw errors.error('AUDIO_NOT_FOUND', `Song ${songId} is not one of your songs`);
    const existing = this.db
      .select({ id: stageAudioFiles.id })
      .from(stageAudioFiles)
      .where(and(eq(stageAudioFiles.fromSongId, songId), eq(stageAudioFiles.uploadedBy, ownerId)))
      .get();
    if (existing) return { row: this.get(existing.id)!, created: false };
    if (!(await this.storage.exists(song.fileKey))) throw errors.error('FILE_NOT_FOUND', 'The song file is missing on the server');
    const received = await this.receive(await this.storage.createReadStream(song.fileKey));
    const artist = this.db.select({ name: users.name }).from(users).where(eq(users.id, ownerId)).get()?.name ?? null;
    return { row: this.create(received, { title: song.title, artist, duration: song.duration }, ownerId, songId), created: true };
  }

  /** Adds a received file to the library. */
  create(
    received: ReceivedAudio,
    fields: { title: string; artist: string | null; duration: number | null },
    uploaderId: string,
    fromSongId: number | null = null,
  ): AudioRow {
    const row = this.db
      .insert(stageAudioFiles)
      .values({
        title: fields.title,
        artist: fields.artist,
        filePath: received.key,
        fileSize: received.size,
        duration: fields.duration ?? received.duration,
        format: received.format,
        uploadedBy: uploaderId,
        fromSongId,
        createdAt: iso(this.now()),
      })
      .returning({ id: stageAudioFiles.id })
      .get();
    this.inFlight.delete(received.key);
    return this.get(row.id)!;
  }

  /** Removes a received file that will not join the library. */
  async discard(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Files under `audio/` that no row names and no upload is writing, e.g. after their uploader's account went. */
  isOrphan(key: string): boolean {
    if (this.inFlight.has(key)) return false;
    return this.db.select({ id: stageAudioFiles.id }).from(stageAudioFiles).where(eq(stageAudioFiles.filePath, key)).get() === undefined;
  }
}
