import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | null = null;

/**
 * The folder holding Atelier's package.json. Source files (tests, tsx) and the bundle in out/main
 * both sit below it, so migrations, resources and the built web UI are found the same way.
 */
export function appRoot(): string {
  if (cachedRoot) return cachedRoot;
  if (process.env.ATELIER_APP_ROOT) return (cachedRoot = path.resolve(process.env.ATELIER_APP_ROOT));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'atelier') return (cachedRoot = dir);
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Atelier could not find its own package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const migrationsDir = (): string => path.join(appRoot(), 'src-server', 'db', 'migrations');
export const resourcesDir = (): string => path.join(appRoot(), 'resources');
export const defaultWebRoot = (): string => path.join(appRoot(), 'out', 'renderer');

/**
 * A path inside a packaged app's app.asar, moved to app.asar.unpacked: executables and native
 * modules cannot run from inside the archive, so electron-builder unpacks them beside it.
 */
export const asarUnpacked = (file: string): string => file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');

/** Where an installer build copies static ffmpeg/ffprobe for its platform. */
export const bundledBinDir = (): string => path.join(resourcesDir(), 'bin', `${process.platform}-${process.arch}`);
