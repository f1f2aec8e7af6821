import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { toneWav } from '../../helpers/wav';
import { accountOf, fillSignUp, openPage, type WatchedPage } from './browser';

/** Fills the sign-up form (the page is on it) with a fresh address for `name`. */
export const signUp = (page: Page, name: string): Promise<void> => fillSignUp(page, accountOf(name, 'a long concert password 1'));

/** A listener opens the host's link, signs up from the invitation and lands back in the concert. */
export async function listenerJoins(browser: Browser, url: string, name: string): Promise<WatchedPage> {
  const listener = await openPage(browser);
  await listener.page.goto(url);
  await listener.page.getByTestId('invite-sign-up').click();
  await signUp(listener.page, name);
  await listener.page.waitForURL(url);
  return listener;
}

/** Puts tones (title, pitch, seconds) into the audio library from the Concerts page, one upload each. */
export async function uploadTones(page: Page, workDir: string, tones: readonly (readonly [string, number, number])[]): Promise<void> {
  const library = page.getByTestId('audio-library');
  for (const [title, hz, seconds] of tones) {
    const file = path.join(workDir, `${hz}.wav`);
    fs.writeFileSync(file, toneWav(hz, seconds, 22_050, 12_000));
    await library.getByTestId('upload-file').setInputFiles(file);
    await library.getByTestId('upload-title').fill(title);
    await library.getByTestId('upload-submit').click();
    await library.getByText(`“${title}” is in the library.`).waitFor();
  }
}
