import { decodeAudio, encodeAudio, probeMedia } from './ffmpeg';

/** One clip of an arrangement, in sample frames at the render's rate, with its lane's linear gains. */
export interface PlacedClip {
  file: string;
  /** Where it starts on the timeline. */
  startFrame: number;
  /** Where in the file it starts. */
  offsetFrame: number;
  lengthFrames: number;
  left: number;
  right: number;
}

export interface RenderOptions {
  sampleRate: number;
  /** Length of the render; clips past it are cut. */
  frames: number;
  signal?: AbortSignal;
}

/**
 * A file as mono samples at `sampleRate`: stereo is averaged ((L+R)/2), as Web Audio's "speakers"
 * down-mix does, so the browser's render of the same arrangement comes out the same.
 */
async function monoOf(file: string, sampleRate: number, signal?: AbortSignal): Promise<Float32Array> {
  const { streams } = await probeMedia(file);
  const channels = streams.find((s) => s.type === 'audio')?.channels ?? 1;
  if (channels !== 2) return decodeAudio(file, { sampleRate, channels: 1, signal });
  const stereo = await decodeAudio(file, { sampleRate, channels: 2, signal });
  const mono = new Float32Array(stereo.length / 2);
  for (let i = 0; i < mono.length; i++) mono[i] = (stereo[2 * i]! + stereo[2 * i + 1]!) / 2;
  return mono;
}

/**
 * Mixes clips into interleaved stereo float PCM: each clip's samples, panned by its gains, added at
 * its place. The sum is linear (no limiter), so what the browser plays through the same gains is
 * what this renders.
 */
export async function mixClips(clips: PlacedClip[], opts: RenderOptions): Promise<Float32Array> {
  const decoded = new Map<string, Promise<Float32Array>>();
  const out = new Float32Array(opts.frames * 2);
  for (const clip of clips) {
    if (clip.left === 0 && clip.right === 0) continue;
    let source = decoded.get(clip.file);
    if (!source) decoded.set(clip.file, (source = monoOf(clip.file, opts.sampleRate, opts.signal)));
    const samples = await source;
    const count = Math.min(clip.lengthFrames, samples.length - clip.offsetFrame, opts.frames - clip.startFrame);
    for (let i = 0; i < count; i++) {
      const v = samples[clip.offsetFrame + i]!;
      const at = 2 * (clip.startFrame + i);
      out[at] = out[at]! + v * clip.left;
      out[at + 1] = out[at + 1]! + v * clip.right;
    }
  }
  return out;
}

/** Renders clips to a file (.wav 16-bit, .mp3…), written atomically. */
export async function renderClips(clips: PlacedClip[], output: string, opts: RenderOptions): Promise<void> {
  const pcm = await mixClips(clips, opts);
  await encodeAudio(pcm, { output, sampleRate: opts.sampleRate, channels: 2, bitrateKbps: output.endsWith('.wav') ? undefined : 192 });
}
