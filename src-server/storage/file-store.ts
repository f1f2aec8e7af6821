import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream';

/** The key failed validation: it could escape the store or is not a plain relative path. */
export class InvalidKeyError extends Error {
  // statusCode lets a family's error handler map it without knowing this class.
  readonly statusCode = 400;
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid storage key: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

export class FileTooLargeError extends Error {
  readonly statusCode = 413;
  constructor(readonly maxBytes: number) {
    super(`File is larger than the limit of ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

export class FileNotFoundError extends Error {
  readonly statusCode = 404;
  constructor(readonly key: string) {
    super(`No stored file ${key}`);
    this.name = 'FileNotFoundError';
  }
}

export interface StoredFile {
  key: string;
  size: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
}

export interface FileStat {
  key: string;
  size: number;
  mtimeMs: number;
}

export type PutSource = Buffer | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

export const MAX_KEY_LENGTH = 512;
const SEGMENT = /^[A-Za-z0-9._-]+$/;
/** Names Windows maps to devices whatever the extension; the same key must work on every platform. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;
const TEMP_PREFIX = 'filestore-';
const TEMP_SUFFIX = '.part';
/** Chunks are gathered up to this size before one writev: fewer syscalls for small network chunks. */
const WRITE_BATCH = 1024 * 1024;
/** Read chunk size for serving files: large enough that a 200 MB download is not syscall-bound. */
const READ_CHUNK = 1024 * 1024;

/**
 * Throws InvalidKeyError unless `key` is `seg/seg/...` with segments of [A-Za-z0-9._-]: no `.`/`..`,
 * no trailing dot (Windows drops it, so two keys would share a file), no Windows device name.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, 'empty path segment (leading, trailing or double slash)');
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, 'dot segments are not allowed');
    if (!SEGMENT.test(segment)) throw new InvalidKeyError(key, 'only letters, digits, ".", "_", "-" and "/" are allowed');
    if (segment.endsWith('.')) throw new InvalidKeyError(key, 'a path segment may not end with "."');
    if (WINDOWS_DEVICE.test(segment)) throw new InvalidKeyError(key, `"${segment}" is a reserved device name on Windows`);
  }
}

const isErrno = (err: unknown, ...codes: string[]): boolean => codes.includes((err as NodeJS.ErrnoException)?.code ?? '');

/** Makes a rename durable; Windows cannot open directories for fsync, so it is skipped there. */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!isErrno(err, 'EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES')) throw err;
  } finally {
    await handle?.close();
  }
}

async function* chunksOf(source: PutSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
}

/**
 * Files under `<dataDir>/files`, addressed by key. Every write lands in `<dataDir>/tmp` first and
 * is renamed into place after fsync, so a reader sees the old file or the whole new one, never a
 * part; a failed or oversized write leaves nothing behind.
 */
export class FileStore {
  readonly root: string;
  readonly tempDir: string;
  /** Descriptors of recently read files, shared by concurrent readers (Range requests of one song). */
  private readonly openFiles = new OpenFileCache();
  /** Temp files this process is writing now: a periodic sweep never takes them, however slow. */
  private readonly writing = new Set<string>();

  private constructor(dataDir: string) {
    this.root = path.join(dataDir, 'files');
    this.tempDir = path.join(dataDir, 'tmp');
  }

  /**
   * Creates the folders and removes temp files older than `tempGraceMs` left by a crash. The grace
   * spares an upload another Atelier process (the headless CLI on the same data folder) has under way.
   */
  static async open(dataDir: string, opts: { tempGraceMs?: number } = {}): Promise<FileStore> {
    const store = new FileStore(dataDir);
    await fsp.mkdir(store.root, { recursive: true });
    await fsp.mkdir(store.tempDir, { recursive: true });
    await store.sweepTemp(opts.tempGraceMs ?? 60_000);
    return store;
  }

  /** Removes this store's temp files last modified more than `olderThanMs` ago; returns how many. */
  async sweepTemp(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of await fsp.readdir(this.tempDir)) {
      if (!name.startsWith(TEMP_PREFIX) || !name.endsWith(TEMP_SUFFIX)) continue;
      const file = path.join(this.tempDir, name);
      if (this.writing.has(file)) continue;
      try {
        if ((await fsp.stat(file)).mtimeMs > cutoff) continue;
        await fsp.unlink(file);
        removed += 1;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return removed;
  }

  /** The file's path on disk, for tools that need one (ffmpeg, sharp). Validates the key. */
  absolutePath(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  /**
   * Writes `source` under `key`, replacing any file there atomically. A stream source is consumed;
   * on error or when it passes `maxBytes` it is destroyed, the temp file removed, and the error
   * (FileTooLargeError, or the source's own) thrown.
   */
  async put(key: string, source: PutSource, opts: { maxBytes?: number } = {}): Promise<StoredFile> {
    const target = this.absolutePath(key);
    const { maxBytes } = opts;
    if (maxBytes !== undefined && source instanceof Uint8Array && source.byteLength > maxBytes) {
      throw new FileTooLargeError(maxBytes);
    }
    const temp = path.join(this.tempDir, `${TEMP_PREFIX}${crypto.randomUUID()}${TEMP_SUFFIX}`);
    const hash = crypto.createHash('sha256');
    let size = 0;
    this.writing.add(temp);
    try {
      const handle = await fsp.open(temp, 'wx');
      try {
        let batch: Uint8Array[] = [];
        let batchBytes = 0;
        const flush = async () => {
          if (batchBytes === 0) return;
          await writeAll(handle, batch);
          batch = [];
          batchBytes = 0;
        };
        for await (const chunk of chunksOf(source)) {
          size += chunk.byteLength;
          if (maxBytes !== undefined && size > maxBytes) throw new FileTooLargeError(maxBytes);
          hash.update(chunk);
          batch.push(chunk);
          batchBytes += chunk.byteLength;
          if (batchBytes >= WRITE_BATCH) await flush();
        }
        await flush();
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.mkdir(path.dirname(target), { recursive: true });
      this.openFiles.forget(key);
      await fsp.rename(temp, target);
      this.openFiles.forget(key);
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw err;
    } finally {
      this.writing.delete(temp);
    }
    await fsyncDir(path.dirname(target));
    return { key, size, sha256: hash.digest('hex') };
  }

  /** Size and modification time, or null when no file is stored under `key`. */
  async stat(key: string): Promise<FileStat | null> {
    try {
      const st = await fsp.stat(this.absolutePath(key));
      return st.isFile() ? { key, size: st.size, mtimeMs: st.mtimeMs } : null;
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.absolutePath(key));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new FileNotFoundError(key);
      throw err;
    }
  }

  /** Removes the file; true when there was one. */
  async delete(key: string): Promise<boolean> {
    try {
      const file = this.absolutePath(key);
      this.openFiles.forget(key);
      await fsp.unlink(file);
      this.openFiles.forget(key);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) return false;
      throw err;
    }
  }

  /**
   * Removes the file `prefix` and everything under `prefix/` (a folder prefix: `users/1` does not
   * touch `users/10`). For clean-ups such as a deleted account's files.
   */
  async deletePrefix(prefix: string): Promise<void> {
    const folder = this.absolutePath(prefix);
    this.openFiles.forgetPrefix(prefix);
    await fsp.rm(folder, { recursive: true, force: true });
    this.openFiles.forgetPrefix(prefix);
  }

  /** Closes the cached descriptors (the server is closing). */
  async closeOpenFiles(): Promise<void> {
    this.openFiles.forgetPrefix('');
  }

  /**
   * Opens `key` for reading: size, mtime and bytes all come from the same file even if a put
   * replaces it meanwhile. Throws FileNotFoundError.
   */
  async openRead(key: string): Promise<OpenedFile> {
    // The key is checked and joined to a path only when the file is not already open.
    const file = () => this.absolutePath(key);
    try {
      const shared = await this.openFiles.acquire(key, file);
      return new OpenedFile(shared.handle, key, shared.st, () => this.openFiles.release(shared));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) throw new FileNotFoundError(key);
      throw err;
    }
  }

  /** Bytes `start..end` (inclusive, both optional) of `key` as a stream. Throws FileNotFoundError. */
  async createReadStream(key: string, range: { start?: number; end?: number } = {}): Promise<fs.ReadStream> {
    return (await this.openRead(key)).stream(range);
  }
}

/**
 * An open stored file. Call stream() or read() once, or close(): the descriptor may be shared with
 * other readers of the same file, and each reader gives its use of it back exactly once.
 */
export class OpenedFile {
  readonly size: number;
  readonly mtimeMs: number;
  /** Changes with every put: each one renames a new file into place. */
  readonly etag: string;
  private released = false;

  constructor(
    private readonly handle: fsp.FileHandle,
    readonly key: string,
    st: fs.Stats,
    private readonly release: () => void,
  ) {
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    this.etag = `"${st.ino.toString(36)}-${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
  }

  /** Bytes `start..end` (inclusive) as a stream, from the shared descriptor at explicit offsets. */
  stream(range: { start?: number; end?: number } = {}): fs.ReadStream {
    const stream = fs.createReadStream('', {
      fd: this.handle.fd,
      start: range.start ?? 0,
      end: range.end,
      highWaterMark: READ_CHUNK,
      autoClose: false,
    });
    // Ended, failed or destroyed (a client that went away): the descriptor is no longer this reader's.
    finished(stream, () => void this.close());
    return stream;
  }

  /**
   * Bytes `start..end` (inclusive) in one buffer, read on this thread as nginx reads: for a small
   * range of a file being played (in the page cache) a direct read costs microseconds, while a
   * thread-pool round trip queues behind every other request's.
   */
  readSmall(start: number, end: number): Buffer {
    try {
      const buffer = Buffer.allocUnsafe(end - start + 1);
      let filled = 0;
      while (filled < buffer.length) {
        const bytesRead = fs.readSync(this.handle.fd, buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) return buffer.subarray(0, filled);
        filled += bytesRead;
      }
      return buffer;
    } finally {
      void this.close();
    }
  }

  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.release();
  }
}

interface SharedFile {
  key: string;
  handle: fsp.FileHandle;
  st: fs.Stats;
  /** Readers using it now; the descriptor closes once it is forgotten and this is 0. */
  users: number;
  forgotten: boolean;
  checkedAt: number;
  checking: Promise<void> | null;
}

/** Files kept open between requests, the least recently used closed first. */
const OPEN_FILES_MAX = 64;
/** A cached descriptor is checked against the path (one stat) at most this often, for changes made outside the store. */
const REVALIDATE_MS = 1000;

/**
 * Concurrent and repeated reads of one file share one descriptor and one fstat instead of an open,
 * a stat and a close each: the store forgets a key whenever it writes or removes it, and a file
 * changed behind its back is noticed within REVALIDATE_MS.
 */
class OpenFileCache {
  private readonly files = new Map<string, SharedFile>();
  private readonly opening = new Map<string, Promise<SharedFile>>();

  async acquire(key: string, file: () => string): Promise<SharedFile> {
    let shared = this.files.get(key);
    if (shared && Date.now() - shared.checkedAt > REVALIDATE_MS) {
      // One stat for all the readers arriving together.
      shared.checking ??= this.revalidate(shared, file);
      await shared.checking;
      shared = this.files.get(key);
    }
    if (!shared) {
      let pending = this.opening.get(key);
      if (!pending) {
        pending = this.open(key, file).finally(() => this.opening.delete(key));
        this.opening.set(key, pending);
      }
      shared = await pending;
      // Forgotten (written or removed) while it opened: this reader still gets a consistent file.
      if (shared.forgotten) return this.use(shared);
    }
    // Most recently used last, so the first entry is the one to close when there are too many.
    this.files.delete(key);
    this.files.set(key, shared);
    return this.use(shared);
  }

  private async revalidate(shared: SharedFile, file: () => string): Promise<void> {
    const current = await fsp.stat(file()).catch(() => null);
    shared.checking = null;
    if (current && current.ino === shared.st.ino && current.size === shared.st.size && current.mtimeMs === shared.st.mtimeMs)
      shared.checkedAt = Date.now();
    else if (this.files.get(shared.key) === shared) this.forget(shared.key);
  }

  release(shared: SharedFile): void {
    shared.users -= 1;
    this.closeIfDone(shared);
  }

  forget(key: string): void {
    const shared = this.files.get(key);
    if (!shared) return;
    this.files.delete(key);
    shared.forgotten = true;
    this.closeIfDone(shared);
  }

  forgetPrefix(prefix: string): void {
    for (const key of [...this.files.keys()]) if (prefix === '' || key === prefix || key.startsWith(`${prefix}/`)) this.forget(key);
  }

  private use(shared: SharedFile): SharedFile {
    shared.users += 1;
    return shared;
  }

  private async open(key: string, file: () => string): Promise<SharedFile> {
    const handle = await fsp.open(file(), 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw Object.assign(new Error(`${key} is not a file`), { code: 'ENOENT' });
      const shared: SharedFile = { key, handle, st, users: 0, forgotten: false, checkedAt: Date.now(), checking: null };
      this.files.set(key, shared);
      if (this.files.size > OPEN_FILES_MAX) this.forget(this.files.keys().next().value!);
      return shared;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  private closeIfDone(shared: SharedFile): void {
    if (shared.forgotten && shared.users === 0) void shared.handle.close().catch(() => {});
  }
}

async function writeAll(handle: fsp.FileHandle, buffers: Uint8Array[]): Promise<void> {
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    pending = skipBytes(pending, bytesWritten);
  }
}

/** The buffers left after a short write of `count` bytes. */
function skipBytes(buffers: Uint8Array[], count: number): Uint8Array[] {
  let left = count;
  let i = 0;
  while (i < buffers.length && left >= buffers[i]!.byteLength) left -= buffers[i++]!.byteLength;
  const rest = buffers.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
