import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AiPool } from '../../../ai/pool';
import { detectSpeech, VAD_SAMPLE_RATE } from '../../../ai/pipelines/vad';
import { decodeAudio, MediaDecodeError } from '../../../media/ffmpeg';

/** Least voiced speech one sample must hold to count, and what cloning needs in all (research note §3). */
export const MIN_SAMPLE_SPEECH_SECONDS = 1;
export const SAMPLES_FOR_CLONING = 5;
export const SPEECH_SECONDS_FOR_CLONING = 10;
/** A sample with more than this share of samples at full scale is clipped: the voice would be distorted. */
const CLIPPED_SHARE = 0.005;

export type SampleVerdict =
  | {
      ok: true;
      voicedSeconds: number;
      durationSeconds: number;
      /** 16 kHz mono, in memory only: embedded, then dropped. */ pcm: Float32Array;
      /** 24 kHz mono when asked for (a Chatterbox reference), in memory only until the voice is encoded. */
      reference: Float32Array | null;
    }
  | { ok: false; code: 'AUDIO_DECODE_FAILED' | 'NOT_ENOUGH_SPEECH' | 'SAMPLE_CLIPPED'; message: string };

/**
 * Checks one voice sample (WAV, WebM/Opus, MP3... whatever ffmpeg reads): decoded to 16 kHz mono,
 * rejected when clipped or when the VAD finds too little speech. The raw bytes only ever touch a
 * temporary file that is deleted before this returns; nothing of the sample is kept.
 */
export async function checkVoiceSample(
  pool: AiPool,
  bytes: Buffer,
  options: { referenceRate?: number; signal?: AbortSignal } = {},
): Promise<SampleVerdict> {
  const { signal } = options;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-voice-'));
  const file = path.join(dir, crypto.randomUUID());
  let pcm: Float32Array;
  let reference: Float32Array | null = null;
  try {
    await fsp.writeFile(file, bytes, { mode: 0o600 });
    pcm = await decodeAudio(file, { sampleRate: VAD_SAMPLE_RATE, signal });
    if (options.referenceRate) reference = await decodeAudio(file, { sampleRate: options.referenceRate, signal });
  } catch (err) {
    if (err instanceof MediaDecodeError)
      return { ok: false, code: 'AUDIO_DECODE_FAILED', message: 'The sample is not audio ffmpeg can read (send WAV, WebM/Opus or MP3)' };
    throw err;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
  const durationSeconds = pcm.length / VAD_SAMPLE_RATE;
  if (pcm.length === 0) return { ok: false, code: 'NOT_ENOUGH_SPEECH', message: 'The sample is empty' };
  let clipped = 0;
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]!) >= 0.999) clipped++;
  if (clipped / pcm.length > CLIPPED_SHARE) {
    return {
      ok: false,
      code: 'SAMPLE_CLIPPED',
      message: 'The recording is too loud and clips; move a little away from the microphone and record again',
    };
  }
  const speech = await detectSpeech(pool, pcm.slice(), { signal });
  const voicedSeconds = speech.segments.reduce((sum, s) => sum + (s.end - s.start), 0);
  if (voicedSeconds < MIN_SAMPLE_SPEECH_SECONDS) {
    return {
      ok: false,
      code: 'NOT_ENOUGH_SPEECH',
      message: `The sample holds ${voicedSeconds.toFixed(1)} s of speech; at least ${MIN_SAMPLE_SPEECH_SECONDS} s is needed`,
    };
  }
  return { ok: true, voicedSeconds, durationSeconds, pcm, reference };
}
