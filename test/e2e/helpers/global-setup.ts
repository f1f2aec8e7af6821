import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { BROWSER_ARGS } from './browser-args';
import { resolveTestBrowser, type TestBrowser } from './test-browser';

declare module 'vitest' {
  export interface ProvidedContext {
    testBrowser: TestBrowser;
  }
}

/** Picks (and on Linux unpacks) the browser once per run and says in one line which one runs the tests. */
export default async function setup(project: TestProject): Promise<void> {
  const browser = resolveTestBrowser();
  const probe = await chromium.launch({ executablePath: browser.executablePath, headless: true, args: BROWSER_ARGS });
  const version = probe.version();
  await probe.close();
  console.log(`End-to-end browser: Chromium ${version} (${browser.source}, ${browser.executablePath})`);
  project.provide('testBrowser', browser);
}
