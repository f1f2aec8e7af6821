import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { BROWSER_ARGS } from './browser-args';
import { resolveTestBrowser } from './test-browser';

/**
 * The run's test browser (chosen once by global-setup.ts: CHROMIUM_PATH, the npm-shipped Chromium
 * on Linux, else a system Chrome/Edge); playwright-core drives it, nothing is downloaded. `extraArgs`
 * add switches (e.g. an autoplay policy, a fake microphone).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  // Unit tests that render a page (the share page) run without that setup: they resolve it here.
  const browser = inject('testBrowser') ?? resolveTestBrowser();
  return chromium.launch({ executablePath: browser.executablePath, headless: true, args: [...BROWSER_ARGS, ...extraArgs] });
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

/**
 * A fresh page (own storage) that records what went wrong in it. `storageState` starts it with
 * another context's cookies and local storage (a session) but none of its history.
 */
export async function openPage(browser: Browser, storageState?: BrowserContextOptions['storageState']): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  return { page, errors };
}
