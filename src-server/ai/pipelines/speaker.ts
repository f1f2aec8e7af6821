import fs from 'node:fs';
import path from 'node:path';
import type { AiPool } from '../pool';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { WorkerTask } from '../worker-runtime';
import { fft } from '../fft';

/**
 * Speaker embeddings from a WeSpeaker-style ONNX model (ResNet/ECAPA exports: input `feats`
 * [batch, frames, 80] Kaldi log-mel filterbanks of 16 kHz audio, mean-normalised over time; output
 * `embs` [batch, dim]). Two recordings of one voice lie close by cosine similarity; that is how
 * samples are checked to be one adult and how the nearest preset narrator voice is found.
 */

export const SPEAKER_SAMPLE_RATE = 16_000;
const MEL_BINS = 80;
const FRAME = 400; // 25 ms
const HOP = 160; // 10 ms
const FFT = 512;

/** The first `.onnx` file in a speaker-model folder (by name), or null. */
export function speakerModelFile(dir: string): string | null {
  try {
    const file = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.onnx'))
      .sort()[0];
    return file ? path.join(dir, file) : null;
  } catch {
    return null;
  }
}

let melBank: Float32Array[] | null = null;
const mel = (hz: number) => 1127 * Math.log(1 + hz / 700);

/** Kaldi's triangular mel filters (20 Hz to Nyquist) over the FFT bins. */
function filters(): Float32Array[] {
  if (melBank) return melBank;
  const low = mel(20);
  const high = mel(SPEAKER_SAMPLE_RATE / 2);
  const step = (high - low) / (MEL_BINS + 1);
  melBank = [];
  for (let m = 0; m < MEL_BINS; m++) {
    const [left, center, right] = [low + m * step, low + (m + 1) * step, low + (m + 2) * step];
    const f = new Float32Array(FFT / 2);
    for (let k = 0; k < FFT / 2; k++) {
      const z = mel((k * SPEAKER_SAMPLE_RATE) / FFT);
      if (z > left && z < right) f[k] = z <= center ? (z - left) / (center - left) : (right - z) / (right - center);
    }
    melBank.push(f);
  }
  return melBank;
}

/**
 * Kaldi-style 80-bin log-mel filterbank frames (25 ms Povey window, 10 ms hop, DC removal,
 * pre-emphasis 0.97, samples scaled to 16-bit range as WeSpeaker feeds them), then each bin's mean
 * over time subtracted. Returns [frames × 80] row-major.
 */
export function fbank(samples: Float32Array): { data: Float32Array; frames: number } {
  const frames = Math.max(0, Math.floor((samples.length - FRAME) / HOP) + 1);
  const out = new Float32Array(frames * MEL_BINS);
  const bank = filters();
  const window = Float64Array.from({ length: FRAME }, (_, i) => Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME - 1)), 0.85));
  const re = new Float64Array(FFT);
  const im = new Float64Array(FFT);
  for (let t = 0; t < frames; t++) {
    let mean = 0;
    for (let i = 0; i < FRAME; i++) mean += samples[t * HOP + i]!;
    mean /= FRAME;
    re.fill(0);
    im.fill(0);
    for (let i = FRAME - 1; i >= 0; i--) {
      const x = (samples[t * HOP + i]! - mean) * 32768;
      const prev = i > 0 ? (samples[t * HOP + i - 1]! - mean) * 32768 : x;
      re[i] = (x - 0.97 * prev) * window[i]!;
    }
    fft(re, im);
    for (let m = 0; m < MEL_BINS; m++) {
      let energy = 0;
      const f = bank[m]!;
      for (let k = 0; k < FFT / 2; k++) if (f[k]) energy += f[k]! * (re[k]! * re[k]! + im[k]! * im[k]!);
      out[t * MEL_BINS + m] = Math.log(Math.max(energy, 1.1920929e-7));
    }
  }
  for (let m = 0; m < MEL_BINS; m++) {
    let sum = 0;
    for (let t = 0; t < frames; t++) sum += out[t * MEL_BINS + m]!;
    const avg = frames ? sum / frames : 0;
    for (let t = 0; t < frames; t++) out[t * MEL_BINS + m]! -= avg;
  }
  return { data: out, frames };
}

export interface SpeakerInput {
  model: string;
  /** 16 kHz mono. */
  samples: Float32Array;
}

export const speakerTask: WorkerTask<SpeakerInput, Float32Array> = {
  name: 'speaker-embedding',
  async run(input, ctx) {
    const { data, frames } = fbank(input.samples);
    if (frames < 10) throw new AiError('bad_input', 'At least 0.1 s of audio is needed for a speaker embedding');
    const loaded = await ctx.session({ model: input.model });
    const [inName] = loaded.session.inputNames;
    const [outName] = loaded.session.outputNames;
    const out = await ctx.run(loaded, { [inName!]: new ctx.ort.Tensor('float32', data, [1, frames, MEL_BINS]) });
    const emb = Float32Array.from(out[outName!]!.data as Float32Array);
    if (!emb.every(Number.isFinite)) throw new AiError('task_failed', 'The speaker model gave an embedding that is not numbers');
    return { output: emb, transfer: [emb.buffer] };
  },
};

export async function embedSpeaker(
  pool: AiPool,
  model: string,
  samples: Float32Array,
  signal?: AbortSignal,
): Promise<{ embedding: Float32Array; provider: ExecutionProvider }> {
  const sent = movable(samples);
  const result = await pool.run<Float32Array>(
    'speaker-embedding',
    { model, samples: sent.array },
    { capability: 'speech', signal, transfer: sent.transfer },
  );
  return { embedding: result.output, provider: result.providers[0] ?? pool.providers.preferred };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** The element-wise mean of embeddings, the speaker's centre. */
export function centroid(embeddings: Float32Array[]): Float32Array {
  const out = new Float32Array(embeddings[0]!.length);
  for (const e of embeddings) for (let i = 0; i < out.length; i++) out[i]! += e[i]! / embeddings.length;
  return out;
}

/** Linear-interpolation resampling to 16 kHz (enough for an embedding; not for listening). */
export function to16k(samples: Float32Array, rate: number): Float32Array {
  if (rate === SPEAKER_SAMPLE_RATE) return samples;
  const out = new Float32Array(Math.floor((samples.length * SPEAKER_SAMPLE_RATE) / rate));
  for (let i = 0; i < out.length; i++) {
    const x = (i * rate) / SPEAKER_SAMPLE_RATE;
    const j = Math.floor(x);
    out[i] = (samples[j] ?? 0) * (1 - (x - j)) + (samples[j + 1] ?? samples[j] ?? 0) * (x - j);
  }
  return out;
}
