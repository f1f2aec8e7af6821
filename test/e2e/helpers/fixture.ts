import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser';
import { startAtelier, type AtelierProcess } from './server';

/**
 * An end-to-end test file's Atelier and Chromium, started together before its first test and
 * stopped after its last, with a work folder of its own (removed after). `prepare` may write into
 * the folder first (a melody for the fake microphone) and answers the browser's extra switches.
 * `each` gets `[server, browser, folder]`.
 */
export function atelierFixture(
  opts: { folder: string; prepare?: (folder: string) => string[] | Promise<string[]>; timeoutMs?: number },
  each: (c: [AtelierProcess, Browser, string]) => unknown,
): void {
  let started: [AtelierProcess | null, Browser | null, string | null] = [null, null, null];
  beforeAll(async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), opts.folder));
    started = [null, null, folder];
    const args = (await opts.prepare?.(folder)) ?? [];
    const [server, browser] = await Promise.all([startAtelier(), launchChromium(args)]);
    started = [server, browser, folder];
    each([server, browser, folder]);
  }, opts.timeoutMs);
  afterAll(async () => {
    const [server, browser, folder] = started;
    await browser?.close();
    await server?.stop();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });
}
