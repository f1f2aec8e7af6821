import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import * as tar from 'tar';

/**
 * The whole library as one archive (a .tar.gz): the database (a consistent SQLite backup) and every
 * file under files/. Models (downloadable again from the catalog), logs, temp files and secrets
 * (sessions simply sign in again) stay out. An import is extracted beside the data folder's
 * contents, checked, and switched in at the next start before the database opens, with the
 * library it replaces kept in `.before-import-<time>/`.
 */
export const LIBRARY_FORMAT = 1;
export const MANIFEST = 'atelier-library.json';
const READY = '.import-ready';
/** What an import replaces, and so what an archive carries. */
const LIBRARY_ENTRIES = ['atelier.db', 'files'] as const;

export class LibraryError extends Error {}

/** Streams the archive of `dataDir` into `out`; the database is snapshotted first, in tmp/. */
export async function exportLibrary(dataDir: string, sqlite: Database.Database, version: string): Promise<Readable> {
  const work = path.join(dataDir, 'tmp', `export-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(work, { recursive: true });
  try {
    await sqlite.backup(path.join(work, 'atelier.db'));
    fs.writeFileSync(
      path.join(work, MANIFEST),
      JSON.stringify({ format: LIBRARY_FORMAT, app_version: version, exported_at: new Date().toISOString() }, null, 2),
    );
    const files = path.join(dataDir, 'files');
    if (fs.existsSync(files)) fs.symlinkSync(files, path.join(work, 'files'), 'junction');
    else fs.mkdirSync(path.join(work, 'files'));
  } catch (err) {
    fs.rmSync(work, { recursive: true, force: true });
    throw err;
  }
  // `follow` reads files/ through the link; the snapshot folder goes once the stream ends.
  const stream = tar.create({ gzip: true, cwd: work, follow: true, portable: true }, [MANIFEST, ...LIBRARY_ENTRIES]) as unknown as Readable;
  const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
  stream.once('end', cleanup);
  stream.once('error', cleanup);
  stream.once('close', cleanup);
  return stream;
}

/**
 * Extracts an archive from `input` into a staging folder and checks it (manifest, a database
 * SQLite can open with a users table); when it is sound, marks it ready for the next start.
 * Anything wrong removes the staging folder and throws LibraryError: nothing is half-imported.
 */
export async function stageImport(
  dataDir: string,
  input: Readable,
  openDb: (file: string) => Database.Database,
): Promise<{ files: number }> {
  const staging = path.join(dataDir, `.import-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(staging, { recursive: true });
  let files = 0;
  try {
    try {
      await pipeline(
        input,
        tar.extract({
          cwd: staging,
          strict: true,
          // Only the library's own entries; links and anything else are not extracted.
          filter: (p, entry) => {
            const top = p.split('/')[0];
            const type = 'type' in entry ? entry.type : 'File';
            if (type !== 'File' && type !== 'Directory') return false;
            if (type === 'File' && top === 'files') files += 1;
            return top === MANIFEST || (LIBRARY_ENTRIES as readonly string[]).includes(top ?? '');
          },
        }),
      );
    } catch (err) {
      throw new LibraryError(`the archive could not be read: ${(err as Error).message}`);
    }
    let manifest: { format?: unknown };
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(staging, MANIFEST), 'utf8'));
    } catch {
      throw new LibraryError('this is not an Atelier library archive (no atelier-library.json)');
    }
    if (manifest.format !== LIBRARY_FORMAT)
      throw new LibraryError(`library format ${String(manifest.format)} is not one this Atelier reads`);
    const dbFile = path.join(staging, 'atelier.db');
    if (!fs.existsSync(dbFile)) throw new LibraryError('the archive holds no database');
    try {
      const db = openDb(dbFile);
      try {
        if (db.prepare('PRAGMA quick_check').pluck().get() !== 'ok') throw new Error('the database is damaged');
        db.prepare('SELECT count(*) FROM users').get();
      } finally {
        db.close();
      }
    } catch (err) {
      throw new LibraryError(`the archive's database cannot be used: ${(err as Error).message}`);
    }
    fs.mkdirSync(path.join(staging, 'files'), { recursive: true });
    // One rename makes it the pending import; an older pending one is replaced.
    fs.rmSync(path.join(dataDir, READY), { recursive: true, force: true });
    fs.renameSync(staging, path.join(dataDir, READY));
    return { files };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Whether an import waits for the next start. */
export const importPending = (dataDir: string) => fs.existsSync(path.join(dataDir, READY, MANIFEST));

/**
 * At start-up, before the database opens: puts a pending import in place. The current library
 * moves aside first, so every step is a rename and a crash leaves either library whole.
 */
export function applyPendingImport(dataDir: string, now = Date.now()): boolean {
  const ready = path.join(dataDir, READY);
  if (!importPending(dataDir)) {
    // An extraction interrupted by a crash: its staging folder is of no use.
    for (const n of fs.existsSync(dataDir) ? fs.readdirSync(dataDir) : [])
      if (n.startsWith('.import-') && n !== READY) fs.rmSync(path.join(dataDir, n), { recursive: true, force: true });
    return false;
  }
  const aside = path.join(dataDir, `.before-import-${new Date(now).toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(aside, { recursive: true });
  for (const name of [...LIBRARY_ENTRIES, 'atelier.db-wal', 'atelier.db-shm']) {
    const current = path.join(dataDir, name);
    if (fs.existsSync(current)) fs.renameSync(current, path.join(aside, name));
  }
  for (const name of LIBRARY_ENTRIES) fs.renameSync(path.join(ready, name), path.join(dataDir, name));
  fs.rmSync(ready, { recursive: true, force: true });
  return true;
}
