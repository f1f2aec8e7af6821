import fs from 'node:fs';

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
