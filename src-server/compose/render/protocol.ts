import type { Arrangement } from '../arrange';

/** Messages between the server and the render worker: structured-clone data only. */
export interface RenderRequest {
  arrangement: Arrangement;
  sampleRate: number;
  /** The parts this worker renders. */
  parts: string[];
}

export type RenderMessage =
  | { type: 'stem'; name: string; /** Interleaved stereo float PCM, the song's length. */ pcm: Float32Array; peak: number }
  | { type: 'done' }
  | { type: 'failed'; message: string };
