import fs from 'node:fs';
import { encodeWav } from '../../src-server/media/wav';

/** Reads a 16-bit PCM WAV file into float samples (first channel only). */
export function readWav(file: string): { sampleRate: number; samples: Float32Array } {
  const buf = fs.readFileSync(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file} is not a WAV file`);
  let sampleRate = 0;
  let channels = 0;
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (buf.readUInt16LE(body) !== 1 || buf.readUInt16LE(body + 14) !== 16) throw new Error(`${file} is not 16-bit PCM`);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
    } else if (id === 'data') {
      const frames = Math.floor(Math.min(size, buf.length - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * channels) / 32768;
      return { sampleRate, samples };
    }
    at = body + size + (size % 2);
  }
  throw new Error(`${file} has no data chunk`);
}

/** The samples repeated until they last at least `seconds`. */
export function loop(samples: Float32Array, sampleRate: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.ceil(seconds * sampleRate));
  for (let at = 0; at < out.length; at += samples.length) out.set(samples.subarray(0, out.length - at), at);
  return out;
}

/** A mono 16-bit PCM WAV of a steady sine tone; `amplitude` in 16-bit steps (32767 = full scale). */
export function toneWav(hz: number, seconds: number, sampleRate: number, amplitude: number): Buffer {
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++) samples[i] = (amplitude / 32767) * Math.sin((2 * Math.PI * hz * i) / sampleRate);
  return encodeWav(samples, sampleRate);
}

export interface HumNote {
  /** MIDI note number; null is a rest. */
  midi: number | null;
  /** Length in beats. */
  beats: number;
}

/**
 * A hummed tune: each note a voice-like tone (fundamental and falling harmonics, 5 Hz vibrato, soft
 * 30 ms attack and release) at `bpm`, with `leadInSec` of silence before it. `jitterSec` moves each
 * onset by up to that much either way (a person is never on the grid; seeded, so the same every run);
 * `legato` joins the notes with no breath between them.
 */
export function humSamples(
  notes: HumNote[],
  opts: { bpm: number; sampleRate: number; level?: number; leadInSec?: number; jitterSec?: number; legato?: boolean; seed?: number },
): Float32Array {
  const { bpm, sampleRate } = opts;
  const level = opts.level ?? 0.5;
  const beatSec = 60 / bpm;
  let seed = opts.seed ?? 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const lead = (opts.leadInSec ?? 0.5) * sampleRate;
  const total = Math.round(lead + (notes.reduce((s, n) => s + n.beats, 0) * beatSec + 0.5) * sampleRate);
  const out = new Float32Array(total);
  const ramp = Math.round(0.03 * sampleRate);
  const gap = opts.legato ? 0 : Math.round(0.04 * sampleRate);
  let beat = 0;
  const onset = () => Math.round(lead + (beat * beatSec + (opts.jitterSec ?? 0) * random()) * sampleRate);
  let at = onset();
  for (const note of notes) {
    beat += note.beats;
    const next = onset();
    if (note.midi !== null) {
      const hz = 440 * 2 ** ((note.midi - 69) / 12);
      const sounding = Math.min(out.length - at, next - at - gap);
      let phase = 0;
      for (let i = 0; i < sounding; i++) {
        phase += (2 * Math.PI * hz * (1 + 0.004 * Math.sin((2 * Math.PI * 5 * i) / sampleRate))) / sampleRate;
        const envelope = Math.min(1, i / ramp, (sounding - i) / ramp);
        let v = 0;
        for (let h = 1; h <= 4; h++) v += Math.sin(h * phase) / h ** 1.5;
        out[at + i] = level * 0.6 * envelope * v;
      }
    }
    at = next;
  }
  return out;
}
