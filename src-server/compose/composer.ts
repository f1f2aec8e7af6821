/**
 * What a composing engine is (atelier-arranger, MusicGen) and the slot that holds the installed
 * ones. The engines and their failures are the engine layer's own: the studio family asks the slot
 * for the engine a request names and turns a ComposerError into its codes (503
 * COMPOSER_UNAVAILABLE, 422 NO_MELODY_FOUND, 502 COMPOSER_FAILED). An engine plugs in with
 * `slot.install(engine, kind)` while the app builds (compose/plugin.ts).
 */

/** The engines a compose request can name; `arranger` when it names none. */
export { COMPOSER_KINDS } from '../../src-shared/api/studio';
import { COMPOSER_KINDS } from '../../src-shared/api/studio';
import type { ArrangePlan, Rework } from './plan';
export type ComposerKind = (typeof COMPOSER_KINDS)[number];
export const DEFAULT_COMPOSER: ComposerKind = 'arranger';

export interface ComposeInput {
  /** Absolute path of the source audio: a basic song or an uploaded WAV. */
  source: string;
  prompt: string;
  genre: string | null;
  mood: string | null;
  instruments: string[];
  /** How long the song should be, seconds, when the request said (engines that make audio from scratch use it). */
  durationSec?: number | null;
  /** The key the user set, e.g. "C major": used instead of the one heard in the take. */
  key?: string | null;
  /** The tempo the user set, BPM: used instead of the one heard in the take. */
  bpm?: number | null;
  /** Which arrangement of the take: two variants of one take differ in sound, groove and chords (0 when absent). */
  variant?: number;
  /** An empty folder the engine writes its output into; removed after the result is stored. */
  workDir: string;
  /** Aborted when the job is cancelled, the client goes away or the server stops. */
  signal: AbortSignal;
  progress(fraction: number, stage?: string): void;
}

export interface ComposeOutput {
  /** Absolute path of the produced audio (WAV, MP3, M4A, AAC, Ogg, WebM or FLAC), inside `workDir`. */
  file: string;
  /** The same song as MP3, inside `workDir`. */
  mp3?: string;
  /** The arrangement as a standard MIDI file, inside `workDir`. */
  midi?: string;
  /** One audio file per part (drums, bass...), inside `workDir`. */
  stems?: { name: string; file: string }[];
  /** e.g. "A minor". */
  key?: string;
  /** Beats per minute. */
  tempo?: number;
  /** Which engine made it, e.g. "atelier-arranger (basic-pitch onnx, cpu)"; the composer's name when absent. */
  engine?: string;
  /** What the engine wants the user to know about the result, e.g. that the melody was not used. */
  note?: string;
  /** The sampling seed, for engines that sample. */
  seed?: number;
  /** The arrangement's plan.json, inside `workDir`, for engines that can rework their songs. */
  plan?: string;
}

/** A song the engine composed, changed: continued, arranged in another vibe, or a section redone. */
export interface ReworkInput {
  plan: ArrangePlan;
  change: Rework;
  /** The take the song was composed from. */
  source: string;
  /** The song's own audio, whose samples an extend or a replace keeps outside what it changes. */
  original: string;
  workDir: string;
  signal: AbortSignal;
  progress(fraction: number, stage?: string): void;
}

export interface Composer {
  /** Shown in logs and job messages, e.g. "musicgen-small (onnx, cuda)". */
  readonly name: string;
  compose(input: ComposeInput): Promise<ComposeOutput>;
  /** Changes a song this engine composed (from its plan); engines without plans cannot. */
  rework?(input: ReworkInput): Promise<ComposeOutput>;
  /** Why the engine cannot compose right now (its model folder was removed...), or null; checked before a request is accepted. */
  unavailable?(): string | null;
  /** The longest song it can make, seconds, or null when it follows the take. */
  maxDurationSec?(): number | null;
}

/** Why an engine did not compose: none installed or its model is gone, nothing to compose from, or it broke. */
export class ComposerError extends Error {
  constructor(
    readonly reason: 'unavailable' | 'no_melody' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'ComposerError';
  }
}

const MISSING: Record<ComposerKind, string> = {
  arranger:
    'The composing engine is not installed (its basic-pitch model is missing: run npm install), so songs cannot be composed with AI now',
  musicgen:
    'MusicGen is not installed: put a MusicGen ONNX export (the Xenova/musicgen-small layout) in the data folder under models/musicgen/<id>/',
};

export const composerUnavailable = (kind: ComposerKind = DEFAULT_COMPOSER, why?: string) =>
  new ComposerError('unavailable', why ?? MISSING[kind]);

export interface EngineStatus {
  engine: ComposerKind;
  /** e.g. "musicgen:musicgen-small (onnx, cpu)"; null when not installed. */
  name: string | null;
  available: boolean;
  reason: string | null;
  maxDurationSec: number | null;
}

/** Holds the installed engines, one per kind. */
export class ComposerSlot {
  private readonly engines = new Map<ComposerKind, Composer>();

  install(engine: Composer, kind: ComposerKind = DEFAULT_COMPOSER): void {
    this.engines.set(kind, engine);
  }

  /** Takes an engine out again, or every engine (tests of the no-engine answers). */
  uninstall(kind?: ComposerKind): void {
    if (kind) this.engines.delete(kind);
    else this.engines.clear();
  }

  /** The default engine (atelier-arranger), if installed. */
  get current(): Composer | null {
    return this.engines.get(DEFAULT_COMPOSER) ?? null;
  }

  get(kind: ComposerKind): Composer | null {
    return this.engines.get(kind) ?? null;
  }

  /** Every kind of engine, whether it can compose now and why not: what the compose panel offers. */
  describe(): EngineStatus[] {
    return COMPOSER_KINDS.map((kind) => {
      const engine = this.engines.get(kind);
      const why = engine ? (engine.unavailable?.() ?? null) : MISSING[kind];
      return {
        engine: kind,
        name: engine?.name ?? null,
        available: why === null,
        reason: why,
        maxDurationSec: why === null ? (engine?.maxDurationSec?.() ?? null) : null,
      };
    });
  }

  /** The engine of that kind, ready to compose; a ComposerError ('unavailable') saying what is missing otherwise. */
  require(kind: ComposerKind = DEFAULT_COMPOSER): Composer {
    const engine = this.engines.get(kind);
    if (!engine) throw composerUnavailable(kind);
    const why = engine.unavailable?.();
    if (why) throw composerUnavailable(kind, why);
    return engine;
  }
}
