import * as Tone from './tone';

let started: Promise<void> | null = null;

/** The audio context, running: browsers start it only from a user's gesture, so call this from one. */
export function audioReady(): Promise<void> {
  started ??= Tone.start();
  return started;
}

/** Decoded takes, by track and version: signed URLs change on every load, the audio does not. */
const decoded = new Map<string, Promise<AudioBuffer>>();

export function decodeTrack(key: string, url: string): Promise<AudioBuffer> {
  let buffer = decoded.get(key);
  if (!buffer) {
    buffer = (async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`The take could not be loaded (${response.status})`);
      return Tone.getContext().decodeAudioData(await response.arrayBuffer());
    })();
    buffer.catch(() => decoded.delete(key));
    decoded.set(key, buffer);
  }
  return buffer;
}

/** The loudest sample of each of `buckets` equal slices, all channels together: what a waveform draws. */
export function peaksOf(buffer: AudioBuffer, buckets: number): Float32Array {
  const peaks = new Float32Array(buckets);
  const size = Math.max(1, Math.floor(buffer.length / buckets));
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    for (let b = 0; b < buckets; b++) {
      let peak = peaks[b]!;
      const end = Math.min(data.length, (b + 1) * size);
      for (let i = b * size; i < end; i++) {
        const v = Math.abs(data[i]!);
        if (v > peak) peak = v;
      }
      peaks[b] = peak;
    }
  }
  return peaks;
}
