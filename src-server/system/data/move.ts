import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { DISK_MARGIN_BYTES, freeBytes } from '../../ai/diffusion/catalog';
import { writeDataLocation } from '../../data-location';
import { errors } from '../errors';
import { sizeOf } from './sizes';

/** What is not copied: the live database (copied with SQLite's backup instead), temp files, a pointer. */
const SKIP = new Set(['atelier.db', 'atelier.db-wal', 'atelier.db-shm', 'tmp', 'location.json']);

export interface MoveResult {
  from: string;
  to: string;
  copied_bytes: number;
}

/**
 * Copies the data folder to `target`, then switches: the pointer (data-location.ts) names the new
 * folder from the next start. The old folder is left as it was, so nothing is lost if the copy
 * is interrupted; the pointer is written only after everything arrived and the sizes match.
 * Refused before copying when the target is not empty, is inside the data folder, or lacks space.
 */
export async function moveDataFolder(options: {
  from: string;
  to: string;
  locationFile: string | null;
  sqlite: Database.Database;
  free?: (dir: string) => number;
}): Promise<MoveResult> {
  const { from, locationFile, sqlite } = options;
  if (!locationFile) throw errors.error('DATA_DIR_FIXED', 'ATELIER_DATA_DIR chooses the data folder: change that setting to move it');
  if (!path.isAbsolute(options.to)) throw errors.error('VALIDATION_ERROR', `path must be absolute, got ${JSON.stringify(options.to)}`);
  const to = path.resolve(options.to);
  const rel = path.relative(from, to);
  if (to === from || (!rel.startsWith('..') && !path.isAbsolute(rel)) || !path.relative(to, from).startsWith('..'))
    throw errors.error('VALIDATION_ERROR', 'the new data folder must be outside the current one (and not contain it)');
  const existed = fs.existsSync(to);
  if (existed && (!fs.statSync(to).isDirectory() || fs.readdirSync(to).length > 0))
    throw errors.error('TARGET_NOT_EMPTY', `${to} is not an empty folder; choose a new or empty one`);
  const need = sizeOf(from);
  const free = (options.free ?? freeBytes)(to);
  if (need + DISK_MARGIN_BYTES > free)
    throw errors.error(
      'NOT_ENOUGH_SPACE',
      `the data folder is ${(need / 1e9).toFixed(2)} GB and the disk holding ${to} has ${(free / 1e9).toFixed(2)} GB free`,
    );

  try {
    fs.mkdirSync(to, { recursive: true });
    for (const name of fs.readdirSync(from)) {
      if (SKIP.has(name)) continue;
      await fs.promises.cp(path.join(from, name), path.join(to, name), { recursive: true, errorOnExist: true, force: false });
    }
    // A consistent copy of the live database, writes included.
    await sqlite.backup(path.join(to, 'atelier.db'));
    const expected = fs
      .readdirSync(from)
      .filter((n) => !SKIP.has(n))
      .reduce((s, n) => s + sizeOf(path.join(from, n)), 0);
    const copied = fs
      .readdirSync(to)
      .filter((n) => !SKIP.has(n))
      .reduce((s, n) => s + sizeOf(path.join(to, n)), 0);
    if (copied !== expected) throw new Error(`copied ${copied} bytes of ${expected}`);
    writeDataLocation(locationFile, to);
    return { from, to, copied_bytes: copied + sizeOf(path.join(to, 'atelier.db')) };
  } catch (err) {
    // Nothing switched: the half copy goes, the old folder stays in use.
    if (existed) for (const n of fs.readdirSync(to)) fs.rmSync(path.join(to, n), { recursive: true, force: true });
    else fs.rmSync(to, { recursive: true, force: true });
    if (err instanceof Error && 'statusCode' in err) throw err;
    throw errors.error('MOVE_FAILED', `the data folder could not be copied (${(err as Error).message}); it stays where it is`);
  }
}
