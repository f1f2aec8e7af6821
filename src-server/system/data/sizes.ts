import fs from 'node:fs';
import path from 'node:path';

/** The areas of a data folder as Settings names them, and the paths (relative to it) each one holds. */
export const AREAS = [
  { area: 'images', label: 'Images', paths: ['files/canvas'] },
  { area: 'songs', label: 'Songs and concerts', paths: ['files/studio', 'files/stage'] },
  { area: 'stories', label: 'Stories', paths: ['files/stories'] },
  { area: 'videos', label: 'Promo videos', paths: ['files/promo', 'work'] },
  { area: 'models', label: 'Models', paths: ['models'] },
  { area: 'database', label: 'Database', paths: ['atelier.db', 'atelier.db-wal', 'atelier.db-shm'] },
  { area: 'logs', label: 'Logs', paths: ['logs'] },
] as const;

export interface AreaSize {
  area: (typeof AREAS)[number]['area'] | 'other';
  label: string;
  bytes: number;
}

/** Bytes under a path (a file or a folder, links not followed); 0 when it is not there. */
export function sizeOf(p: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  let names: string[];
  try {
    names = fs.readdirSync(p);
  } catch {
    return 0; // removed while being measured (a finished export's snapshot, a swept temp folder)
  }
  let total = 0;
  for (const name of names) total += sizeOf(path.join(p, name));
  return total;
}

/** The data folder's size by area; what no area claims (temp files, secrets) is "other". */
export function dataFolderSizes(dataDir: string): { total_bytes: number; areas: AreaSize[] } {
  const total = sizeOf(dataDir);
  const areas: AreaSize[] = AREAS.map((a) => ({
    area: a.area,
    label: a.label,
    bytes: a.paths.reduce((s, p) => s + sizeOf(path.join(dataDir, p)), 0),
  }));
  const claimed = areas.reduce((s, a) => s + a.bytes, 0);
  areas.push({ area: 'other', label: 'Other (temporary files, keys)', bytes: Math.max(0, total - claimed) });
  return { total_bytes: total, areas };
}
