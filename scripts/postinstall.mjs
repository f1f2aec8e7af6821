#!/usr/bin/env node
// Two install steps that never fail the install (every problem is one printed line):
//
// 1. Electron's binary downloads from GitHub, not from the npm registry, so on a machine that only
//    reaches the registry its optional install fails and node_modules/electron is missing. The
//    build still needs Electron's version (electron-vite reads it) and src-main needs its types, so
//    this puts the package's JavaScript and types in place without the binary.
// 2. basic-pitch (melody transcription) ships as a TensorFlow.js graph; its converter writes the
//    ONNX model to resources/models/basic-pitch/ (gitignored), again only when the source changed.
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

/** Runs the TypeScript converter through tsx (a dev dependency: absent in a production-only install). */
function convertBasicPitch() {
  const converter = path.join(root, 'src-server', 'ai', 'basic-pitch', 'convert.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', converter], { cwd: root, encoding: 'utf8' });
  const lines = `${run.stdout ?? ''}\n${run.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines.find((l) => l.startsWith('Atelier:'));
  if (run.status === 0 && said) {
    console.log(said);
    return;
  }
  // Node's own failures (tsx not installed, a syntax error) end with its version line; the error line says more.
  const why = run.error?.message ?? said ?? lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `exit status ${run.status}`;
  console.log(
    said && !run.error
      ? why
      : `Atelier: could not convert basic-pitch to ONNX (${why}); melody transcription will report the model missing until \`npx tsx src-server/ai/basic-pitch/convert.ts\` succeeds.`,
  );
}

try {
  convertBasicPitch();
} catch (err) {
  console.log(`Atelier: could not convert basic-pitch to ONNX (${err instanceof Error ? err.message : err}).`);
}
