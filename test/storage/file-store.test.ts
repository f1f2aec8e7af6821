import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FileNotFoundError,
  FileStore,
  FileTooLargeError,
  InvalidKeyError,
  MAX_KEY_LENGTH,
  assertValidKey,
} from '../../src-server/storage/file-store';
import { tempDataDir } from '../helpers/app';

let dataDir: string;
let store: FileStore;

beforeEach(async () => {
  dataDir = tempDataDir('atelier-store-');
  store = await FileStore.open(dataDir);
});
afterEach(async () => {
  await store.closeOpenFiles();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');
const tempFiles = () => fs.readdirSync(path.join(dataDir, 'tmp'));
const read = (key: string) => fs.readFileSync(store.absolutePath(key), 'utf8');

/** Yields `chunks`, then fails: a connection that drops midway. */
async function* failingAfter(chunks: string[], error = new Error('connection reset')) {
  for (const c of chunks) yield Buffer.from(c);
  throw error;
}

describe('put', () => {
  it('stores a Buffer and reports size and sha256', async () => {
    const stored = await store.put('songs/u1/a.mp3', Buffer.from('hello'));
    expect(stored).toEqual({ key: 'songs/u1/a.mp3', size: 5, sha256: sha('hello') });
    expect(read('songs/u1/a.mp3')).toBe('hello');
    expect(await store.stat('songs/u1/a.mp3')).toMatchObject({ key: 'songs/u1/a.mp3', size: 5 });
    expect(await store.exists('songs/u1/a.mp3')).toBe(true);
    expect((await store.get('songs/u1/a.mp3')).toString()).toBe('hello');
  });

  it('streams a Node Readable and an async iterable of chunks and strings', async () => {
    const big = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const fromStream = await store.put('a/big.bin', Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
    expect(fromStream).toEqual({ key: 'a/big.bin', size: big.length, sha256: sha(big) });
    expect(fs.readFileSync(store.absolutePath('a/big.bin')).equals(big)).toBe(true);

    async function* parts() {
      yield 'ab';
      yield new Uint8Array([99, 100]);
    }
    expect(await store.put('a/small.txt', parts())).toMatchObject({ size: 4, sha256: sha('abcd') });
    expect(read('a/small.txt')).toBe('abcd');
  });

  it('stores an empty file', async () => {
    expect(await store.put('empty', Buffer.alloc(0))).toEqual({ key: 'empty', size: 0, sha256: sha('') });
    expect(await store.stat('empty')).toMatchObject({ size: 0 });
  });

  it('accepts exactly maxBytes', async () => {
    await expect(store.put('k', Readable.from([Buffer.alloc(10)]), { maxBytes: 10 })).resolves.toMatchObject({ size: 10 });
  });

  it('refuses a Buffer over maxBytes without writing anything', async () => {
    await expect(store.put('k', Buffer.alloc(11), { maxBytes: 10 })).rejects.toBeInstanceOf(FileTooLargeError);
    expect(await store.exists('k')).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('a stream passing maxBytes midway leaves no file, no temp file, and the old file intact', async () => {
    await store.put('doc.txt', Buffer.from('old'));
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(64 * 1024, 1);
      })(),
    );
    const err = await store.put('doc.txt', source, { maxBytes: 1024 * 1024 }).catch((e) => e);
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err).toMatchObject({ maxBytes: 1024 * 1024, statusCode: 413 });
    expect(source.destroyed).toBe(true);
    expect(read('doc.txt')).toBe('old');
    expect(tempFiles()).toEqual([]);
  });

  it('a source that errors midway leaves no file and no temp file', async () => {
    await expect(store.put('x/new.bin', failingAfter(['a'.repeat(2 * 1024 * 1024), 'b']))).rejects.toThrow('connection reset');
    expect(await store.exists('x/new.bin')).toBe(false);
    expect(tempFiles()).toEqual([]);
  });

  it('a failed overwrite keeps the previous content', async () => {
    await store.put('x/doc', Buffer.from('version 1'));
    await expect(store.put('x/doc', failingAfter(['version 2 partial']))).rejects.toThrow();
    expect(read('x/doc')).toBe('version 1');
    expect(tempFiles()).toEqual([]);
  });

  it('overwrites atomically: readers see the old bytes until the new file is complete', async () => {
    await store.put('cover.png', Buffer.from('old-bytes'));
    const opened = await store.openRead('cover.png');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow() {
      yield Buffer.from('new-');
      await gate;
      yield Buffer.from('bytes!');
    }
    const writing = store.put('cover.png', slow());
    await new Promise((r) => setTimeout(r, 20));
    expect(read('cover.png')).toBe('old-bytes');
    release();
    await writing;
    expect(read('cover.png')).toBe('new-bytes!');
    // A reader that opened before the swap keeps reading the file it opened.
    expect(await text(opened.stream())).toBe('old-bytes');
  });
});

describe('keys', () => {
  it.each([
    '',
    '/abs',
    'a/../b',
    '..',
    '../x',
    '.',
    'a/./b',
    'a//b',
    'a/',
    'a\\b',
    'a b',
    'ümlaut',
    '%2e%2e',
    'C:/x',
    'song.',
    'a/con',
    'NUL.txt',
    'x'.repeat(MAX_KEY_LENGTH + 1),
  ])('rejects %j', async (key) => {
    expect(() => assertValidKey(key)).toThrow(InvalidKeyError);
    await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidKeyError);
    expect(() => store.absolutePath(key)).toThrow(InvalidKeyError);
  });

  it.each(['a', 'songs/u-1/track_01.mp3', '.hidden', 'a/b/c/d/e.tar.gz', 'console.log', 'x'.repeat(MAX_KEY_LENGTH)])(
    'accepts %j',
    (key) => {
      expect(() => assertValidKey(key)).not.toThrow();
      expect(store.absolutePath(key).startsWith(path.join(dataDir, 'files') + path.sep)).toBe(true);
    },
  );

  it('InvalidKeyError carries a 400 status for family error handlers', () => {
    expect(new InvalidKeyError('k', 'why')).toMatchObject({ statusCode: 400 });
  });
});

describe('reading and deleting', () => {
  it('reads byte ranges and reports missing files', async () => {
    await store.put('r.txt', Buffer.from('0123456789'));
    expect(await text(await store.createReadStream('r.txt', { start: 2, end: 4 }))).toBe('234');
    expect(await text(await store.createReadStream('r.txt'))).toBe('0123456789');
    await expect(store.createReadStream('missing')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(store.get('missing')).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await store.stat('missing')).toBeNull();
    expect(await store.stat('r.txt/below')).toBeNull();
  });

  it('concurrent readers share a file, and a put, a delete or a change made outside the store is seen', async () => {
    await store.put('s.wav', Buffer.from('first take'));
    const readers = await Promise.all(Array.from({ length: 20 }, () => store.openRead('s.wav')));
    expect(new Set(readers.map((r) => r.etag)).size).toBe(1);
    expect(readers.map((r, i) => r.readSmall(i % 5, (i % 5) + 4))).toEqual(
      readers.map((_, i) => Buffer.from('first take').subarray(i % 5, (i % 5) + 5)),
    );

    await store.put('s.wav', Buffer.from('second take'));
    expect(await text((await store.openRead('s.wav')).stream())).toBe('second take');
    await store.delete('s.wav');
    await expect(store.openRead('s.wav')).rejects.toBeInstanceOf(FileNotFoundError);

    await store.put('s.wav', Buffer.from('third take'));
    expect((await store.openRead('s.wav')).readSmall(0, 4)).toEqual(Buffer.from('third'));
    // Replaced by something else than the store (a restore from backup): noticed within a second.
    const outside = `${store.absolutePath('s.wav')}.new`;
    fs.writeFileSync(outside, 'restored take');
    fs.renameSync(outside, store.absolutePath('s.wav'));
    const later = Date.now() + 1500;
    const now = vi.spyOn(Date, 'now').mockReturnValue(later);
    try {
      expect(await text((await store.openRead('s.wav')).stream())).toBe('restored take');
    } finally {
      now.mockRestore();
    }
  });

  it('a folder is not a file', async () => {
    await store.put('dir/file', Buffer.from('x'));
    expect(await store.stat('dir')).toBeNull();
    await expect(store.openRead('dir')).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await store.delete('dir')).toBe(false);
  });

  it('delete reports whether a file was there', async () => {
    await store.put('d/1', Buffer.from('x'));
    expect(await store.delete('d/1')).toBe(true);
    expect(await store.delete('d/1')).toBe(false);
    expect(await store.exists('d/1')).toBe(false);
  });

  it('deletePrefix removes a folder of keys and nothing beside it', async () => {
    for (const key of ['users/1/a', 'users/1/deep/b', 'users/10/c', 'users/1x']) await store.put(key, Buffer.from(key));
    await store.deletePrefix('users/1');
    expect(await store.exists('users/1/a')).toBe(false);
    expect(await store.exists('users/1/deep/b')).toBe(false);
    expect(await store.exists('users/10/c')).toBe(true);
    expect(await store.exists('users/1x')).toBe(true);
    await expect(store.deletePrefix('users/none')).resolves.toBeUndefined();
    await expect(store.deletePrefix('../')).rejects.toBeInstanceOf(InvalidKeyError);
  });
});

describe('temp files', () => {
  it('opening the store sweeps stale temp files and spares fresh ones and other files', async () => {
    const tmp = path.join(dataDir, 'tmp');
    const stale = path.join(tmp, 'filestore-dead.part');
    const fresh = path.join(tmp, 'filestore-live.part');
    const foreign = path.join(tmp, 'ffmpeg-output.wav');
    for (const f of [stale, fresh, foreign]) fs.writeFileSync(f, 'x');
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(stale, hourAgo, hourAgo);
    fs.utimesSync(foreign, hourAgo, hourAgo);

    await FileStore.open(dataDir);
    expect(fs.readdirSync(tmp).sort()).toEqual(['ffmpeg-output.wav', 'filestore-live.part']);
    fs.utimesSync(fresh, hourAgo, hourAgo);
    expect(await store.sweepTemp(60_000)).toBe(1);
    expect(fs.readdirSync(tmp)).toEqual(['ffmpeg-output.wav']);
  });
});
