import { AppError } from '../../../http/errors';

/**
 * The seam for the AI composing engine (src-server/compose installs atelier-arranger). The compose
 * routes validate everything, then ask the slot for an engine: none installed means 503
 * COMPOSER_UNAVAILABLE, never a made-up result. An engine plugs in with
 * `app.studioComposer.install(engine)` while the app builds.
 */

export interface ComposeInput {
  /** Absolute path of the source audio: a basic song or an uploaded WAV. */
  source: string;
  prompt: string;
  genre: string | null;
  mood: string | null;
  instruments: string[];
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
}

export interface Composer {
  /** Shown in logs and job messages, e.g. "musicgen-small (onnx, cuda)". */
  readonly name: string;
  compose(input: ComposeInput): Promise<ComposeOutput>;
}

export const composerUnavailable = () =>
  new AppError(503, 'COMPOSER_UNAVAILABLE', 'The composing engine is not installed (its basic-pitch model is missing: run npm install), so songs cannot be composed with AI now');

/** Holds the installed engine, if any. */
export class ComposerSlot {
  private engine: Composer | null = null;

  install(engine: Composer): void {
    this.engine = engine;
  }

  /** Takes the engine out again (tests of the no-engine answers). */
  uninstall(): void {
    this.engine = null;
  }

  get current(): Composer | null {
    return this.engine;
  }

  require(): Composer {
    if (!this.engine) throw composerUnavailable();
    return this.engine;
  }
}
