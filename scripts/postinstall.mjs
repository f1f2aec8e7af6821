#!/usr/bin/env node
// Electron's binary downloads from GitHub, not from the npm registry, so on a machine that only
// reaches the registry its optional install fails and node_modules/electron is missing. The
// build still needs Electron's version (electron-vite reads it) and src-main needs its types, so
// this puts the package's JavaScript and types in place without the binary. It never fails the
// install: every problem is one printed line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');
const FILES = ['package.json', 'index.js', 'cli.js', 'electron.d.ts'];
const HOW_TO_GET_IT =
  'with internet access run `npm install electron && npx install-electron`; until then `npm start` runs Atelier headless';

function binaryPresent() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return false;
  return fs.existsSync(path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim()));
}

function declaredRange() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron ?? pkg.dependencies?.electron ?? null;
}

/** Fetches electron's tarball through npm itself (registry, proxy and auth settings apply) and unpacks only its JS and types. */
function installPackageWithoutBinary(range) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-electron-'));
  try {
    const pack = spawnSync('npm', ['pack', `electron@${range}`, '--pack-destination', tmp, '--json', '--silent'], {
      cwd: tmp,
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    if (pack.status !== 0) return `npm pack electron@${range} failed: ${(pack.stderr || pack.stdout).trim().split('\n').pop()}`;
    const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) return 'npm pack produced no tarball';
    const untar = spawnSync('tar', ['-xzf', tarball, ...FILES.map((f) => `package/${f}`)], { cwd: tmp, encoding: 'utf8' });
    if (untar.status !== 0) return `could not unpack ${tarball}: ${untar.stderr.trim()}`;
    fs.mkdirSync(electronDir, { recursive: true });
    for (const f of FILES) fs.copyFileSync(path.join(tmp, 'package', f), path.join(electronDir, f));
    return null;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  if (!binaryPresent()) {
    let note = '';
    if (!fs.existsSync(path.join(electronDir, 'package.json'))) {
      const range = declaredRange();
      const failure = range ? installPackageWithoutBinary(range) : 'package.json declares no electron version';
      note = failure ? ` (its types are missing too: ${failure})` : ' (its types and version are installed)';
    }
    console.log(`Atelier: the Electron binary is absent${note}; ${HOW_TO_GET_IT}.`);
  }
} catch (err) {
  console.log(`Atelier: could not check the Electron install (${err instanceof Error ? err.message : err}); ${HOW_TO_GET_IT}.`);
}
