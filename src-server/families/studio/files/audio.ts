import fsp from 'node:fs/promises';
import { loadMusicMetadata } from '../../../media/lazy';
import type { FileStore } from '../../../storage/file-store';
import {
  CONTAINER_CONTENT_TYPES,
  CONTAINER_HEAD_BYTES,
  containerAgrees,
  sniffContainer,
  type RecordedContainer,
} from '../../../media/containers';
import {
  AUDIO_CONTENT_TYPES,
  FRAME_WINDOW,
  MAX_ID3_BYTES,
  id3Length,
  metadataAgrees,
  sniffAudio,
  type AudioFormat,
} from '../../../media/audio-sniff';
import { errors } from '../errors';

/** What the studio stores: the stage library's four formats and what browsers record into. */
export type StudioAudioFormat = AudioFormat | RecordedContainer;

export const STUDIO_AUDIO_FORMATS = ['wav', 'mp3', 'm4a', 'aac', 'ogg', 'webm', 'flac'] as const;

export const STUDIO_CONTENT_TYPES: Record<StudioAudioFormat, string> = { ...AUDIO_CONTENT_TYPES, ...CONTAINER_CONTENT_TYPES };

export const ACCEPTED_AUDIO = 'WAV, MP3, M4A, AAC, Ogg, WebM or FLAC audio';

export interface CheckedAudio {
  format: StudioAudioFormat;
  size: number;
  /** Seconds, when the container says. */
  duration: number | null;
}

export const notAudio = (what: string) =>
  errors.error('INVALID_AUDIO', `The ${what} is not ${ACCEPTED_AUDIO} (recognised by its content, not its name)`);

async function readHead(file: string, bytes: number): Promise<{ head: Buffer; atEnd: boolean }> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return { head: head.subarray(0, bytesRead), atEnd: bytesRead >= size };
  } finally {
    await handle.close();
  }
}

/**
 * Reads a stored file to tell which audio it is, by its bytes and then by a full parse.
 * Null when it is none of the accepted formats (or not there at all).
 */
export async function checkStoredAudio(storage: FileStore, key: string): Promise<CheckedAudio | null> {
  const stat = await storage.stat(key);
  if (!stat || stat.size === 0) return null;
  const file = storage.absolutePath(key);
  const first = await readHead(file, Math.max(10, CONTAINER_HEAD_BYTES));
  const tag = id3Length(first.head);
  if (tag > MAX_ID3_BYTES) return null;
  const { head, atEnd } = await readHead(file, tag + FRAME_WINDOW);
  const container = sniffContainer(head);
  const format: StudioAudioFormat | null = sniffAudio(head, atEnd) ?? container;
  if (!format) return null;
  const meta = await (await loadMusicMetadata()).parseFile(file, { duration: true, skipCovers: true }).catch(() => null);
  if (!meta) return null;
  const agrees = format === container ? containerAgrees(container, meta.format) : metadataAgrees(format as AudioFormat, meta.format);
  if (!agrees) return null;
  const seconds = meta.format.duration;
  const duration = seconds !== undefined && Number.isFinite(seconds) ? Math.round(seconds * 1000) / 1000 : null;
  return { format, size: stat.size, duration };
}

/** Image formats a cover may be, by magic bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';
export const IMAGE_CONTENT_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export async function sniffStoredImage(storage: FileStore, key: string): Promise<ImageFormat | null> {
  const stat = await storage.stat(key);
  if (!stat) return null;
  const { head } = await readHead(storage.absolutePath(key), 16);
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}
