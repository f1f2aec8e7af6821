import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SERVE = path.join(root, 'out', 'main', 'serve.js');
const LISTENING = /Atelier listening on (http:\/\/\S+)/;

export interface AtelierProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The built headless server as a user runs it (`node out/main/serve.js`), on a free port with
 * its own fresh data folder.
 */
export async function startAtelier(env: Record<string, string> = {}): Promise<AtelierProcess> {
  if (!fs.existsSync(SERVE)) throw new Error(`${SERVE} is missing: run \`npm run build\` before the end-to-end tests`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-'));
  const child = spawn(process.execPath, [SERVE], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      ATELIER_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Several sign-ins a minute from one test are expected here, not an attack.
      ATELIER_AUTH_RATE_LIMIT: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Atelier did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Atelier exited with code ${code} before listening:\n${output}`));
    });
  });

  return {
    url,
    dataDir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
