import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openPage, signUpAt, apiFromPage } from './helpers/browser';
import { melodyIn } from './helpers/melody';
import type { AtelierProcess } from './helpers/server';
import { toneWav } from '../helpers/wav';
import { atelierFixture } from './helpers/fixture';

// Bugs of the first walk-through (#14), each checked where a person saw it.
let server: AtelierProcess;
let browser: Browser;
let folder: string;
/** Where screenshots go when ATELIER_SHOTS names a folder (for looking at, not for asserting). */
const shots = process.env.ATELIER_SHOTS;

atelierFixture(
  {
    folder: 'atelier-walkthrough-e2e-',
    prepare: (dir) => {
      melodyIn(dir);
      return [];
    },
  },
  (c) => ([server, browser, folder] = c),
);

async function signUp(page: Page, name: string): Promise<{ email: string; password: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  const password = 'walk through 2026';
  await signUpAt(page, server.url, { name, email, password });
  return { email, password };
}

async function shoot(page: Page, name: string) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  for (const [w, h] of [
    [1440, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(shots, `${name}-${w}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('the first walk-through, fixed', () => {
  it('a refused compose leaves no song; key and tempo set by hand reach the composer; the take is a voice take; the share link says who can open it', async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, 'Robert Schumann');
    await page.goto(`${server.url}/app/compose`);
    await page.getByLabel('Studio name').fill('Dichterliebe');
    await page.getByTestId('create-studio').click();
    await page.waitForURL(/\/app\/compose\/\d+$/);
    const studioId = Number(/\/compose\/(\d+)$/.exec(page.url())![1]);
    await page.getByLabel('Take name').fill('Hum');
    await page.getByTestId('import-file').setInputFiles(path.join(folder, 'melody.wav'));
    await page.getByTestId('track').filter({ hasText: 'Hum' }).getByTestId('waveform').waitFor({ timeout: 20_000 });

    // The engine refuses (as when it is not installed): the take saved for it goes again.
    const panel = page.getByTestId('compose-panel');
    await page.route('**/api/song/studios/*/ai', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ success: false, error: { code: 'COMPOSER_UNAVAILABLE', message: 'The composing engine is not installed' } }),
      }),
    );
    await page.getByTestId('compose-start').click();
    await page.getByTestId('composer-unavailable').getByText('Nothing was saved').waitFor();
    await expect.poll(async () => (await apiFromPage<{ data: unknown[] }>(page, `/api/song/${studioId}`)).body.data.length).toBe(0);
    expect(await page.getByTestId('song').count()).toBe(0);
    await page.unroute('**/api/song/studios/*/ai');

    // Key and tempo chosen by hand go with the request and come back as the song's.
    await panel.getByTestId('compose-key').selectOption('D minor');
    await panel.getByTestId('compose-bpm').fill('90');
    const asked = page.waitForRequest((r) => /\/api\/song\/studios\/\d+\/ai$/.test(r.url()) && r.method() === 'POST');
    await page.getByTestId('compose-start').click();
    expect((await asked).postDataJSON()).toMatchObject({ key: 'D minor', bpm: 90 });
    const result = page.getByTestId('compose-result').locator('[data-testid="song-card-slot"][data-state="done"]').first();
    await result.waitFor({ timeout: 240_000 });
    expect(await result.getByTestId('card-facts').textContent()).toBe('D minor · 90 BPM');
    expect(await panel.getByTestId('compose-key').inputValue()).toBe('D minor');

    // The take kept as the AI song's source is a voice take, without the instruments asked of the band.
    const source = page.getByTestId('song-list').getByTestId('song').filter({ hasText: 'Voice take' });
    await source.waitFor();
    expect(await source.textContent()).not.toMatch(/piano|drums|bass/);
    expect(await page.getByText('Saved take').count()).toBe(0);

    // Sharing with LAN sharing off: a Copy button and the way to reach others.
    const card = result.getByTestId('song');
    await card.getByTestId('share-song').click();
    await card.getByTestId('copy-share').waitFor();
    expect(await card.getByTestId('share-reach').textContent()).toContain('This link opens on this computer only');
    await card.getByRole('link', { name: 'turn on LAN sharing in Settings' }).waitFor();
    await shoot(page, 'studio');

    // The share page: English, the cover drawn when there is none, the themed player.
    const listener = await openPage(browser);
    await listener.page.goto(await card.getByTestId('share-url').inputValue());
    expect(await listener.page.getAttribute('html', 'lang')).toBe('en');
    await listener.page.getByRole('button', { name: 'Play' }).waitFor();
    await shoot(listener.page, 'share-page');
    expect(listener.errors).toEqual([]);
    await listener.page.context().close();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 300_000);

  it('refuses an avatar from another site with the reason, shows none of it, and changes the password', async () => {
    const { page, errors } = await openPage(browser);
    const { email, password } = await signUp(page, 'Clara Wieck');
    // A seed client stored another site's picture: the app does not ask for it (no CSP error in the console).
    await apiFromPage(page, '/api/v1/users/me', { method: 'PATCH', body: { avatar_url: 'https://example.com/a.png' } });
    await page.goto(`${server.url}/app/account`);
    await page.getByTestId('profile-form').waitFor();
    await page.waitForTimeout(500);
    expect(errors).toEqual([]);

    await page.getByLabel('Avatar URL').fill('https://example.org/me.jpg');
    await page.getByText('Pictures from other sites cannot be shown here').waitFor();

    const card = page.getByTestId('password-card');
    await card.getByLabel('Current password').fill(password);
    await card.getByLabel('New password', { exact: true }).fill('a new one 2027');
    await card.getByLabel('New password again').fill('a new one 2027');
    await card.getByTestId('password-save').click();
    await card.getByTestId('password-changed').waitFor();
    const login = await page.evaluate(
      async (body) => (await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
      JSON.stringify({ email, password: 'a new one 2027' }),
    );
    expect(login).toBe(200);
    await shoot(page, 'account');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('serves the app icon at /favicon.ico and names no issue to users', async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, 'Johannes Brahms');
    const icon = await page.evaluate(async () => {
      const r = await fetch('/favicon.ico');
      return { status: r.status, type: r.headers.get('content-type') };
    });
    expect(icon).toEqual({ status: 200, type: 'image/x-icon' });
    for (const area of ['compose', 'images', 'concerts', 'stories', 'promo', 'models', 'settings', 'account']) {
      await page.goto(`${server.url}/app/${area}`);
      await page.locator('main').waitFor();
      await page.waitForTimeout(300);
      expect(await page.locator('body').textContent()).not.toMatch(/Arrives with|issue not yet filed|ENOTFOUND/);
    }
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it("the host's card and the set list agree when a song has played to its end", async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, 'Fanny Mendelssohn');
    // A two-second song, uploaded and put on with the page's own session.
    const roomId = await page.evaluate(
      async (wav) => {
        const auth = { authorization: `Bearer ${localStorage.getItem('atelier.accessToken')}` };
        const form = new FormData();
        form.append('title', 'Short Tone');
        form.append('audio', new Blob([Uint8Array.from(atob(wav), (c) => c.charCodeAt(0))]), 'short.wav');
        const uploaded = await (await fetch('/api/audio/upload', { method: 'POST', headers: auth, body: form })).json();
        const json = { ...auth, 'content-type': 'application/json' };
        const created = await (
          await fetch('/api/concert/create', {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ concertName: 'Brief', songs: [{ songNum: 1, audioId: uploaded.audio_file.id }] }),
          })
        ).json();
        await fetch(`/api/concert/${created.roomId}/toggle-open`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ isOpen: true }),
        });
        return created.roomId as string;
      },
      toneWav(440, 2, 22_050, 12_000).toString('base64'),
    );
    await page.goto(`${server.url}/app/concerts/${encodeURIComponent(roomId)}`);
    const card = page.getByTestId('panel-now-playing');
    await card.getByText('Just played').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('setlist-state').textContent()).toBe('Just played');
    expect(await page.getByText('Now playing').count()).toBe(0);
    await shoot(page, 'concert-host');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
