import fs from 'node:fs';
import path from 'node:path';

/**
 * Where a moved data folder is: `location.json` ({"path": ...}) in the default data folder, written
 * by Settings → Move (system/data/move.ts) once the copy is complete. Read at start-up; a pointer to
 * a folder that is gone is ignored, so Atelier still starts on the default one.
 */
export const LOCATION_FILE = 'location.json';

export function readDataLocation(file: string): string | null {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as { path?: unknown };
    if (typeof value.path !== 'string' || !path.isAbsolute(value.path)) return null;
    return fs.statSync(value.path).isDirectory() ? value.path : null;
  } catch {
    return null;
  }
}

/** Written beside and renamed over, so a crash leaves the old pointer or the new one. */
export function writeDataLocation(file: string, target: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ path: target }, null, 2));
  fs.renameSync(tmp, file);
}
