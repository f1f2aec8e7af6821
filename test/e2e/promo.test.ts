import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';

let server: AtelierProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('Promo Videos in the web UI', () => {
  it("takes a web address, refuses a local one in the server's words, and shows a stage failing with its reason", async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/app/sign-up`);
    await page.getByLabel('Name', { exact: true }).fill('Mina Kim');
    await page.getByLabel('E-mail', { exact: true }).fill(`mina-${Date.now()}@example.com`);
    await page.getByLabel('Password', { exact: true }).fill('blue moon cafe 42');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('sidebar-user').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Promo Videos' }).click();
    await page.waitForURL(/\/app\/promo$/);
    await page.getByRole('heading', { name: 'Promo Videos' }).waitFor();
    await page.getByText('Finished videos appear here.').waitFor();

    // A private address never reaches the queue: the guard's reason is shown as the server gave it.
    await page.getByLabel('Web address').fill('http://192.168.0.10/');
    await page.getByRole('button', { name: 'Make the video' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toBe('192.168.0.10 is a private or local address; only public sites are crawled');

    // A public-looking address that does not exist: the task starts, the first stage fails with a reason.
    await page.getByLabel('Shape').selectOption('9:16');
    await page.getByLabel('Web address').fill('https://no-such-shop.invalid/');
    await page.getByRole('button', { name: 'Make the video' }).click();
    const task = page.getByTestId('promo-task');
    await task.waitFor();
    expect(await task.locator('li[data-stage]').allTextContents()).toEqual([
      '○ Read the site',
      '○ Write the jingle',
      '○ Compose the song',
      '○ Pick the pictures',
      '○ Film the video',
      '○ Finish the MP4',
    ]);
    await expect
      .poll(() => task.getByRole('alert').textContent(), { timeout: 30_000 })
      .toMatch(/^metadata: no-such-shop\.invalid (was not found|could not be reached|did not answer)/);
    expect(await task.locator('li[data-stage="metadata"]').textContent()).toBe('✕ Read the site');
    await page.screenshot({ path: process.env.PROMO_SCREENSHOT ?? '/tmp/promo-e2e.png', fullPage: true });
    expect(errors).toEqual([]);
  });
});
