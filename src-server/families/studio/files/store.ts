import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { FileStore } from '../../../storage/file-store';
import type { UrlSigner } from '../../../storage/signed-url';
import { MiB } from '../../../storage/streams';

/** Minutes a signed upload or download URL stays valid. */
export const UPLOAD_URL_SECONDS = 15 * 60;
export const DOWNLOAD_URL_SECONDS = 60 * 60;
/** Largest audio file a signed upload URL accepts (a 10-minute stereo WAV fits). */
export const AUDIO_MAX_BYTES = 100 * MiB;

/**
 * Where the studio keeps files: everything of one account under `studio/<owner uuid>/`, so the
 * account's deletion removes one folder. Uploads land in `incoming/` through signed PUT URLs and
 * move to `tracks/` or `songs/` only after their content was checked: a signed URL that is still
 * valid can then only write a new stray file, never replace a checked one.
 */

export const ownerPrefix = (ownerId: string) => `studio/${ownerId}`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export const newIncomingKey = (ownerId: string) => `${ownerPrefix(ownerId)}/incoming/${crypto.randomUUID()}`;

/** True for a key this server handed to `ownerId` for an upload; anything else is refused before touching the disk. */
export function isIncomingKeyOf(ownerId: string, key: string): boolean {
  return new RegExp(`^studio/${ownerId.replace(/[^A-Za-z0-9-]/g, '')}/incoming/${UUID}$`).test(key);
}

/** An upload address the client PUTs raw bytes to, absolute like a presigned S3 URL. */
export interface UploadTicket {
  url: string;
  key: string;
  expiresAt: number;
  maxBytes: number;
}

export function uploadTicket(signer: UrlSigner, request: FastifyRequest, key: string, now: number): UploadTicket {
  const url = signer.sign({ method: 'PUT', key, expiresInSeconds: UPLOAD_URL_SECONDS, maxBytes: AUDIO_MAX_BYTES });
  return { url: absoluteUrl(request, url), key, expiresAt: now + UPLOAD_URL_SECONDS * 1000, maxBytes: AUDIO_MAX_BYTES };
}

/** The URL as the client reached this server (`http://127.0.0.1:8000/...`, or a LAN address). */
export function absoluteUrl(request: FastifyRequest, pathAndQuery: string): string {
  return `${request.protocol}://${request.host}${pathAndQuery}`;
}

/** Moves a checked file into place: one rename within the store, atomic for readers. */
export async function moveStored(storage: FileStore, from: string, to: string): Promise<void> {
  const target = storage.absolutePath(to);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.rename(storage.absolutePath(from), target);
}

/** Deletes files, ignoring ones already gone. */
export async function deleteAll(storage: FileStore, keys: Iterable<string | null | undefined>): Promise<void> {
  for (const key of keys) if (key) await storage.delete(key);
}

/**
 * Removes an owner's abandoned uploads: files in `incoming/` older than their URL's lifetime plus
 * an hour that `keep` (pending tracks' keys) does not name. A saved upload has moved away already.
 */
export async function sweepIncoming(storage: FileStore, ownerId: string, now: number, keep: ReadonlySet<string>): Promise<void> {
  const prefix = `${ownerPrefix(ownerId)}/incoming`;
  let names: string[];
  try {
    names = await fsp.readdir(storage.absolutePath(prefix));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const cutoff = now - (UPLOAD_URL_SECONDS + 3600) * 1000;
  for (const name of names) {
    const key = `${prefix}/${name}`;
    if (keep.has(key)) continue;
    const stat = await storage.stat(key).catch(() => null);
    if (stat && stat.mtimeMs < cutoff) await storage.delete(key);
  }
}
