import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from '../e2e/helpers/browser';
import { makeTestApp, type TestApp } from '../helpers/app';
import { makeStudioSamples, putTo, studioUser, type StudioSamples } from './helpers';

/** The parts of an <audio> element the test reads (the server tsconfig has no DOM types). */
interface AudioLike {
  readyState: number;
  duration: number;
  error: { code: number } | null;
  addEventListener(type: string, listener: () => void): void;
}

let samples: StudioSamples;
let t: TestApp;
let browser: Browser;
let address: string;

beforeAll(async () => {
  samples = await makeStudioSamples();
  t = await makeTestApp();
  address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  fs.rmSync(samples.dir, { recursive: true, force: true });
});

describe('the public share page in a real browser', () => {
  it.each(['wav', 'mp3'] as const)('plays a shared %s song without signing in', async (format) => {
    const user = await studioUser(t.app);
    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: user.headers, payload });
    const studioId = (await post('/api/work/studio', { studioName: 'S' })).json().data.studioId;
    const ticket = (await t.app.inject({ url: '/api/song/basic/presignedUrl', headers: user.headers })).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, samples[format]);
    const cover = (await t.app.inject({ url: '/api/song/cover?title=Shared&mood=calm', headers: user.headers })).json().data.imageFilePath;
    const song = (
      await post(`/api/song/studios/${studioId}/basic/save`, {
        basicSongFilePath: ticket.basicSongFilePath,
        name: `Shared ${format}`,
        imageFilePath: cover,
      })
    ).json().data;
    const share = (await t.app.inject({ url: `/api/song/share/${song.songId}`, headers: user.headers })).json().data;
    const shareUrl = `${address}${new URL(share.shareUrl).pathname}`;

    const { page, errors } = await openPage(browser);
    await page.goto(shareUrl);
    await expect.poll(() => page.textContent('h1')).toBe(`Shared ${format}`);
    const duration = await page.$eval(
      'audio',
      (audio: AudioLike) =>
        new Promise<number>((resolve, reject) => {
          if (audio.readyState >= 1) resolve(audio.duration);
          audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
          audio.addEventListener('error', () => reject(new Error(`audio error ${audio.error?.code}`)));
        }),
    );
    expect(duration).toBeGreaterThan(samples.seconds - 0.2);
    expect(duration).toBeLessThan(samples.seconds + 0.2);
    expect(await page.$eval('img', (img: { naturalWidth: number }) => img.naturalWidth)).toBe(1024);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
