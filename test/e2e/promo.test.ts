import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, signUpAt } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';
import { startSite, type TestSite } from '../promo/site';

let server: AtelierProcess;
let browser: Browser;
/** The business site, on 127.0.0.1 in this test's own process. */
let site: TestSite;

beforeAll(async () => {
  site = await startSite();
  // The crawl refuses loopback unless the development switch says otherwise; the LAN stays refused.
  [server, browser] = await Promise.all([startAtelier({ ATELIER_DEV_PROMO: 'loopback-crawl,quick-render' }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await site?.close();
});

const screenshot = (name: string) => `${process.env.PROMO_SCREENSHOT_DIR ?? '/tmp'}/promo-e2e-${name}.png`;

describe('Promo Videos in the web UI', () => {
  it("takes a web address, refuses a local one in the server's words, and shows a stage failing with its reason", async () => {
    const { page, errors } = await openPage(browser);
    await signUpAt(page, server.url, { name: 'Mina Kim', email: `mina-${Date.now()}@example.com`, password: 'blue moon cafe 42' });

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
    await page.screenshot({ path: screenshot('failed'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('makes a video from a business site with the chosen captions and plays it in the page', async () => {
    const { page, errors } = await openPage(browser);
    await signUpAt(page, server.url, { name: 'Jun Park', email: `jun-${Date.now()}@example.com`, password: 'blue moon cafe 42' });
    await page.goto(`${server.url}/app/promo`);
    await page.getByRole('heading', { name: 'Promo Videos' }).waitFor();

    await page.getByLabel('Web address').fill(`${site.origin}/`);
    await page.getByLabel('Captions').selectOption('bold');
    await page.getByRole('button', { name: 'Make the video' }).click();
    const task = page.getByTestId('promo-task');
    await expect
      .poll(() => task.locator('li[data-stage="combined"]').textContent(), { timeout: 180_000, interval: 1000 })
      .toBe('✓ Finish the MP4');
    await task.getByText('Your video is ready below.').waitFor();
    // The jingle the crawl's facts turned into, with the phone number read digit by digit.
    expect(await task.getByLabel('Lyrics').textContent()).toContain('카페 블루문');

    const video = page.getByTestId('promo-video').first();
    await video.waitFor();
    expect(await video.textContent()).toMatch(/카페 블루문 홍보 영상.*320x180 · \d+\.\d s · (libx264|h264_\w+)/);
    const player = video.locator('video');
    // Chromium loads it through the signed URL, decodes it and plays past its first second.
    const played = await player.evaluate(async (el: HTMLVideoElement) => {
      el.muted = true;
      await el.play();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stuck at ${el.currentTime}s, error ${el.error?.code}`)), 20_000);
        el.addEventListener('timeupdate', () => {
          if (el.currentTime > 1) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      el.pause();
      return { width: el.videoWidth, height: el.videoHeight, duration: el.duration, time: el.currentTime };
    });
    expect(played).toMatchObject({ width: 320, height: 180 });
    expect(played.duration).toBeGreaterThan(10);
    await player.evaluate((el: HTMLVideoElement) => {
      el.currentTime = 4;
      return new Promise((resolve) => el.addEventListener('seeked', resolve, { once: true }));
    });
    await page.screenshot({ path: screenshot('finished'), fullPage: true });
    await video.screenshot({ path: screenshot('player') });

    // The site's two pictures are the business's now, in video order, and can be moved.
    const pictures = page.getByTestId('promo-pictures');
    await expect.poll(() => pictures.getByTestId('promo-picture').count()).toBe(2);
    const firstBefore = await pictures.getByRole('img').first().getAttribute('alt');
    expect(firstBefore).toBe('Picture 1 (From the site)');
    // Signed links change with each answer; the file behind them does not.
    const fileOf = async (n: number) => (await pictures.getByRole('img').nth(n).getAttribute('src'))?.split('?')[0];
    const second = await fileOf(1);
    await pictures.getByRole('button', { name: 'Move picture 2 earlier' }).click();
    await expect.poll(() => fileOf(0)).toBe(second);
    await pictures.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot('pictures') });

    // The owner's Google client: the secret is kept on the server and never shown again.
    await page.goto(`${server.url}/app/settings`);
    const card = page.getByTestId('sign-in-google');
    await card.getByLabel('Google client id').fill('desk-123.apps.googleusercontent.com');
    await card.getByLabel('Google client secret').fill('GOCSPX-e2e-secret');
    await card.getByRole('button', { name: 'Save Google' }).click();
    await card.getByText('A secret is stored; it is never shown. Type a new one to replace it.').waitFor();
    expect(await card.getByLabel('Google client secret').inputValue()).toBe('');
    expect(await card.getByRole('list', { name: 'Google redirect URIs' }).textContent()).toContain('/social/google/callback');
    expect(await page.content()).not.toContain('GOCSPX-e2e-secret');
    await page.getByTestId('sign-in-settings').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot('settings') });
    expect(errors).toEqual([]);
  }, 240_000);
});
