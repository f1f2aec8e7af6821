import type { default as Sharp } from 'sharp';
import type { default as FluentFfmpeg } from 'fluent-ffmpeg';

/** Loads a module once, on first use, and shares the promise. */
function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
}

/**
 * Image, audio-tag and ffmpeg-wrapper libraries the first screen never needs: read on the first request that
 * does, so the server answers /health without loading them (#15, cold start).
 */
export const loadSharp: () => Promise<typeof Sharp> = onFirstUse(async () => (await import('sharp')).default);
export const loadMusicMetadata = onFirstUse(() => import('music-metadata'));
export const loadFluentFfmpeg: () => Promise<typeof FluentFfmpeg> = onFirstUse(async () => (await import('fluent-ffmpeg')).default);
