import crypto from 'node:crypto';
import { JOB_KINDS } from '../../../../src-shared/jobs';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../../db/client';
import { studioStudios } from '../../../db/schema';
import type { Job, JobContext, JobQueue } from '../../../jobs/queue';
import type { FileStore } from '../../../storage/file-store';
import { eq } from 'drizzle-orm';
import { checkStoredAudio, type CheckedAudio } from '../files/audio';
import { moveStored, ownerPrefix } from '../files/store';
import { songExtrasPrefix, type SongRow, type SongService } from '../songs/service';
import {
  ComposerError,
  DEFAULT_COMPOSER,
  type Composer,
  type ComposeOutput,
  type ComposerKind,
  type ComposerSlot,
  type EngineStatus,
} from '../../../compose/composer';
import { readPlan, reworkProblem, type ArrangePlan, type Rework } from '../../../compose/plan';
import { errors } from '../errors';

export const COMPOSE_JOB = JOB_KINDS.studioCompose;

export interface ComposePayload {
  ownerId: string;
  studioId: number;
  basicSongId: number;
  title: string;
  prompt: string;
  genre: string | null;
  mood: string | null;
  instruments: string[];
  /** Which engine composes; atelier-arranger when absent (jobs queued before engines could be chosen). */
  engine?: ComposerKind;
  /** Asked song length, seconds (MusicGen); null: the engine's default. */
  durationSec?: number | null;
  /** The key and tempo the user set; null: heard in the take. */
  key?: string | null;
  bpm?: number | null;
  /** Which arrangement of the take (two variants of one take differ); 0 when absent. */
  variant?: number;
  /** The AI song's own cover; the basic song's when absent. */
  coverKey?: string | null;
  /** A song of the engine's changed instead of the take composed: extended, remixed or a section redone. */
  rework?: { songId: number; change: Rework };
}

/** What a composition is asked for, whichever way it arrives. */
export type ComposeAsk = Pick<
  ComposePayload,
  'prompt' | 'genre' | 'mood' | 'instruments' | 'engine' | 'durationSec' | 'key' | 'bpm' | 'variant'
>;

export interface ComposeResult {
  songId: number;
  /** Which engine composed it, e.g. "atelier-arranger (basic-pitch onnx, cpu)". */
  engine: string;
  key: string | null;
  tempo: number | null;
  /** What was kept beside the song under songs/<jobId>/: "song.mp3", "song.mid", "stems/drums.wav"... */
  extras: string[];
  /** What the engine wants the user to know, e.g. that MusicGen did not use the melody. */
  note?: string;
  /** The sampling seed, for engines that sample (MusicGen): the same seed and inputs make the same music. */
  seed?: number;
}

const notArranged = () =>
  errors.error(
    'NOT_ARRANGED',
    'This song was not composed by atelier-arranger (it is a voice take, a mix, a MusicGen song or was composed before arrangements were kept), so it cannot be extended, remixed or partly redone; compose it again from its take first',
  );

/** The name of an arrangement kept beside an arranger song, in its extras folder. */
const PLAN_FILE = 'plan.json';

const noAudioOut = () => errors.error('COMPOSER_FAILED', 'The composing engine did not produce audio');

const ENGINE_CODES = { unavailable: 'COMPOSER_UNAVAILABLE', no_melody: 'NO_MELODY_FOUND', failed: 'COMPOSER_FAILED' } as const;

/** An engine's failure in the studio's words; anything else passes through unchanged. */
const fromEngine = (err: unknown): unknown => (err instanceof ComposerError ? errors.error(ENGINE_CODES[err.reason], err.message) : err);

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

  /** The installed engine of that kind, ready to compose; 503 COMPOSER_UNAVAILABLE otherwise. */
  private engine(kind: ComposerKind): Composer {
    try {
      return this.slot.require(kind);
    } catch (err) {
      throw fromEngine(err);
    }
  }

  engines(): EngineStatus[] {
    return this.slot.describe();
  }

  /** The engine a request names, installed and ready, with its duration checked; throws the 4xx/503 to answer. */
  check(ask: Pick<ComposeAsk, 'engine' | 'durationSec'>): void {
    const engine = this.engine(ask.engine ?? DEFAULT_COMPOSER);
    const most = engine.maxDurationSec?.() ?? null;
    if (ask.durationSec != null && most !== null && ask.durationSec > most) {
      throw errors.error('VALIDATION_ERROR', `durationSec may be at most ${most} for ${engine.name}, got ${ask.durationSec}`);
    }
  }

  /** Queues the composition of a basic song; the engine must be installed. */
  request(payload: ComposePayload): Job<ComposePayload, ComposeResult> {
    this.check(payload);
    return this.jobs.enqueue<ComposePayload, ComposeResult>({ kind: COMPOSE_JOB, ownerId: payload.ownerId, payload });
  }

  /** The arrangement kept beside an AI song, or 409 NOT_ARRANGED. */
  async planOf(song: SongRow): Promise<ArrangePlan> {
    if (song.source !== 'ai') throw notArranged();
    const key = `${songExtrasPrefix(song.fileKey)}/${PLAN_FILE}`;
    const plan = (await this.storage.exists(key)) ? readPlan((await this.storage.get(key)).toString('utf8')) : null;
    if (!plan) throw notArranged();
    return plan;
  }

  /**
   * Queues a change of an arranger song (extend, remix, replace): everything is checked first,
   * the result is a new song and the original stays as it is.
   */
  async requestRework(song: SongRow, change: Rework, title: string, cover: string | null): Promise<Job<ComposePayload, ComposeResult>> {
    const plan = await this.planOf(song);
    const problem = reworkProblem(plan, change);
    if (problem) throw errors.error('SECTION_OUT_OF_RANGE', problem);
    const basic = song.basicSongId ? this.songs.get(song.basicSongId) : null;
    if (!basic || !(await this.storage.exists(basic.fileKey)))
      throw errors.error('FILE_NOT_FOUND', 'The take this song was composed from was deleted; the voice in the song needs it');
    const engine = this.engine(DEFAULT_COMPOSER);
    if (!engine.rework) throw notArranged();
    const vibe = change.kind === 'remix' ? change : { genre: song.genre, mood: song.mood, instruments: song.instruments };
    const payload: ComposePayload = {
      ownerId: song.ownerId,
      studioId: song.studioId ?? 0,
      basicSongId: basic.id,
      title,
      prompt: '',
      genre: vibe.genre,
      mood: vibe.mood,
      instruments: vibe.instruments,
      engine: DEFAULT_COMPOSER,
      coverKey: cover ?? song.coverKey,
      rework: { songId: song.id, change },
    };
    return this.jobs.enqueue<ComposePayload, ComposeResult>({ kind: COMPOSE_JOB, ownerId: song.ownerId, payload });
  }

  private async runRework(p: ComposePayload, rework: NonNullable<ComposePayload['rework']>, ctx: JobContext) {
    const song = this.songs.get(rework.songId);
    const basic = this.songs.get(p.basicSongId);
    if (!song || song.ownerId !== p.ownerId || !basic)
      throw errors.error('SONG_NOT_FOUND', 'The song was deleted before it could be changed');
    const plan = await this.planOf(song);
    const engine = this.engine(DEFAULT_COMPOSER);
    if (!engine.rework) throw notArranged();
    const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-rework-'));
    try {
      const out = await engine.rework({
        plan,
        change: rework.change,
        source: this.storage.absolutePath(basic.fileKey),
        original: this.storage.absolutePath(song.fileKey),
        workDir,
        signal: ctx.signal,
        progress: (f, stage) => ctx.progress(f, { stage, message: `Reworking with ${engine.name}` }),
      });
      return { ...out, engine: out.engine ?? engine.name, workDir };
    } catch (err) {
      await fsp.rm(workDir, { recursive: true, force: true });
      throw fromEngine(err);
    }
  }

  private async run(job: Job<ComposePayload, ComposeResult>, ctx: JobContext): Promise<ComposeResult> {
    const p = job.payload;
    const basic = this.songs.get(p.basicSongId);
    if (!basic || basic.ownerId !== p.ownerId)
      throw errors.error('SONG_NOT_FOUND', 'The basic song was deleted before it could be composed');
    const engine = this.engine(p.engine ?? DEFAULT_COMPOSER);
    const output = p.rework
      ? await this.runRework(p, p.rework, ctx)
      : await this.compose(this.storage.absolutePath(basic.fileKey), p, ctx.signal, (f, stage) =>
          ctx.progress(f, { stage, message: `Composing with ${engine.name}` }),
        );
    // Named after the job: a run repeated after a restart replaces its own files.
    const incoming = `${ownerPrefix(p.ownerId)}/incoming/${job.id}`;
    const key = (format: string) => `${ownerPrefix(p.ownerId)}/songs/${job.id}.${format}`;
    const extras: string[] = [];
    try {
      await this.storage.put(incoming, fs.createReadStream(output.file));
      const prefix = songExtrasPrefix(key('wav'));
      const keep = async (name: string, file: string | undefined) => {
        if (!file || !fs.existsSync(file)) return;
        await this.storage.put(`${prefix}/${name}`, fs.createReadStream(file));
        extras.push(name);
      };
      await keep('song.mp3', output.mp3);
      await keep('song.mid', output.midi);
      await keep(PLAN_FILE, output.plan);
      for (const stem of output.stems ?? [])
        await keep(`stems/${stem.name.replace(/[^A-Za-z0-9_-]/g, '_')}${path.extname(stem.file)}`, stem.file);
    } catch (err) {
      await this.storage.delete(incoming);
      await this.storage.deletePrefix(songExtrasPrefix(key('wav')));
      throw err;
    } finally {
      await fsp.rm(output.workDir, { recursive: true, force: true });
    }
    const audio = await checkStoredAudio(this.storage, incoming);
    if (!audio) {
      await this.storage.delete(incoming);
      await this.storage.deletePrefix(songExtrasPrefix(key('wav')));
      throw noAudioOut();
    }
    await moveStored(this.storage, incoming, key(audio.format));
    const studio = this.db.select({ id: studioStudios.id }).from(studioStudios).where(eq(studioStudios.id, p.studioId)).get();
    const row: SongRow = this.songs.insert(p.ownerId, studio ? studio.id : null, key(audio.format), audio, {
      title: p.title,
      genre: p.genre,
      mood: p.mood,
      instruments: p.instruments,
      coverKey: p.coverKey ?? basic.coverKey,
      source: 'ai',
      basicSongId: basic.id,
    });
    return {
      songId: row.id,
      engine: output.engine ?? engine.name,
      key: output.key ?? null,
      tempo: output.tempo ?? null,
      extras: extras.filter((e) => e !== PLAN_FILE),
      ...(output.note ? { note: output.note } : {}),
      ...(output.seed !== undefined ? { seed: output.seed } : {}),
    };
  }

  /** Runs the engine on `source` in a fresh work folder; the caller removes `workDir`. */
  async compose(
    source: string,
    p: ComposeAsk,
    signal: AbortSignal,
    progress: (fraction: number, stage?: string) => void,
  ): Promise<ComposeOutput & { workDir: string }> {
    const engine = this.engine(p.engine ?? DEFAULT_COMPOSER);
    const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-compose-'));
    try {
      const out = await engine.compose({
        source,
        prompt: p.prompt,
        genre: p.genre,
        mood: p.mood,
        instruments: p.instruments,
        durationSec: p.durationSec ?? null,
        key: p.key ?? null,
        bpm: p.bpm ?? null,
        variant: p.variant ?? 0,
        workDir,
        signal,
        progress,
      });
      if (!out?.file || !fs.existsSync(out.file)) throw noAudioOut();
      return { ...out, engine: out.engine ?? engine.name, workDir };
    } catch (err) {
      await fsp.rm(workDir, { recursive: true, force: true });
      throw fromEngine(err);
    }
  }

  /**
   * /api/compose: composes from an uploaded WAV already stored under `inputKey`; stores the
   * result beside it, checked, for the route to send. The caller deletes both keys.
   */
  async composeNow(
    inputKey: string,
    p: ComposeAsk,
    signal: AbortSignal,
  ): Promise<{ key: string; audio: CheckedAudio; engine: string; musicKey: string | null; tempo: number | null; note: string | null }> {
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
    return {
      key,
      audio,
      engine: output.engine ?? this.engine(p.engine ?? DEFAULT_COMPOSER).name,
      musicKey: output.key ?? null,
      tempo: output.tempo ?? null,
      note: output.note ?? null,
    };
  }
}
