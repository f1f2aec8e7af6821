import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every path Atelier reads or runs at run time comes from here, in three layouts:
 * - `dev`: sources run by vitest or tsx, in the repository;
 * - `headless`: the bundle in out/main run by Node (`npm run serve`) or Electron (`npm start`);
 * - `packaged`: an installed app, the bundle inside `resources/app.asar` (worker threads start from
 *   the archive too, since Electron 17). Whatever native code opens by itself (native modules and
 *   their libraries, models, ffmpeg) is in `resources/app.asar.unpacked` beside it
 *   (electron-builder.yml's asarUnpack).
 */
export type Layout = 'dev' | 'headless' | 'packaged';

export interface RuntimePaths {
  layout: Layout;
  /** The folder holding Atelier's package.json (in a packaged app, the app.asar archive). */
  appRoot: string;
  /** Where files native code opens itself live: appRoot itself, or app.asar.unpacked when packaged. */
  unpackedRoot: string;
  /** Bundled models, icons and the installer's ffmpeg (`bin/<platform>-<arch>`). */
  resources: string;
  /** SQL migrations the database is brought up to on start. */
  migrations: string;
  /** The built web UI served at /app/. */
  webRoot: string;
  /** The Electron window's preload script. */
  preload: string;
  /** Built worker scripts (ai-worker.js, compose-render-worker.js) beside the bundle; sources run the .ts beside their pool. */
  workers: string;
  /** node_modules holding the native modules (better-sqlite3, argon2, onnxruntime-node, sharp). */
  nativeModules: string;
}

const PACKAGE_NAME = 'atelier';

function isOurPackage(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false; // absent or unreadable: not ours; keep walking up
  }
}

/**
 * The layout `from` (a module's URL or path) sits in. `ATELIER_APP_ROOT` points somewhere else
 * (a bench or a test running a copy); it is taken as a dev or headless tree.
 */
export function resolvePaths(from: string = import.meta.url, env: NodeJS.ProcessEnv = process.env): RuntimePaths {
  const file = from.startsWith('file:') ? fileURLToPath(from) : path.resolve(from);
  // A worker thread runs from app.asar.unpacked: the same packaged layout.
  const asar = /^(.*[\\/]app\.asar)(?:\.unpacked)?(?:[\\/]|$)/.exec(file);
  let layout: Layout;
  let appRoot: string;
  let unpackedRoot: string;
  if (asar?.[1] && !env.ATELIER_APP_ROOT) {
    layout = 'packaged';
    appRoot = asar[1];
    unpackedRoot = `${appRoot}.unpacked`;
  } else {
    appRoot = env.ATELIER_APP_ROOT ? path.resolve(env.ATELIER_APP_ROOT) : findAppRoot(file);
    unpackedRoot = appRoot;
    layout = path.relative(path.join(appRoot, 'out'), file).startsWith('..') ? 'dev' : 'headless';
  }
  return {
    layout,
    appRoot,
    unpackedRoot,
    resources: path.join(unpackedRoot, 'resources'),
    migrations: path.join(appRoot, 'src-server', 'db', 'migrations'),
    webRoot: path.join(appRoot, 'out', 'renderer'),
    preload: path.join(appRoot, 'out', 'preload', 'index.cjs'),
    workers: path.join(appRoot, 'out', 'main'),
    nativeModules: path.join(unpackedRoot, 'node_modules'),
  };
}

function findAppRoot(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (isOurPackage(dir)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`Atelier could not find its own package.json above ${file}`);
  }
}

let cached: RuntimePaths | null = null;
/** This process's paths (computed once). */
export const paths = (): RuntimePaths => (cached ??= resolvePaths());

export const appRoot = (): string => paths().appRoot;
export const migrationsDir = (): string => paths().migrations;
export const resourcesDir = (): string => paths().resources;
export const defaultWebRoot = (): string => paths().webRoot;

/**
 * A path inside a packaged app's app.asar, moved to app.asar.unpacked: executables and native
 * modules cannot run from inside the archive, so electron-builder unpacks them beside it.
 */
export const asarUnpacked = (file: string): string => file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');

/** Where an installer build copies static ffmpeg/ffprobe for its platform. */
export const bundledBinDir = (p: RuntimePaths = paths()): string => path.join(p.resources, 'bin', `${process.platform}-${process.arch}`);

/**
 * The OS's per-user application-data folder, the same one Electron's app.getPath('userData')
 * gives, so the desktop app and the headless server share one installation's data.
 */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Atelier');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Atelier');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Atelier');
}
