import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from '../e2e/helpers/browser';
import { loadConfig } from '../../src-server/config';
import { startServer, type RunningServer } from '../../src-server/server';
import { makeTestApp, tempDataDir, type TestApp } from '../helpers/app';
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

  it('is an English page with the cover and a themed player that plays and seeks, native controls hidden', async () => {
    const user = await studioUser(t.app);
    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: user.headers, payload });
    const studioId = (await post('/api/work/studio', { studioName: 'S' })).json().data.studioId;
    const ticket = (await t.app.inject({ url: '/api/song/basic/presignedUrl', headers: user.headers })).json().data;
    await putTo(t.app, ticket.basicSongPresignedUrl, samples.wav);
    const cover = (await t.app.inject({ url: '/api/song/cover?title=Player&mood=calm', headers: user.headers })).json().data.imageFilePath;
    const song = (
      await post(`/api/song/studios/${studioId}/basic/save`, {
        basicSongFilePath: ticket.basicSongFilePath,
        name: 'Player',
        imageFilePath: cover,
      })
    ).json().data;
    const share = (await t.app.inject({ url: `/api/song/share/${song.songId}`, headers: user.headers })).json().data;

    const { page, errors } = await openPage(browser);
    await page.goto(`${address}${new URL(share.shareUrl).pathname}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('img.cover', 'alt')).toBe('Album cover of Player');
    expect(await page.$eval('img', (img: { naturalWidth: number }) => img.naturalWidth)).toBe(1024);
    // The script ran under the page's CSP: the native controls are gone, the themed ones show.
    expect(await page.$eval('audio', (a: { controls: boolean }) => a.controls)).toBe(false);
    await page.getByRole('button', { name: 'Play' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await expect.poll(() => page.$eval('audio', (a: { currentTime: number }) => a.currentTime)).toBeGreaterThan(0.2);
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await page.textContent('#time')).toMatch(/^0:0\d \/ 0:0\d$/);
    // Seeking with the bar moves the song.
    await page.getByRole('slider', { name: 'Position' }).fill('0.5');
    expect(await page.$eval('audio', (a: { currentTime: number }) => a.currentTime)).toBeCloseTo(0.5, 1);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('share links', () => {
  let running: RunningServer | null = null;
  afterAll(async () => {
    await running?.close();
  });

  it("point at this computer's LAN address while LAN sharing is on, and say when they reach this computer only", async () => {
    // 127.0.0.2 stands in for a LAN interface: a separate address on this machine's loopback range.
    running = await startServer({
      config: loadConfig({}, { dataDir: tempDataDir(), port: 0, logLevel: 'silent' }),
      logger: false,
      lanInterfaces: () => ['127.0.0.2'],
    });
    const app = running.app;
    const user = await studioUser(app);
    const studioId = (
      await app.inject({ method: 'POST', url: '/api/work/studio', headers: user.headers, payload: { studioName: 'S' } })
    ).json().data.studioId;
    const ticket = (await app.inject({ url: '/api/song/basic/presignedUrl', headers: user.headers })).json().data;
    await putTo(app, ticket.basicSongPresignedUrl, samples.wav);
    const song = (
      await app.inject({
        method: 'POST',
        url: `/api/song/studios/${studioId}/basic/save`,
        headers: user.headers,
        payload: { basicSongFilePath: ticket.basicSongFilePath, name: 'Over the LAN' },
      })
    ).json().data;
    const share = async () =>
      (await app.inject({ url: `/api/song/share/${song.songId}`, headers: { ...user.headers, host: `127.0.0.1:${running!.port}` } })).json()
        .data;

    const off = await share();
    expect(off.lan).toBe(false);
    expect(new URL(off.shareUrl).host).toBe(`127.0.0.1:${running.port}`);

    await app.inject({ method: 'PUT', url: '/system/lan', payload: { enabled: true } });
    const on = await share();
    expect(on.lan).toBe(true);
    expect(new URL(on.shareUrl).host).toBe(`127.0.0.2:${running.port}`);
    expect(new URL(on.audioUrl).host).toBe(`127.0.0.2:${running.port}`);
    // Someone on the network opens it.
    const page = await fetch(on.shareUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Over the LAN</h1>');
  });
});
