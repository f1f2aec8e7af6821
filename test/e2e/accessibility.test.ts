import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openPage } from './helpers/browser';
import type { AtelierProcess } from './helpers/server';
import { audit } from './helpers/axe';
import { toneWav } from '../helpers/wav';
import { atelierFixture } from './helpers/fixture';

let server: AtelierProcess;
let browser: Browser;
let workDir: string;

const post = (url: string, body: unknown, token?: string) =>
  fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

atelierFixture({ folder: 'atelier-axe-' }, (c) => ([server, browser, workDir] = c));

interface Account {
  tokens: { access_token: string; refresh_token: string };
  studioId: number;
  roomId: string;
}

let accounts = 0;
/**
 * A fresh account (a plan allows 30 requests a minute, and each pass makes about that many) with
 * a studio holding one take and a song mixed from it, and an open concert with one song.
 */
async function seed(full: boolean): Promise<Account> {
  const email = `axe-${++accounts}-${Date.now()}@example.com`;
  expect((await post('/api/v1/auth/register', { email, password: 'contrast for everyone 1', name: 'Axel Checker' })).status).toBe(201);
  const tokens = (
    (await (await post('/api/v1/auth/login', { email, password: 'contrast for everyone 1' })).json()) as { data: Account['tokens'] }
  ).data;
  const account: Account = { tokens, studioId: 0, roomId: '' };
  if (!full) return account;
  const token = tokens.access_token;
  const studio = (await (await post('/api/work/studio', { studioName: 'Contrast Sessions' }, token)).json()) as {
    data: { studioId: number };
  };
  account.studioId = studio.data.studioId;

  const form = new FormData();
  form.append('title', 'Steady Tone');
  form.append('audio', new Blob([new Uint8Array(toneWav(440, 3, 22_050, 9_000))]), 'steady-tone.wav');
  const uploaded = await fetch(`${server.url}/api/audio/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const audioId = ((await uploaded.json()) as { audio_file: { id: number } }).audio_file.id;
  const concert = (await (
    await post('/api/concert/create', { concertName: 'Open Rehearsal', songs: [{ songNum: 1, audioId }] }, token)
  ).json()) as {
    roomId: string;
  };
  account.roomId = concert.roomId;
  expect((await post(`/api/concert/${account.roomId}/toggle-open`, { isOpen: true }, token)).status).toBe(200);

  // A take imported through the page, mixed into a song: the studio and My songs show players.
  const { page } = await signedInPage(account, 'light', { width: 1280, height: 800 });
  await page.goto(`${server.url}/app/compose/${account.studioId}`);
  await page.getByLabel('Take name').fill('Steady');
  const wav = path.join(workDir, 'steady.wav');
  fs.writeFileSync(wav, toneWav(330, 2, 22_050, 9_000));
  await page.getByTestId('import-file').setInputFiles(wav);
  await page.getByTestId('track').getByTestId('waveform').waitFor({ timeout: 20_000 });
  await page.context().close();
  const detail = (await (
    await fetch(`${server.url}/api/work/studio/${account.studioId}`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { data: { trackList: { trackId: number }[] } };
  const trackIds = detail.data.trackList.map((t) => t.trackId);
  expect((await post(`/api/song/${account.studioId}`, { title: 'Steady Mix', trackIds }, token)).status).toBeLessThan(300);
  return account;
}

async function signedInPage(account: Account, theme: 'light' | 'dark', viewport: { width: number; height: number }) {
  const watched = await openPage(browser);
  await watched.page.setViewportSize(viewport);
  await watched.page.addInitScript(
    ([t, access, refresh]) => {
      localStorage.setItem('atelier.theme', t!);
      localStorage.setItem('atelier.accessToken', access!);
      localStorage.setItem('atelier.refreshToken', refresh!);
    },
    [theme, account.tokens.access_token, account.tokens.refresh_token],
  );
  return watched;
}

/** Opens a signed-in route and waits for its screen (not the "server is not answering" one). */
async function visit(page: Page, route: string): Promise<void> {
  await page.goto(`${server.url}/app${route}`);
  const title = page.getByRole('heading', { level: 1 }).first();
  await title.waitFor();
  // Lazy areas and their first requests settle before the check.
  await page.waitForLoadState('networkidle');
  expect(await title.textContent()).not.toMatch(/not answering/);
}

const SIGNED_IN = ({ studioId, roomId }: Account) => [
  '/compose',
  '/compose/songs',
  `/compose/${studioId}`,
  '/concerts',
  `/concerts/${encodeURIComponent(roomId)}`,
  `/concert/${encodeURIComponent(roomId)}`,
  '/images',
  '/stories',
  '/promo',
  '/models',
  '/settings',
  '/account',
];

describe.each(['light', 'dark'] as const)('every screen in the %s theme', (theme) => {
  it('has no contrast violation and nothing serious or critical for axe', async () => {
    const signedOut = await openPage(browser);
    await signedOut.page.addInitScript((t) => localStorage.setItem('atelier.theme', t), theme);
    const found: string[] = [];
    for (const route of ['/sign-in', '/sign-up']) {
      await signedOut.page.goto(`${server.url}/app${route}`);
      await signedOut.page.getByRole('heading', { level: 1 }).first().waitFor();
      found.push(...(await audit(signedOut.page)).map((v) => `${route}: ${v}`));
    }
    await signedOut.page.context().close();

    const account = await seed(true);
    const { page } = await signedInPage(account, theme, { width: 1280, height: 800 });
    for (const route of SIGNED_IN(account)) {
      await visit(page, route);
      found.push(...(await audit(page)).map((v) => `${route}: ${v}`));
    }

    // What opens over a screen: the keyboard map, a confirm dialog, an undo toast.
    await visit(page, '/compose/songs');
    await page.getByTestId('audio-player').first().waitFor();
    await page.keyboard.press('Shift+?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    found.push(...(await audit(page)).map((v) => `keyboard map: ${v}`));
    await page.keyboard.press('Escape');
    await visit(page, `/compose/${account.studioId}`);
    await page.getByRole('button', { name: 'Delete studio' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete studio' }).waitFor();
    found.push(...(await audit(page)).map((v) => `confirm dialog: ${v}`));
    await page.keyboard.press('Escape');
    await page.getByTestId('song').getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('toast').waitFor();
    found.push(...(await audit(page)).map((v) => `undo toast: ${v}`));
    await page.getByTestId('toast').getByRole('button', { name: 'Undo' }).click();
    await page.context().close();

    // A phone: the tab bar and the More sheet.
    const phone = (await signedInPage(await seed(false), theme, { width: 390, height: 844 })).page;
    for (const route of ['/compose', '/images', '/concerts', '/settings']) {
      await visit(phone, route);
      found.push(...(await audit(phone)).map((v) => `phone ${route}: ${v}`));
    }
    await phone.getByRole('button', { name: 'More' }).click();
    await phone.getByRole('dialog', { name: 'More' }).waitFor();
    found.push(...(await audit(phone)).map((v) => `phone More: ${v}`));
    await phone.context().close();
    expect(found).toEqual([]);
  }, 240_000);
});
