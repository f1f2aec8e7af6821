import type * as Ort from 'onnxruntime-node';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { AiPool, RunTiming } from '../pool';
import { sileroVadModelPath } from '../models';
import type { LoadedSession, WorkerTask } from '../worker-runtime';

// Silero VAD v5 (https://github.com/snakers4/silero-vad): the model scores 512-sample windows at
// 16 kHz, each preceded by the last 64 samples of the window before, and carries a recurrent state
// from one window to the next. The whole window loop runs inside the worker: one message per
// request, not one per 32 ms of audio.

export const VAD_SAMPLE_RATE = 16_000;
const WINDOW = 512;
const CONTEXT = 64;
/** A progress message per 20 s of audio: a fraction of a second of work even on a slow CPU. */
const PROGRESS_EVERY = 625;

export interface VadOptions {
  /** A window at or above this probability is speech. */
  threshold?: number;
  /** Speech ends once probability falls below this; the gap to `threshold` is hysteresis. */
  negThreshold?: number;
  /** Shorter speech is dropped. */
  minSpeechMs?: number;
  /** Shorter pauses do not split speech. */
  minSilenceMs?: number;
  /** Padding added on both sides of each segment. */
  speechPadMs?: number;
}

export interface SpeechSegment {
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

export interface VadInput {
  model: string;
  providers?: ExecutionProvider[];
  samples: Float32Array;
  options: VadOptions;
}

export interface VadOutput {
  segments: SpeechSegment[];
  /** Speech probability of each 32 ms window. */
  probabilities: Float32Array;
  durationSec: number;
}

export interface VadProgress {
  processedSec: number;
  durationSec: number;
}

/** silero-vad's get_speech_timestamps defaults. */
const DEFAULTS = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 100, speechPadMs: 30 };

/**
 * Turns per-window probabilities into speech segments, following silero-vad's
 * get_speech_timestamps (without its max-duration splitting).
 */
export function speechSegments(
  probabilities: ArrayLike<number>,
  totalSamples: number,
  options: VadOptions = {},
  sampleRate = VAD_SAMPLE_RATE,
): SpeechSegment[] {
  const threshold = options.threshold ?? DEFAULTS.threshold;
  const negThreshold = options.negThreshold ?? Math.max(threshold - 0.15, 0.01);
  const minSpeech = (sampleRate * (options.minSpeechMs ?? DEFAULTS.minSpeechMs)) / 1000;
  const minSilence = (sampleRate * (options.minSilenceMs ?? DEFAULTS.minSilenceMs)) / 1000;
  const pad = Math.floor((sampleRate * (options.speechPadMs ?? DEFAULTS.speechPadMs)) / 1000);

  const speeches: { start: number; end: number }[] = [];
  let triggered = false;
  let start = 0;
  let tempEnd = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const at = i * WINDOW;
    if (p >= threshold && tempEnd) tempEnd = 0;
    if (p >= threshold && !triggered) {
      triggered = true;
      start = at;
      continue;
    }
    if (p < negThreshold && triggered) {
      if (!tempEnd) tempEnd = at;
      if (at - tempEnd < minSilence) continue;
      if (tempEnd - start > minSpeech) speeches.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = 0;
    }
  }
  if (triggered && totalSamples - start > minSpeech) speeches.push({ start, end: totalSamples });

  for (let i = 0; i < speeches.length; i++) {
    const s = speeches[i]!;
    const next = speeches[i + 1];
    if (i === 0) s.start = Math.max(0, s.start - pad);
    if (next) {
      const gap = next.start - s.end;
      // Pauses shorter than two paddings are split down the middle so segments never overlap.
      const share = gap < 2 * pad ? Math.floor(gap / 2) : pad;
      s.end += share;
      next.start = Math.max(0, next.start - share);
    } else {
      s.end = Math.min(totalSamples, s.end + pad);
    }
  }
  const seconds = (n: number) => Math.round((n / sampleRate) * 1000) / 1000;
  return speeches.map((s) => ({ start: seconds(s.start), end: seconds(s.end) }));
}

interface SileroIo {
  audio: string;
  state: string;
  stateDims: number[];
  /** Present in the models that accept 8 and 16 kHz. */
  sampleRate?: { name: string; type: 'int64' | 'int32' };
  probability: string;
  nextState: string;
}

const tensorMeta = (list: readonly Ort.InferenceSession.ValueMetadata[]) =>
  list.filter((m): m is Ort.InferenceSession.TensorValueMetadata => m.isTensor);

/** Reads the names and the state shape from the session instead of assuming a model revision. */
function sileroIo({ session }: LoadedSession): SileroIo {
  const inputs = tensorMeta(session.inputMetadata);
  const outputs = tensorMeta(session.outputMetadata);
  const audio = inputs.find((m) => m.type === 'float32' && m.shape.length === 2);
  const state = inputs.find((m) => m.type === 'float32' && m.shape.length === 3);
  const sr = inputs.find((m) => (m.type === 'int64' || m.type === 'int32') && m.shape.length === 0);
  const probability = outputs.find((m) => m.shape.length === 2) ?? outputs[0];
  const nextState = outputs.find((m) => m !== probability && m.type === 'float32');
  if (!audio || !state || !probability || !nextState) {
    throw new AiError(
      'model_load_failed',
      `Not a Silero VAD v5 model: inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}`,
    );
  }
  return {
    audio: audio.name,
    state: state.name,
    // Symbolic dimensions are the batch: one stream here.
    stateDims: state.shape.map((d) => (typeof d === 'number' ? d : 1)),
    sampleRate: sr ? { name: sr.name, type: sr.type as 'int64' | 'int32' } : undefined,
    probability: probability.name,
    nextState: nextState.name,
  };
}

export const vadTask: WorkerTask<VadInput, VadOutput> = {
  name: 'vad',
  async run({ model, providers, samples, options }, ctx) {
    // A 512-sample window is too small to split across threads; one thread is fastest and leaves the other cores to the server.
    const loaded = await ctx.session({ model, providers, options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
    const io = sileroIo(loaded);
    const { Tensor } = ctx.ort;
    const windows = Math.ceil(samples.length / WINDOW);
    const probabilities = new Float32Array(windows);
    const frame = new Float32Array(CONTEXT + WINDOW);
    let state: Float32Array = new Float32Array(io.stateDims.reduce((a, b) => a * b, 1));
    const feeds: Record<string, Ort.Tensor> = {};
    if (io.sampleRate) {
      feeds[io.sampleRate.name] =
        io.sampleRate.type === 'int64'
          ? new Tensor('int64', BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)), [])
          : new Tensor('int32', Int32Array.of(VAD_SAMPLE_RATE), []);
    }
    const durationSec = samples.length / VAD_SAMPLE_RATE;
    for (let i = 0; i < windows; i++) {
      ctx.throwIfCancelled();
      // The last CONTEXT samples of the previous frame lead this one; the final window is zero-padded.
      frame.copyWithin(0, WINDOW, WINDOW + CONTEXT);
      const chunk = samples.subarray(i * WINDOW, (i + 1) * WINDOW);
      frame.set(chunk, CONTEXT);
      frame.fill(0, CONTEXT + chunk.length);
      feeds[io.audio] = new Tensor('float32', frame, [1, frame.length]);
      feeds[io.state] = new Tensor('float32', state, io.stateDims);
      const out = await ctx.run(loaded, feeds);
      probabilities[i] = (out[io.probability]!.data as Float32Array)[0]!;
      state = out[io.nextState]!.data as Float32Array;
      if ((i + 1) % PROGRESS_EVERY === 0)
        ctx.progress({ processedSec: ((i + 1) * WINDOW) / VAD_SAMPLE_RATE, durationSec } satisfies VadProgress);
    }
    const segments = speechSegments(probabilities, samples.length, options);
    return { output: { segments, probabilities, durationSec }, transfer: [probabilities.buffer] };
  },
};

export interface DetectSpeechOptions extends VadOptions {
  /** Must be 16000: decode with `decodeAudio(file, { sampleRate: 16000 })`. */
  sampleRate?: number;
  /** Silero model file; the bundled v5 model when absent. */
  model?: string;
  /** Providers to try; the pool's choice when absent. */
  providers?: ExecutionProvider[];
  signal?: AbortSignal;
  onProgress?: (progress: VadProgress) => void;
}

export interface VadResult extends VadOutput {
  /** The execution provider the model ran on. */
  provider: ExecutionProvider;
  timing: RunTiming;
}

/**
 * Finds speech in 16 kHz mono audio. `samples` moves to the worker and is detached here when it
 * owns its whole buffer; pass `samples.slice()` to keep using it.
 */
export async function detectSpeech(pool: AiPool, samples: Float32Array, options: DetectSpeechOptions = {}): Promise<VadResult> {
  const { sampleRate = VAD_SAMPLE_RATE, model, providers, signal, onProgress, ...vadOptions } = options;
  if (sampleRate !== VAD_SAMPLE_RATE) {
    throw new AiError(
      'bad_input',
      `Silero VAD needs ${VAD_SAMPLE_RATE} Hz mono audio, got ${sampleRate} Hz; decode with decodeAudio(file, { sampleRate: ${VAD_SAMPLE_RATE} })`,
    );
  }
  const sent = movable(samples);
  const input: VadInput = { model: model ?? sileroVadModelPath(), providers, samples: sent.array, options: vadOptions };
  const result = await pool.run<VadOutput>('vad', input, {
    capability: 'audio',
    signal,
    transfer: sent.transfer,
    onProgress: onProgress as ((value: unknown) => void) | undefined,
  });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred, timing: result.timing };
}
