import fs from 'node:fs';

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
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, data]));
}
