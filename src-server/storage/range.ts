import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../http/errors';
import { infraError } from '../http/family';
import { FileNotFoundError, type FileStore, type OpenedFile } from './file-store';

export interface SendFileOptions {
  contentType: string;
  /** Sends `Content-Disposition: attachment` with this name (UTF-8 safe). */
  downloadName?: string;
  /** Default `no-cache`: clients keep the bytes but revalidate with the ETag. */
  cacheControl?: string;
  /** The family's answer when the file is not stored; default 404 FILE_NOT_FOUND "File not found". */
  missing?: () => Error;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Ranges up to this size are read in one go and sent as a buffer; larger ones stream. */
const SMALL_RANGE = 256 * 1024;

const SINGLE_RANGE = /^bytes=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * Reads a `Range` header against a file of `size` bytes. Null means "send the whole file": no
 * header, one we do not understand, or several ranges (RFC 9110 lets a server ignore Range).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = SINGLE_RANGE.exec(header);
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** RFC 6266 attachment header with an ASCII fallback and the exact UTF-8 name. */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

const wholeSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;
const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

function notModified(headers: IncomingHttpHeaders, file: OpenedFile): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // Weak comparison, as RFC 9110 prescribes for If-None-Match.
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === file.etag);
  }
  const since = Date.parse(headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && wholeSeconds(file.mtimeMs) <= since;
}

/** If-Range: honour Range only while the client's copy is the current one (strong comparison). */
function rangeStillValid(headers: IncomingHttpHeaders, file: OpenedFile): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === file.etag;
  if (value.startsWith('W/')) return false;
  return Date.parse(value) === wholeSeconds(file.mtimeMs);
}

/**
 * Answers GET or HEAD with a stored file: 200 with the whole file, 206 for one satisfiable byte
 * range, 304 on a matching validator, 416 with an unsatisfied Content-Range for a range past the end.
 * Bytes stream from disk; nothing is buffered. Missing file: `opts.missing()`, or AppError 404
 * FILE_NOT_FOUND, which the route's family formats like every other error.
 */
export async function sendStoredFile(
  request: FastifyRequest,
  reply: FastifyReply,
  store: FileStore,
  key: string,
  opts: SendFileOptions,
): Promise<FastifyReply> {
  let file: OpenedFile;
  try {
    file = await store.openRead(key);
  } catch (err) {
    if (err instanceof FileNotFoundError) throw opts.missing?.() ?? new AppError(404, 'FILE_NOT_FOUND', 'File not found');
    throw err;
  }
  let handedOver = false;
  try {
    const { size } = file;
    reply
      .header('accept-ranges', 'bytes')
      .header('etag', file.etag)
      .header('last-modified', new Date(file.mtimeMs).toUTCString())
      .header('cache-control', opts.cacheControl ?? 'no-cache')
      // Stored files may be user uploads: never sniffed into HTML, never scripting our origin.
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', 'sandbox');

    if (notModified(request.headers, file)) return reply.code(304).send();

    const range = rangeStillValid(request.headers, file) ? parseRange(request.headers.range, size) : null;
    if (range === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      throw infraError(request.dialect, 'range_not_satisfiable', `Requested range is outside the file's ${size} bytes`);
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
    if (opts.downloadName) reply.header('content-disposition', contentDisposition(opts.downloadName));
    reply.type(opts.contentType).header('content-length', String(end - start + 1));

    if (request.method === 'HEAD' || size === 0) return reply.send();
    handedOver = true;
    // A player's seek or a chunked fetch: one read into one buffer beats a stream's setup and its reads.
    if (end - start + 1 <= SMALL_RANGE) return reply.send(file.readSmall(start, end));
    return reply.send(file.stream({ start, end }));
  } finally {
    if (!handedOver) await file.close();
  }
}
