import type * as Ort from 'onnxruntime-node';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { AiPool, RunTiming } from '../pool';
import type { WorkerTask } from '../worker-runtime';
import {
  basicPitchModelPath,
  basicPitchModelPresent,
  CONTOUR_BINS,
  CONVERT_COMMAND,
  FRAMES_PER_SECOND,
  HOP_SAMPLES,
  IO,
  NOTE_BINS,
  OVERLAP_FRAMES,
  OVERLAP_SAMPLES,
  SAMPLE_RATE,
  WINDOW_FRAMES,
  WINDOW_SAMPLES,
} from './model';
import { notesFromActivations, type Note, type NoteOptions } from './notes';

// basic-pitch in an AI worker: the audio is cut into 2 s windows that overlap by 30 frames (after
// 3840 samples of leading silence, so the first window's dropped half-overlap is padding), each
// window runs through the ONNX model, the overlapping half at each side of a window is dropped,
// and the frames are joined and cut to the clip's length (basic_pitch/inference.py). Note
// creation runs here too: its loops are not for the server's event loop.

export interface BasicPitchInput {
  model: string;
  providers?: ExecutionProvider[];
  samples: Float32Array;
  options: NoteOptions;
  /** Also return the activation matrices (frames × 88, frames × 88, frames × 264). */
  includeActivations?: boolean;
}

export interface BasicPitchActivations {
  frames: number;
  /** Per frame and piano key: is the note sounding. */
  note: Float32Array;
  /** Per frame and piano key: does a note start. */
  onset: Float32Array;
  /** Per frame and third of a semitone: pitch salience. */
  contour: Float32Array;
}

export interface BasicPitchOutput {
  notes: Note[];
  durationSec: number;
  activations?: BasicPitchActivations;
}

export interface BasicPitchProgress {
  processedSec: number;
  durationSec: number;
}

const KEPT_FRAMES = WINDOW_FRAMES - OVERLAP_FRAMES;
const HALF_OVERLAP = OVERLAP_FRAMES / 2;

/** How many windows cover `length` samples (after the leading half-overlap of silence). */
export const windowCount = (length: number): number => Math.max(1, Math.ceil((length + OVERLAP_SAMPLES / 2) / HOP_SAMPLES));

/** Output frames basic-pitch keeps for `length` samples. */
export const frameCount = (length: number): number => Math.floor((length * FRAMES_PER_SECOND) / SAMPLE_RATE);

/** Window `w` of the clip as the model sees it: shifted by the half-overlap of silence, zero-padded at the end. */
export function fillWindow(window: Float32Array, samples: Float32Array, w: number): void {
  const start = w * HOP_SAMPLES - OVERLAP_SAMPLES / 2;
  window.fill(0);
  const from = Math.max(0, start);
  const to = Math.min(samples.length, start + WINDOW_SAMPLES);
  if (to > from) window.set(samples.subarray(from, to), from - start);
}

export const basicPitchTask: WorkerTask<BasicPitchInput, BasicPitchOutput> = {
  name: 'basic-pitch',
  async run({ model, providers, samples, options, includeActivations }, ctx) {
    const loaded = await ctx.session({ model, providers });
    const { session } = loaded;
    const missing = [
      ...[IO.audio].filter((n) => !session.inputNames.includes(n)),
      ...[IO.note, IO.onset, IO.contour].filter((n) => !session.outputNames.includes(n)),
    ];
    if (missing.length)
      throw new AiError(
        'model_load_failed',
        `${model} is not a converted basic-pitch model (no ${missing.join(', ')}); run ${CONVERT_COMMAND} --force`,
      );

    const durationSec = samples.length / SAMPLE_RATE;
    const frames = frameCount(samples.length);
    const note = new Float32Array(frames * NOTE_BINS);
    const onset = new Float32Array(frames * NOTE_BINS);
    const contour = new Float32Array(includeActivations ? frames * CONTOUR_BINS : 0);
    const windows = windowCount(samples.length);
    const window = new Float32Array(WINDOW_SAMPLES);
    let written = 0;
    for (let w = 0; w < windows && written < frames; w++) {
      ctx.throwIfCancelled();
      fillWindow(window, samples, w);
      const out = await ctx.run(loaded, { [IO.audio]: new ctx.ort.Tensor('float32', window, [1, WINDOW_SAMPLES, 1]) });
      const take = Math.min(KEPT_FRAMES, frames - written);
      const copy = (tensor: Ort.Tensor | undefined, into: Float32Array, bins: number) => {
        const data = tensor!.data as Float32Array;
        into.set(data.subarray(HALF_OVERLAP * bins, (HALF_OVERLAP + take) * bins), written * bins);
      };
      copy(out[IO.note], note, NOTE_BINS);
      copy(out[IO.onset], onset, NOTE_BINS);
      if (includeActivations) copy(out[IO.contour], contour, CONTOUR_BINS);
      written += take;
      ctx.progress({
        processedSec: Math.min(durationSec, ((w + 1) * HOP_SAMPLES) / SAMPLE_RATE),
        durationSec,
      } satisfies BasicPitchProgress);
    }
    ctx.throwIfCancelled();
    const notes = notesFromActivations(note, onset, options);
    if (!includeActivations) return { output: { notes, durationSec } };
    return {
      output: { notes, durationSec, activations: { frames, note, onset, contour } },
      transfer: [note.buffer, onset.buffer, contour.buffer],
    };
  },
};

export interface TranscribeOptions extends NoteOptions {
  /** Must be 22050: decode with `decodeAudio(file, { sampleRate: 22050 })`. */
  sampleRate?: number;
  /** The converted basic-pitch model; resources/models/basic-pitch/model.onnx when absent. */
  model?: string;
  providers?: ExecutionProvider[];
  includeActivations?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BasicPitchProgress) => void;
}

export interface TranscribeResult extends BasicPitchOutput {
  provider: ExecutionProvider;
  timing: RunTiming;
}

/**
 * Transcribes 22050 Hz mono audio to notes with basic-pitch. `samples` moves to the worker and is
 * detached here when it owns its whole buffer; pass `samples.slice()` to keep using it.
 */
export async function transcribeNotes(pool: AiPool, samples: Float32Array, options: TranscribeOptions = {}): Promise<TranscribeResult> {
  const {
    sampleRate = SAMPLE_RATE,
    model = basicPitchModelPath(),
    providers,
    includeActivations,
    signal,
    onProgress,
    ...noteOptions
  } = options;
  if (sampleRate !== SAMPLE_RATE) {
    throw new AiError(
      'bad_input',
      `basic-pitch needs ${SAMPLE_RATE} Hz mono audio, got ${sampleRate} Hz; decode with decodeAudio(file, { sampleRate: ${SAMPLE_RATE} })`,
    );
  }
  if (samples.length === 0) throw new AiError('bad_input', 'basic-pitch got no audio');
  if (!basicPitchModelPresent(model)) {
    throw new AiError('model_load_failed', `The basic-pitch model is missing (${model}): npm install converts it; run ${CONVERT_COMMAND}`);
  }
  const sent = movable(samples);
  const input: BasicPitchInput = { model, providers, samples: sent.array, options: noteOptions, includeActivations };
  const result = await pool.run<BasicPitchOutput>('basic-pitch', input, {
    capability: 'audio',
    signal,
    transfer: sent.transfer,
    onProgress: onProgress as ((value: unknown) => void) | undefined,
  });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred, timing: result.timing };
}
