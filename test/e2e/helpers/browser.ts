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

/** Headless Chromium has nobody to tap "play": audio starts on its own, as after a tap. */
export const AUTOPLAY = '--autoplay-policy=no-user-gesture-required';

/** Switches for a microphone that plays `wav` (allowed without asking), with audio that starts on its own. */
export const fakeMicrophone = (wav: string) => [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${wav}`,
  AUTOPLAY,
];

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

/** A request with the page's own session (its stored access token), as the UI sends them. */
export function apiFromPage<T>(
  page: Page,
  url: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ url, method, body }) => {
      const response = await fetch(url, {
        method: method ?? 'GET',
        headers: { authorization: `Bearer ${localStorage.getItem('atelier.accessToken')}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    { url, method: init.method, body: init.body },
  ) as Promise<{ status: number; body: T }>;
}

export interface NewAccount {
  name: string;
  email: string;
  password: string;
}

/** A new account for `name`: its e-mail is the name, hyphenated, and the time, so every run's is new. */
export const accountOf = (name: string, password: string): NewAccount => ({
  name,
  email: `${name.toLowerCase().replace(/\s+/g, '-')}-${Date.now()}@example.com`,
  password,
});

/** Fills in the sign-up form the page shows and creates the account, as a person does. */
export async function fillSignUp(page: Page, account: NewAccount): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(account.name);
  await page.getByLabel('E-mail', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** Opens `baseUrl`'s sign-up page, creates the account and waits until the app shows it signed in. */
export async function signUpAt(page: Page, baseUrl: string, account: NewAccount): Promise<void> {
  await page.goto(`${baseUrl}/app/sign-up`);
  await fillSignUp(page, account);
  await page.getByTestId('sidebar-user').waitFor();
}
