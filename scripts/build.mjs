#!/usr/bin/env node
// Builds out/main (Electron main, headless server, AI worker), out/preload and out/renderer.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

// electron-vite picks its output format and Node/Chrome targets from Electron's major version,
// read from electron/package.json, and throws when Electron is not installed. The headless build
// needs no Electron at all, so the version declared in package.json stands in for it.
if (!process.env.ELECTRON_MAJOR_VER) {
  try {
    require.resolve('electron/package.json');
  } catch {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const range = pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron ?? '';
    const major = /\d+/.exec(range)?.[0];
    if (!major) {
      console.error('Atelier build: package.json declares no electron version, and Electron is not installed.');
      process.exit(1);
    }
    process.env.ELECTRON_MAJOR_VER = major;
  }
}

const { build } = await import('electron-vite');
try {
  await build({ root });
} catch (err) {
  console.error(`Atelier build failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
