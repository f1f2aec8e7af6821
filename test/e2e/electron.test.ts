import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module shared with npm start / npm run dist, without type declarations
import { electronBinary } from '../../scripts/lib/atelier.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const electron = (electronBinary as () => string | null)();
const SKIP_REASON = 'no Electron binary installed (it downloads from outside the npm registry); the desktop shell was not launched';

let app: ElectronApplication | null = null;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-electron-e2e-'));
afterAll(async () => {
  await app?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Whether a process with this id still runs (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the desktop shell', () => {
  it('opens the first-run welcome, answers /system/info in-process, and leaves no process after quitting', async (ctx) => {
    if (!electron) return ctx.skip(SKIP_REASON);
    app = await _electron.launch({
      executablePath: electron,
      args: [root, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, ATELIER_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
    });
    const pid = app.process().pid!;
    const window = await app.firstWindow();
    // A fresh data folder: the welcome that creates the first account.
    await window.getByRole('heading', { name: 'Welcome to Atelier' }).waitFor();
    const url = new URL(window.url());
    expect(url.pathname.startsWith('/app/')).toBe(true);
    expect(['127.0.0.1', 'localhost']).toContain(url.hostname);

    const health = await fetch(`${url.origin}/system/info`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { data: { data_dir: string } }).data.data_dir).toBe(dataDir);

    await app.close();
    app = null;
    // The server runs inside that process: once it is gone, nothing of Atelier is left running.
    await expect.poll(() => alive(pid), { timeout: 15_000 }).toBe(false);
  });
});
