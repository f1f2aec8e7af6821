import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../../db/client';
import { studioStudios } from '../../../db/schema';
import { AppError } from '../../../http/errors';
import type { Job, JobContext, JobQueue } from '../../../jobs/queue';
import type { FileStore } from '../../../storage/file-store';
import { eq } from 'drizzle-orm';
import { checkStoredAudio, type CheckedAudio } from '../audio';
import { moveStored, ownerPrefix } from '../files';
import type { SongRow, SongService } from '../songs/service';
import type { ComposerSlot } from './composer';

export const COMPOSE_JOB = 'studio.compose';

export interface ComposePayload {
  ownerId: string;
  studioId: number;
  basicSongId: number;
  title: string;
  prompt: string;
  genre: string | null;
  mood: string | null;
  instruments: string[];
}

export interface ComposeResult {
  songId: number;
}

const noAudioOut = () => new AppError(502, 'COMPOSER_FAILED', 'The composing engine did not produce audio');

/** AI composition: as a queued job from a basic song, or at once from an uploaded WAV. */
export class ComposeService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly songs: SongService,
    private readonly slot: ComposerSlot,
    private readonly jobs: JobQueue,
  ) {}

  /** Registers the job kind; call while the app builds. */
  register(): void {
    this.jobs.register<ComposePayload, ComposeResult>(COMPOSE_JOB, {
      lane: 'gpu',
      handler: (job, ctx) => this.run(job, ctx),
    });
  }

  /** Queues the composition of a basic song; the engine must be installed. */
  request(payload: ComposePayload): Job<ComposePayload, ComposeResult> {
    this.slot.require();
    return this.jobs.enqueue<ComposePayload, ComposeResult>({ kind: COMPOSE_JOB, ownerId: payload.ownerId, payload });
  }

  private async run(job: Job<ComposePayload, ComposeResult>, ctx: JobContext): Promise<ComposeResult> {
    const p = job.payload;
    const basic = this.songs.get(p.basicSongId);
    if (!basic || basic.ownerId !== p.ownerId) throw new AppError(404, 'SONG_NOT_FOUND', 'The basic song was deleted before it could be composed');
    const output = await this.compose(this.storage.absolutePath(basic.fileKey), p, ctx.signal, (f, stage) => ctx.progress(f, { stage }));
    // Named after the job: a run repeated after a restart replaces its own file.
    const incoming = `${ownerPrefix(p.ownerId)}/incoming/${job.id}`;
    try {
      await this.storage.put(incoming, fs.createReadStream(output.file));
    } finally {
      await fsp.rm(output.workDir, { recursive: true, force: true });
    }
    const audio = await checkStoredAudio(this.storage, incoming);
    if (!audio) {
      await this.storage.delete(incoming);
      throw noAudioOut();
    }
    const key = `${ownerPrefix(p.ownerId)}/songs/${job.id}.${audio.format}`;
    await moveStored(this.storage, incoming, key);
    const studio = this.db.select({ id: studioStudios.id }).from(studioStudios).where(eq(studioStudios.id, p.studioId)).get();
    const row: SongRow = this.songs.insert(p.ownerId, studio ? studio.id : null, key, audio, {
      title: p.title,
      genre: p.genre,
      mood: p.mood,
      instruments: p.instruments,
      coverKey: basic.coverKey,
      source: 'ai',
      basicSongId: basic.id,
    });
    return { songId: row.id };
  }

  /** Runs the engine on `source` in a fresh work folder; the caller removes `workDir`. */
  async compose(
    source: string,
    p: Pick<ComposePayload, 'prompt' | 'genre' | 'mood' | 'instruments'>,
    signal: AbortSignal,
    progress: (fraction: number, stage?: string) => void,
  ): Promise<{ file: string; workDir: string }> {
    const engine = this.slot.require();
    const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-compose-'));
    try {
      const out = await engine.compose({ source, prompt: p.prompt, genre: p.genre, mood: p.mood, instruments: p.instruments, workDir, signal, progress });
      if (!out?.file || !fs.existsSync(out.file)) throw noAudioOut();
      return { file: out.file, workDir };
    } catch (err) {
      await fsp.rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * /api/compose: composes from an uploaded WAV already stored under `inputKey`; stores the
   * result beside it, checked, for the route to send. The caller deletes both keys.
   */
  async composeNow(inputKey: string, p: Pick<ComposePayload, 'prompt' | 'genre' | 'mood' | 'instruments'>, signal: AbortSignal): Promise<{ key: string; audio: CheckedAudio }> {
    const output = await this.compose(this.storage.absolutePath(inputKey), p, signal, () => {});
    const key = `${inputKey}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await this.storage.put(key, fs.createReadStream(output.file));
    } finally {
      await fsp.rm(output.workDir, { recursive: true, force: true });
    }
    const audio = await checkStoredAudio(this.storage, key);
    if (!audio) {
      await this.storage.delete(key);
      throw noAudioOut();
    }
    return { key, audio };
  }
}
