// The melody condition of musicgen-melody: a 12-bin chromagram of the take, one-hot per frame,
// as transformers' MusicgenMelodyFeatureExtractor computes it (power STFT with a Hann window,
// centred frames, a chroma filter bank, the strongest pitch class per frame). The filter bank here
// gives each FFT bin to its nearest pitch class (C = 0) with librosa's octave weighting (a Gaussian
// centred on octave 5, two octaves wide) instead of librosa's per-bin Gaussian spread across
// classes; after the argmax the two pick the same class on any clear note.

import { fft } from '../fft';

export interface ChromaOptions {
  sampleRate: number;
  /** A power of two (16384 for musicgen-melody). */
  nFft: number;
  hopLength: number;
}

/** Pitch class (C = 0 … B = 11) and octave weight of each FFT bin; 0 weight below C1 and at DC. */
function chromaBins(sampleRate: number, nFft: number): { pc: Int8Array; weight: Float64Array } {
  const bins = nFft / 2 + 1;
  const pc = new Int8Array(bins);
  const weight = new Float64Array(bins);
  for (let i = 1; i < bins; i++) {
    const hz = (i * sampleRate) / nFft;
    if (hz < 32.7) continue;
    const midi = 69 + 12 * Math.log2(hz / 440);
    pc[i] = (((Math.round(midi) % 12) + 12) % 12) as number;
    const octave = Math.log2(hz / 27.5);
    weight[i] = Math.exp(-0.5 * ((octave - 5) / 2) ** 2);
  }
  return { pc, weight };
}

/**
 * One-hot chroma frames of mono `samples`: row-major [frames, 12], frames = ⌊len / hop⌋ + 1
 * (centred, reflect-padded like torch.stft). A silent frame has no class set.
 */
export function oneHotChroma(samples: Float32Array, opts: ChromaOptions): { frames: number; data: Float32Array } {
  const { nFft, hopLength } = opts;
  if (nFft <= 0 || (nFft & (nFft - 1)) !== 0) throw new RangeError(`n_fft must be a power of two, got ${nFft}`);
  const frames = Math.floor(samples.length / hopLength) + 1;
  const data = new Float32Array(frames * 12);
  const { pc, weight } = chromaBins(opts.sampleRate, nFft);
  const half = nFft / 2;
  const re = new Float64Array(nFft);
  const im = new Float64Array(nFft);
  const n = samples.length;
  // Reflection of index i into [0, n).
  const at = (i: number) => {
    if (n === 1) return samples[0]!;
    const period = 2 * (n - 1);
    let j = ((i % period) + period) % period;
    if (j >= n) j = period - j;
    return samples[j]!;
  };
  const chroma = new Float64Array(12);
  for (let f = 0; f < frames; f++) {
    const start = f * hopLength - half;
    for (let i = 0; i < nFft; i++) {
      re[i] = n ? at(start + i) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft)) : 0;
      im[i] = 0;
    }
    fft(re, im);
    chroma.fill(0);
    for (let i = 1; i <= half; i++) if (weight[i]! > 0) chroma[pc[i]!]! += weight[i]! * (re[i]! ** 2 + im[i]! ** 2);
    let best = 0;
    for (let c = 1; c < 12; c++) if (chroma[c]! > chroma[best]!) best = c;
    if (chroma[best]! > 1e-10) data[f * 12 + best] = 1;
  }
  return { frames, data };
}
