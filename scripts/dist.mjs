#!/usr/bin/env node
// `npm run dist`: installers for this platform (electron-builder.yml). electron-builder packs the
// Electron binary npm installed rather than downloading one; without it there is nothing to pack.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build, electronBinary, root } from './lib/atelier.mjs';

const electron = electronBinary();
if (!electron) {
  console.error(
    'npm run dist: the Electron binary is not installed (it downloads from outside the npm registry), so no installer can be built here.',
  );
  process.exit(1);
}

build();
const args = ['--config', 'electron-builder.yml', '--publish', 'never', `--config.electronDist=${path.dirname(electron)}`];
// A release feed set at build time turns updates on; without one the app never checks.
if (process.env.ATELIER_UPDATE_URL)
  args.push('--config.publish.provider=generic', `--config.publish.url=${process.env.ATELIER_UPDATE_URL}`);
const res = spawnSync(
  path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder'),
  args,
  {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  },
);
process.exit(res.status ?? 1);
