import fs from 'node:fs';
import path from 'node:path';
import { encodeWav } from '../../../src-server/media/wav';

/**
 * A sung-like phrase as a 16-bit PCM mono WAV: a C-major melody of voiced notes (a fundamental
 * with falling harmonics, vibrato and soft attacks) separated by short breaths. Chromium plays it
 * as the fake microphone (--use-file-for-fake-audio-capture), looping.
 */
export function writeMelodyWav(file: string, { sampleRate = 48_000, bpm = 120 } = {}): void {
  const midi = [60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72];
  const beat = 60 / bpm;
  const samples: number[] = [];
  for (const note of midi) {
    const f0 = 440 * 2 ** ((note - 69) / 12);
    const length = Math.round(beat * sampleRate);
    const voiced = Math.round(length * 0.85);
    for (let i = 0; i < length; i++) {
      const t = i / sampleRate;
      if (i >= voiced) {
        samples.push(0);
        continue;
      }
      const envelope = Math.min(1, t / 0.04) * Math.min(1, (voiced - i) / (0.05 * sampleRate));
      const vibrato = 1 + 0.006 * Math.sin(2 * Math.PI * 5.5 * t);
      let v = 0;
      for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f0 * h * vibrato * t) / h ** 1.4;
      samples.push(0.35 * envelope * v);
    }
  }
  fs.writeFileSync(file, encodeWav(samples, sampleRate));
}

/** Writes the melody as `melody.wav` in `folder` and answers its path. */
export function melodyIn(folder: string): string {
  const file = path.join(folder, 'melody.wav');
  writeMelodyWav(file);
  return file;
}
