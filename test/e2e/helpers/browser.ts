import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (or CHROMIUM_PATH): playwright-core drives it, nothing is downloaded. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /**
   * Uncaught exceptions and console errors the page produced, for a test to assert there are none.
   * Chromium's "Failed to load resource" lines are left out: a 401 for a wrong password is an
   * answer the UI expects and shows.
   */
  errors: string[];
}

/** A fresh page (own storage) that records what went wrong in it. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  return { page, errors };
}
