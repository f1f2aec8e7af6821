#!/usr/bin/env node
// `npm start`: build, then open the desktop app; without an Electron binary, the same server headless.
import { spawn } from 'node:child_process';
import { build, downloadElectronBinary, electronBinary, root, runHeadless } from './lib/atelier.mjs';

build();

const electron = electronBinary() ?? downloadElectronBinary();
if (electron) {
  // The app folder, not the entry file: Electron then takes Atelier's name and main from package.json.
  const child = spawn(electron, [root], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const port = process.env.PORT || '8000';
  // PORT=0 picks a free port: only the server's own "listening" line can say which.
  const where = port === '0' ? 'the web UI address printed below' : `http://127.0.0.1:${port}/app/`;
  console.log(`Electron binary not installed; running Atelier headless — open ${where}`);
  await runHeadless();
}
