import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openPage, signUpAt, fakeMicrophone, apiFromPage } from './helpers/browser';
import { melodyIn } from './helpers/melody';
import type { AtelierProcess } from './helpers/server';
import { atelierFixture } from './helpers/fixture';

let server: AtelierProcess, browser: Browser, folder: string;
atelierFixture({ folder: 'atelier-studio-e2e-', prepare: (dir) => fakeMicrophone(melodyIn(dir)) }, (c) => ([server, browser, folder] = c));

/** Whether a canvas has anything drawn on it. */
const inked = (page: Page, selector: string) =>
  page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
    return painted / (c.width * c.height);
  });

/** Plays an <audio> and answers how far it got. */
const playFor = (page: Page, selector: string, ms: number) =>
  page.$eval(
    selector,
    async (el, ms) => {
      const audio = el as HTMLAudioElement;
      await audio.play();
      await new Promise((resolve) => setTimeout(resolve, ms));
      audio.pause();
      return audio.currentTime;
    },
    ms,
  );

describe('Record & Compose in the web UI', () => {
  it('records a take from the microphone, plays it, composes or saves a song, and shares it', async () => {
    const { page, errors } = await openPage(browser);
    await signUpAt(page, server.url, {
      name: 'Clara Schumann',
      email: `clara-${Date.now()}@example.com`,
      password: 'romance in g minor 1853',
    });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Record & Compose' }).click();
    await page.getByLabel('Studio name').fill('Lieder');
    await page.getByTestId('create-studio').click();
    await page.waitForURL(/\/app\/compose\/\d+$/);
    const studioId = Number(/\/compose\/(\d+)$/.exec(page.url())![1]);
    await page.getByRole('heading', { name: 'Lieder' }).waitFor();

    // One bar of count-in at 120 BPM (2 s), then about 3 s of singing.
    await page.getByLabel('Tempo (BPM)', { exact: true }).fill('120');
    await page.getByLabel('Take name').fill('Verse');
    await page.getByTestId('record').click();
    await page.getByTestId('recorder-status').getByText('Recording').waitFor({ timeout: 10_000 });
    expect(Number(await page.getByTestId('input-meter').getAttribute('aria-valuenow'))).toBeGreaterThan(-40);
    await page.waitForTimeout(3000);
    await page.getByTestId('stop-recording').click();

    const take = page.getByTestId('track').filter({ hasText: 'Verse' });
    await expect.poll(() => take.getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
    await take.getByTestId('waveform').waitFor();
    await expect.poll(() => inked(page, '[data-testid="track"] canvas')).toBeGreaterThan(0.05);
    expect(await page.getByTestId('latency').textContent()).toMatch(/Latency \d+ ms/);

    // The server has both files: the WAV made from the PCM and the raw capture; the take's
    // length is what was sung, not the count-in.
    const detail = await apiFromPage<{ data: { trackList: { trackFormat: string; recordFormat: string; duration: number }[] } }>(
      page,
      `/api/work/studio/${studioId}`,
    );
    const [stored] = detail.body.data.trackList;
    expect(stored!.trackFormat).toBe('wav');
    expect(stored!.recordFormat).toBe('webm');
    expect(stored!.duration).toBeGreaterThan(2);
    expect(stored!.duration).toBeLessThan(5);

    // Play all: the transport clock moves.
    await page.getByTestId('play-all').click();
    await expect.poll(() => page.getByLabel('Position').textContent(), { timeout: 5000 }).toMatch(/^0:0[1-9]/);
    await page.getByTestId('play-all').click();

    // Compose from the take: each variant gets its album cover.
    const panel = page.getByTestId('compose-panel');
    await panel.getByRole('radio', { name: 'calm' }).click();
    await panel.getByRole('radio', { name: 'ballad' }).click();
    await page.getByTestId('compose-start').click();
    const unavailable = page.getByTestId('composer-unavailable');
    const result = page.getByTestId('compose-result').locator('[data-testid="song-card-slot"][data-state="done"]').first();
    const failure = page.getByTestId('compose-panel').getByRole('alert').filter({ hasNotText: 'Composing is not available' });
    await unavailable.or(result).or(failure).first().waitFor({ timeout: 180_000 });
    if (await failure.isVisible()) throw new Error(`Composing failed: ${await failure.textContent()}`);

    let songCard;
    if (await unavailable.isVisible()) {
      // No engine: the page says so, nothing of the attempt is kept, and a song is made from the track instead.
      expect(await unavailable.textContent()).toContain('Nothing was saved');
      expect((await apiFromPage<{ data: unknown[] }>(page, `/api/song/${studioId}`)).body.data).toEqual([]);

      const form = page.getByTestId('save-song-form');
      await form.getByLabel('Song title').fill('Verse, mixed');
      await form.getByLabel('Mood').selectOption('calm');
      await form.getByTestId('make-cover').click();
      await form.getByTestId('cover-preview').waitFor();
      await form.getByTestId('save-song').click();
      songCard = page.getByTestId('song-list').getByTestId('song').filter({ hasText: 'Verse, mixed' });
    } else {
      // The engine ran: the card's progress followed the job to its end and gave way to the song.
      songCard = result.getByTestId('song');
    }
    await songCard.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => songCard.getByTestId('song-cover').evaluate((img) => (img as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    expect(
      await playFor(page, `[data-testid="song"][aria-label="${await songCard.getAttribute('aria-label')}"] audio`, 800),
    ).toBeGreaterThan(0.3);

    await songCard.getByTestId('share-song').click();
    const shareUrl = await songCard.getByTestId('share-url').inputValue();
    expect(shareUrl).toMatch(/\/api\/song\/shared\/[A-Za-z0-9_-]+$/);

    // Someone without an account opens the link and hears the song.
    const guest = await browser.newContext();
    const listener = await guest.newPage();
    await listener.goto(shareUrl);
    await listener.getByRole('heading', { name: (await songCard.getAttribute('aria-label'))! }).waitFor();
    expect(await playFor(listener, 'audio', 800)).toBeGreaterThan(0.3);
    await guest.close();

    expect(errors).toEqual([]);
  }, 300_000);

  it('imports audio files, renames and reorders tracks, keeps them after a reload, and deletes the studio', async () => {
    const { page, errors } = await openPage(browser);
    await signUpAt(page, server.url, {
      name: 'Fanny Hensel',
      email: `fanny-${Date.now()}@example.com`,
      password: 'das jahr twelve pieces 1841',
    });
    await page.goto(`${server.url}/app/compose`);
    await page.getByLabel('Studio name').fill('Das Jahr');
    await page.getByTestId('create-studio').click();
    await page.waitForURL(/\/app\/compose\/\d+$/);

    const melody = path.join(folder, 'melody.wav');
    for (const name of ['January', 'February']) {
      await page.getByLabel('Take name').fill(name);
      await page.getByTestId('import-file').setInputFiles(melody);
      await page.getByTestId('track').filter({ hasText: name }).getByTestId('waveform').waitFor({ timeout: 20_000 });
    }
    const names = () => page.getByTestId('track-name').allTextContents();
    expect(await names()).toEqual(['January', 'February']);

    await page.getByRole('button', { name: 'Move February up' }).click();
    await expect.poll(names).toEqual(['February', 'January']);
    await page.getByTestId('track-name').filter({ hasText: 'January' }).click();
    await page.getByLabel('Track name').fill('März');
    await page.getByLabel('Track name').press('Enter');
    await expect.poll(names).toEqual(['February', 'März']);
    await page.getByTestId('track').nth(1).dragTo(page.getByTestId('track').nth(0));
    await expect.poll(names).toEqual(['März', 'February']);

    await page.reload();
    await expect.poll(names).toEqual(['März', 'February']);

    await page.getByRole('button', { name: 'Delete studio' }).click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Delete studio' }).click();
    await page.waitForURL(/\/app\/compose$/);
    await page.getByText('No studios yet.').waitFor();
    expect(errors).toEqual([]);
  });
});
