import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { writeMelodyWav } from './melody';
import { startAtelier, type AtelierProcess } from './server';

export interface FakeMicRun {
  server: AtelierProcess;
  browser: Browser;
  /** A temp folder of the run; `melody.wav` in it is what the fake microphone sings. */
  folder: string;
  close(): Promise<void>;
}

/** The built app and a Chromium whose microphone plays a sung melody (looped), allowed without asking. */
export async function startWithFakeMic(prefix: string): Promise<FakeMicRun> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const melody = path.join(folder, 'melody.wav');
  writeMelodyWav(melody);
  const [server, browser] = await Promise.all([
    startAtelier(),
    launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${melody}`,
      '--autoplay-policy=no-user-gesture-required',
    ]),
  ]);
  return {
    server,
    browser,
    folder,
    async close() {
      await browser.close();
      await server.stop();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
