import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { writeTinySd } from '../../src-server/ai/diffusion/tiny/generate';
import { fakeMicrophone } from './helpers/browser';
import { melodyIn } from './helpers/melody';
import type { AtelierProcess } from './helpers/server';
import { atelierFixture } from './helpers/fixture';
import { signedInContext } from './helpers/signed-in';

let server: AtelierProcess;
let browser: Browser;
let folder: string;
let tokens: { access_token: string; refresh_token: string };

const post = (url: string, body: unknown, token?: string) =>
  fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

atelierFixture({ folder: 'atelier-shell-', prepare: (dir) => fakeMicrophone(melodyIn(dir)) }, (c) => ([server, browser, folder] = c));
beforeAll(async () => {
  const email = `keys-${Date.now()}@example.com`;
  expect((await post('/api/v1/auth/register', { email, password: 'shortcuts all the way 1', name: 'Kim Keys' })).status).toBe(201);
  tokens = ((await (await post('/api/v1/auth/login', { email, password: 'shortcuts all the way 1' })).json()) as { data: typeof tokens })
    .data;
});

/** A signed-in page of the given size that records uncaught errors. */
async function signedIn(viewport: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const context = await signedInContext(browser, tokens, { viewport, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

describe('the keyboard map', () => {
  it('opens with "?", lists the shortcuts, closes with Esc, and R, Space and Esc work in a studio', async () => {
    const { page, errors } = await signedIn({ width: 1280, height: 800 });
    await page.goto(`${server.url}/app/compose`);
    await page.getByLabel('Studio name').fill('Key Sessions');
    await page.getByTestId('create-studio').click();
    await page.waitForURL(/\/app\/compose\/\d+$/);
    await expect.poll(() => page.title()).toBe('Studio — Record & Compose — Atelier');

    await page.keyboard.press('Shift+?');
    const map = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await map.waitFor();
    const row = (id: string) => map.locator(`[data-shortcut="${id}"]`);
    expect(await row('play-pause').textContent()).toBe('Play or pauseSpace');
    expect(await row('record').textContent()).toBe('Start or stop recordingR');
    expect(await row('generate').textContent()).toMatch(/^Generate(Ctrl|⌘) \+ Enter$/);
    expect(await row('gallery-next').textContent()).toBe('Next image→');
    await page.keyboard.press('Escape');
    await map.waitFor({ state: 'hidden' });

    // The record button names its key in its tooltip, and R starts and stops a take.
    expect(await page.getByTestId('record').getAttribute('title')).toBe('Record a take (R)');
    await page.getByTestId('record').waitFor();
    await page.locator('body').press('r');
    await page.getByTestId('recorder-status').getByText('Recording').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(2500);
    await page.locator('body').press('r');
    await expect.poll(() => page.getByTestId('track').getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');

    // Space plays every track and stops them again.
    const playAll = page.getByTestId('play-all');
    await expect.poll(() => playAll.isEnabled()).toBe(true);
    expect(await playAll.getAttribute('title')).toBe('Play all tracks (Space)');
    await page.locator('body').press(' ');
    await expect.poll(() => playAll.getAttribute('aria-pressed')).toBe('true');
    await page.locator('body').press(' ');
    await expect.poll(() => playAll.getAttribute('aria-pressed')).toBe('false');

    // Esc answers "no" to a confirm dialog: the studio stays.
    await page.getByRole('button', { name: 'Delete studio' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete the studio “Key Sessions”?' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(page.url()).toMatch(/\/app\/compose\/\d+$/);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('Image Studio keys', () => {
  it('generates with Ctrl+Enter from the prompt, steps through the gallery with the arrows, and closes the details with Esc', async () => {
    const tiny = path.join(folder, 'tiny-sd1');
    await writeTinySd(tiny, { base: 'sd1' });
    await new ModelCatalog(server.dataDir, PLAN_ORDER).installFromFolder(tiny, {
      id: 'tiny-sd1',
      type: 'checkpoint',
      meta: { display_name: 'Tiny SD 1.5' },
    });
    const { page, errors } = await signedIn({ width: 1280, height: 800 });
    await page.goto(`${server.url}/app/images`);
    const form = page.getByTestId('generate-panel');
    await expect.poll(() => form.getByLabel('Model').inputValue()).toBe('tiny-sd1');
    expect(await page.getByTestId('generate').getAttribute('title')).toMatch(/^Generate \((Ctrl|⌘)\+Enter\)$/);
    await form.getByLabel('Width', { exact: true }).fill('64');
    await form.getByLabel('Height', { exact: true }).fill('64');
    await form.getByLabel('Steps', { exact: true }).fill('2');
    const tiles = page.getByTestId('gallery-image');
    for (const [n, prompt] of [
      [1, 'a red barn'],
      [2, 'a blue boat'],
    ] as const) {
      await form.getByLabel('Prompt', { exact: true }).fill(prompt);
      await form.getByLabel('Prompt', { exact: true }).press('ControlOrMeta+Enter');
      await expect.poll(() => tiles.count(), { timeout: 60_000 }).toBe(n);
    }
    // Newest first: → opens the first tile, then the next; ← goes back.
    const ids = await tiles.evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
    const detail = page.getByTestId('image-detail');
    const shown = () => detail.getByTestId('meta-prompt').textContent();
    // Out of the prompt (arrows there move the caret), as a click on the page would.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('ArrowRight');
    await expect.poll(shown).toContain('a blue boat');
    await page.keyboard.press('ArrowRight');
    await expect.poll(shown).toContain('a red barn');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="gallery-image"]')?.getAttribute('data-id'))).toBe(
      ids[1],
    );
    await page.keyboard.press('ArrowLeft');
    await expect.poll(shown).toContain('a blue boat');
    // Esc closes the topmost thing only: the confirm dialog, then the details under it.
    await detail.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this image?' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await detail.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    expect(await tiles.count()).toBe(2);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 180_000);
});

describe('the file picker', () => {
  it('imports an audio file dropped on it and refuses a dropped file of the wrong kind before any upload', async () => {
    const { page, errors } = await signedIn({ width: 1280, height: 800 });
    const studio = (await (await post('/api/work/studio', { studioName: 'Drop Sessions' }, tokens.access_token)).json()) as {
      data: { studioId: number };
    };
    await page.goto(`${server.url}/app/compose/${studio.data.studioId}`);
    await page.getByLabel('Take name').fill('Dropped');
    const drop = async (name: string, type: string, bytes: number[]) => {
      const transfer = await page.evaluateHandle(
        ([name, type, bytes]) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes as number[])], name as string, { type: type as string }));
          return data;
        },
        [name, type, bytes] as const,
      );
      const area = page.getByRole('button', { name: 'Import audio file' });
      await area.dispatchEvent('dragover', { dataTransfer: transfer });
      await area.dispatchEvent('drop', { dataTransfer: transfer });
    };
    await drop('notes.txt', 'text/plain', [...Buffer.from('not audio')]);
    await page.getByText('“notes.txt” is not a file this takes.').waitFor();
    expect(await page.getByTestId('track').count()).toBe(0);

    await drop('melody.wav', 'audio/wav', [...fs.readFileSync(path.join(folder, 'melody.wav'))]);
    await page.getByTestId('track').filter({ hasText: 'Dropped' }).getByTestId('waveform').waitFor({ timeout: 20_000 });
    expect(await page.getByText('is not a file this takes').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('deleting a song', () => {
  it('takes it off the screen with an Undo toast; Undo brings it back, letting the toast run out deletes it', async () => {
    const { page, errors } = await signedIn({ width: 1280, height: 800 });
    const token = tokens.access_token;
    const studio = (await (await post('/api/work/studio', { studioName: 'Undo Sessions' }, token)).json()) as {
      data: { studioId: number };
    };
    const studioId = studio.data.studioId;
    await page.goto(`${server.url}/app/compose/${studioId}`);
    await page.getByLabel('Take name').fill('Hum');
    await page.getByTestId('import-file').setInputFiles(path.join(folder, 'melody.wav'));
    await page.getByTestId('track').getByTestId('waveform').waitFor({ timeout: 20_000 });
    const detail = (await (
      await fetch(`${server.url}/api/work/studio/${studioId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      data: { trackList: { trackId: number }[] };
    };
    const trackIds = detail.data.trackList.map((t) => t.trackId);
    expect((await post(`/api/song/${studioId}`, { title: 'Keep Me', trackIds }, token)).status).toBeLessThan(300);

    await page.goto(`${server.url}/app/compose/songs`);
    const song = page.getByTestId('song').filter({ hasText: 'Keep Me' });
    await song.waitFor();
    // The themed player draws the song's own waveform (decoded, not a flat placeholder: the hum
    // has breaths between its notes), plays, and a click on the waveform seeks there.
    const player = song.getByTestId('audio-player');
    const barHeights = () =>
      player.locator('canvas').evaluate((el) => {
        const c = el as HTMLCanvasElement;
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const heights = new Set<number>();
        for (let x = 0; x < c.width; x++) {
          let h = 0;
          for (let y = 0; y < c.height; y++) if (pixels[(y * c.width + x) * 4 + 3]! > 0) h++;
          if (h > 0) heights.add(h);
        }
        return heights.size;
      });
    await expect.poll(barHeights).toBeGreaterThan(5);
    const audio = player.locator('audio');
    const position = () => audio.evaluate((el) => (el as HTMLAudioElement).currentTime);
    expect(await player.getByRole('button', { name: 'Play Keep Me' }).getAttribute('title')).toBe('Play (Space)');
    await player.getByRole('button', { name: 'Play Keep Me' }).click();
    await expect.poll(position).toBeGreaterThan(0.3);
    await player.getByRole('button', { name: 'Pause Keep Me' }).click();
    const duration = await audio.evaluate((el) => (el as HTMLAudioElement).duration);
    const wave = player.getByRole('slider', { name: 'Position in Keep Me' });
    const box = (await wave.boundingBox())!;
    await wave.click({ position: { x: box.width * 0.75, y: box.height / 2 } });
    expect(Math.abs((await position()) - duration * 0.75)).toBeLessThan(duration * 0.05);
    expect(await wave.getAttribute('aria-valuetext')).toMatch(/^0:0\d of 0:\d\d$/);
    await song.getByRole('button', { name: 'Delete' }).click();
    await song.waitFor({ state: 'detached' });
    const toast = page.getByTestId('toast').filter({ hasText: 'Deleted “Keep Me”.' });
    await toast.getByRole('button', { name: 'Undo' }).click();
    await song.waitFor();
    await page.waitForTimeout(6500);
    await page.reload();
    await song.waitFor();

    await song.getByRole('button', { name: 'Delete' }).click();
    await song.waitFor({ state: 'detached' });
    await toast.waitFor({ state: 'detached', timeout: 10_000 });
    await page.reload();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(await song.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('a phone (390×844)', () => {
  it('navigates with a bottom tab bar, reaches the other areas through More, and fits the width', async () => {
    const { page, errors } = await signedIn({ width: 390, height: 844 });
    await page.goto(`${server.url}/app/compose`);
    const tabs = page.getByRole('navigation', { name: 'Main' });
    await tabs.waitFor();
    expect(await tabs.getAttribute('data-testid')).toBe('tabbar');
    expect(await tabs.getByRole('link').allTextContents()).toEqual(['Compose', 'Concerts', 'Images', 'Stories']);

    // Along the bottom edge, in thumb reach, and only one row tall.
    const box = (await tabs.boundingBox())!;
    expect(Math.round(box.y + box.height)).toBe(844);
    expect(box.height).toBeLessThan(80);
    // The first screen belongs to the area, not to navigation.
    const heading = (await page.getByRole('heading', { level: 1 }).boundingBox())!;
    expect(heading.y).toBeLessThan(120);

    await tabs.getByRole('link', { name: 'Images' }).click();
    await page.waitForURL(/\/app\/images$/);
    expect(await tabs.getByRole('link', { name: 'Images' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.title()).toBe('Image Studio — Atelier');

    await tabs.getByRole('button', { name: 'More' }).click();
    const more = page.getByRole('dialog', { name: 'More' });
    await more.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/app\/settings$/);
    await more.waitFor({ state: 'hidden' });
    expect(await tabs.getByRole('button', { name: 'More' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.title()).toBe('Settings — Atelier');

    // Esc closes the sheet too.
    await tabs.getByRole('button', { name: 'More' }).click();
    await more.waitFor();
    await page.keyboard.press('Escape');
    await more.waitFor({ state: 'hidden' });

    for (const area of ['/compose', '/concerts', '/images', '/stories', '/promo', '/models', '/settings', '/account']) {
      await page.goto(`${server.url}/app${area}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      expect({ area, width: await page.evaluate(() => document.documentElement.scrollWidth) }).toEqual({ area, width: 390 });
    }
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);
});
