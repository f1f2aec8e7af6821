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

/** A mono 16-bit PCM WAV of a steady sine tone. */
export function toneWav(hz: number, seconds: number, sampleRate: number, amplitude: number): Buffer {
  const frames = Math.round(seconds * sampleRate);
  const buf = Buffer.alloc(44 + frames * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + frames * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++) buf.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate)), 44 + i * 2);
  return buf;
}
