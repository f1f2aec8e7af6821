// What `npm start` and `npm run serve` share: building, finding Electron, running headless.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const OUTPUTS = ['out/main/index.js', 'out/main/serve.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const SOURCES = ['src-main', 'src-server', 'src-shared', 'src-renderer', 'package.json', 'electron.vite.config.ts'];

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** True when an output is missing or some source changed after the oldest output was written. */
export function buildIsStale() {
  const outputs = OUTPUTS.map((f) => fs.statSync(path.join(root, f), { throwIfNoEntry: false }));
  if (outputs.some((s) => !s)) return true;
  const oldestOutput = Math.min(...outputs.map((s) => s.mtimeMs));
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > oldestOutput);
}

/** Runs scripts/build.mjs; exits this process when the build fails (it has printed why). */
export function build() {
  const res = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

function electronDir() {
  try {
    return path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The Electron executable when its binary was downloaded, else null (see scripts/postinstall.mjs). */
export function electronBinary() {
  const dir = electronDir();
  if (!dir) return null;
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const executable = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(executable) ? executable : null;
}

/**
 * Electron (from version 45) fetches its binary on first use rather than at install. When the
 * whole package is installed, fetch it now; the stand-in from scripts/postinstall.mjs has no
 * installer, and neither path works offline: then null, and Atelier runs headless.
 */
export function downloadElectronBinary() {
  const dir = electronDir();
  const installer = dir && path.join(dir, 'install.js');
  if (!installer || !fs.existsSync(installer)) return null;
  console.log('Downloading the Electron binary (once)…');
  const res = spawnSync(process.execPath, [installer], { cwd: dir, stdio: 'inherit', timeout: 10 * 60_000 });
  return res.status === 0 ? electronBinary() : null;
}

/** The headless server in this process, exactly as `node out/main/serve.js` runs it. */
export async function runHeadless() {
  await import(pathToFileURL(path.join(root, 'out', 'main', 'serve.js')).href);
}
