import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, openPage } from './helpers/browser';
import { writeMelodyWav } from './helpers/melody';
import { startAtelier, type AtelierProcess } from './helpers/server';

// Song from a hum, as cards (#17): a hummed take, vibe chips, two variants with covers of their
// own, the tempo corrected and composed again, and one variant extended into a new card.
let server: AtelierProcess;
let browser: Browser;
let folder: string;
/** Where screenshots go when ATELIER_SHOTS names a folder (for looking at, not for asserting). */
const shots = process.env.ATELIER_SHOTS;

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-song-cards-e2e-'));
  writeMelodyWav(path.join(folder, 'hum.wav'));
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

interface ListedSong {
  songId: number;
  title: string;
  duration: number | null;
  genre: string | null;
}

const songsOf = (page: Page, studioId: number) =>
  page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${localStorage.getItem('atelier.accessToken')}` } });
    return ((await response.json()) as { data: ListedSong[] }).data;
  }, `/api/song/${studioId}`);

/** The bytes of a card's cover, as the page loaded them, in base64. */
const coverBytes = (card: Locator) =>
  card.getByTestId('song-cover').evaluate(async (img) => {
    const bytes = new Uint8Array(await (await fetch((img as HTMLImageElement).src)).arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  });

async function shoot(page: Page, name: string, target: Locator) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await target.screenshot({ path: path.join(shots, `${name}.png`) });
}

const doneCards = (page: Page) => page.locator('[data-testid="song-card-slot"][data-state="done"]');

describe('song cards', () => {
  it('composes two variants from a hum with the chosen vibe, re-composes one at another tempo, and extends one', async () => {
    const { page, errors } = await openPage(browser);
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`${server.url}/app/sign-up`);
    await page.getByLabel('Name', { exact: true }).fill('Nadia Boulanger');
    await page.getByLabel('E-mail', { exact: true }).fill(`nadia-${Date.now()}@example.com`);
    await page.getByLabel('Password', { exact: true }).fill('lili and the cards 1918');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('sidebar-user').waitFor();
    await page.goto(`${server.url}/app/compose`);
    await page.getByLabel('Studio name').fill('Cards');
    await page.getByTestId('create-studio').click();
    await page.waitForURL(/\/app\/compose\/\d+$/);
    const studioId = Number(/\/compose\/(\d+)$/.exec(page.url())![1]);

    // The hum, as a file (the recorder's path is the studio spec's).
    await page.getByLabel('Take name').fill('Hum');
    await page.getByTestId('import-file').setInputFiles(path.join(folder, 'hum.wav'));
    await page.getByTestId('track').filter({ hasText: 'Hum' }).getByTestId('waveform').waitFor({ timeout: 20_000 });

    // The chips are what the arranger plays: a genre and a mood (one each) and instruments (several).
    const panel = page.getByTestId('compose-panel');
    await panel.getByRole('radio', { name: 'jazz' }).click();
    await panel.getByRole('radio', { name: 'calm' }).click();
    await panel.getByRole('checkbox', { name: 'sax' }).click();
    expect(await panel.getByRole('radio', { name: 'jazz' }).getAttribute('aria-checked')).toBe('true');
    expect(await panel.getByRole('radio', { name: 'pop' }).getAttribute('aria-checked')).toBe('false');
    const asked = page.waitForRequest((r) => /\/api\/song\/studios\/\d+\/ai$/.test(r.url()) && r.method() === 'POST');
    await page.getByTestId('compose-start').click();
    expect((await asked).postDataJSON()).toMatchObject({ genre: 'jazz', mood: 'calm', instruments: ['piano', 'sax'] });

    // Two cards at once, each following its own job with the time it still needs.
    const slots = page.getByTestId('song-card-slot');
    await expect.poll(() => slots.count()).toBe(2);
    await page.getByTestId('card-status').first().waitFor();
    await expect.poll(() => doneCards(page).count(), { timeout: 480_000, interval: 2000 }).toBe(2);
    const [a, b] = [doneCards(page).nth(0), doneCards(page).nth(1)];
    expect(await a.getByRole('heading').textContent()).toBe('Hum · A');
    expect(await b.getByRole('heading').textContent()).toBe('Hum · B');
    for (const card of [a, b]) {
      await expect.poll(() => card.getByTestId('song-cover').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
      expect(await card.getByTestId('card-facts').textContent()).toMatch(/^[A-G][b#]? (major|minor) · \d+ BPM$/);
      await card.getByTestId('audio-player').waitFor();
    }
    // Each song has a cover of its own.
    expect(await coverBytes(a)).not.toBe(await coverBytes(b));
    await shoot(page, 'song-cards-two-variants', page.getByTestId('compose-result'));

    // The first card at another tempo: composed again in place, and it says so.
    const heard = Number(/(\d+) BPM/.exec((await a.getByTestId('card-facts').textContent())!)![1]);
    const wanted = heard >= 100 ? Math.round(heard / 2) : heard * 2 > 240 ? heard + 20 : heard * 2;
    await a.getByTestId('edit-key-tempo').click();
    await a.getByTestId('card-bpm').fill(String(wanted));
    await a.getByTestId('recompose').click();
    const first = slots.nth(0);
    await expect.poll(() => first.getAttribute('data-state')).toBe('composing');
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 300_000, interval: 2000 }).toBe('done');
    expect(await first.getByTestId('card-facts').textContent()).toContain(`· ${wanted} BPM`);

    // Extend the second variant by four bars: a new card beside it, the original kept.
    const before = (await songsOf(page, studioId)).find((s) => s.title === 'Hum · B')!;
    const second = slots.nth(1);
    await second.getByTestId('extend').click();
    const extended = page.locator('[data-testid="song-card-slot"][data-kind="rework"]');
    await extended.waitFor();
    await expect.poll(() => extended.getAttribute('data-state'), { timeout: 300_000, interval: 2000 }).toBe('done');
    expect(await extended.getByRole('heading').textContent()).toBe('Hum · B · extended');
    // A new song, a cover of its own.
    await expect
      .poll(() => extended.getByTestId('song-cover').evaluate((img) => (img as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    expect(await coverBytes(extended)).not.toBe(await coverBytes(second));
    const songs = await songsOf(page, studioId);
    const longer = songs.find((s) => s.title === 'Hum · B · extended')!;
    const bpm = Number(/(\d+) BPM/.exec((await second.getByTestId('card-facts').textContent())!)![1]);
    // Four bars of 4/4 longer, and the original is still there.
    expect(Math.abs(longer.duration! - before.duration! - (4 * 4 * 60) / bpm)).toBeLessThan(0.3);
    expect(songs.map((s) => s.title)).toContain('Hum · B');
    await shoot(page, 'song-cards-extended', page.getByTestId('compose-result'));

    // A phone shows the cards one above the other.
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'song-cards-phone', page.getByTestId('compose-result'));
    expect(errors).toEqual([]);
  }, 1_200_000);
});
