import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { writeTinySd, writeTinyUpscaler } from '../../src-server/ai/diffusion/tiny/generate';
import { writeTinyMusicgen } from '../../src-server/ai/musicgen/tiny/generate';
import { pinnedEntry, serveHfRepos, writeCatalog, type HfRepoServer } from '../helpers/hf-repo';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';

// A fresh install in Chromium: the welcome creates the first account, the first run checks the
// machine and offers starter packs from a catalog whose repositories a local Hugging Face-style
// server holds (the tiny generated models), the images pack installs with visible progress, and
// Image Studio generates with what it installed. FIRST_RUN_SCREENSHOTS=<dir> keeps screenshots.

let server: AtelierProcess;
let browser: Browser;
let hub: HfRepoServer;
let folder: string;
const shots = process.env.FIRST_RUN_SCREENSHOTS;
const shot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: path.join(shots, `first-run-${name}.png`), fullPage: true });
};

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-first-run-e2e-'));
  const sd = path.join(folder, 'sd1');
  const x4 = path.join(folder, 'x4');
  const mg = path.join(folder, 'musicgen');
  await Promise.all([writeTinySd(sd, { base: 'sd1' }), writeTinyUpscaler(x4, { scale: 4 }), writeTinyMusicgen(mg)]);
  hub = await serveHfRepos({
    'tests/tiny-sd1': { folder: sd, revision: 'abc123' },
    'tests/tiny-x4': { folder: x4, revision: 'abc123' },
    'tests/tiny-musicgen': { folder: mg, revision: 'abc123' },
  });
  const common = { revision: 'abc123', min_memory_gb: 0.001 };
  const mit = { name: 'MIT', url: 'https://opensource.org/license/mit', commercial: true };
  const catalog = writeCatalog(path.join(folder, 'catalog.json'), {
    packs: [
      { id: 'images', title: 'Images', enables: 'Make images from a prompt, then upscale them ×4.', entries: ['tiny-sd1', 'tiny-x4'] },
      { id: 'music', title: 'Music', enables: 'Compose from a hummed melody with MusicGen.', entries: ['tiny-musicgen'] },
    ],
    entries: [
      pinnedEntry(sd, {
        ...common,
        id: 'tiny-sd1',
        name: 'Tiny SD 1.5',
        kind: 'checkpoint',
        repo: 'tests/tiny-sd1',
        licence: mit,
        enables: 'Image Studio: 64 px test images.',
        area: '/images',
      }),
      pinnedEntry(x4, {
        ...common,
        id: 'tiny-x4',
        name: 'Tiny ×4',
        kind: 'upscaler',
        repo: 'tests/tiny-x4',
        licence: mit,
        enables: 'Image Studio: upscale ×4.',
        area: '/images',
      }),
      pinnedEntry(mg, {
        ...common,
        id: 'tiny-musicgen',
        name: 'Tiny MusicGen',
        kind: 'musicgen',
        repo: 'tests/tiny-musicgen',
        licence: { name: 'CC-BY-NC-4.0', url: 'https://creativecommons.org/licenses/by-nc/4.0/', commercial: false },
        enables: 'Record & Compose: MusicGen arrangements.',
        area: '/compose',
      }),
    ],
  });
  [server, browser] = await Promise.all([startAtelier({ ATELIER_CATALOG_FILE: catalog, ATELIER_CATALOG_URL: hub.url }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await hub?.close();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

describe('first run in the web UI', () => {
  it('welcomes a fresh install, checks the machine, installs the images pack with progress, and generates an image', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/app/`);

    // A fresh install: a welcome that creates the account, not "Welcome back" and no sign-in link.
    await page.getByRole('heading', { name: 'Welcome to Atelier' }).waitFor();
    expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(0);
    await shot(page, '1-welcome');
    await page.getByLabel('Name', { exact: true }).fill('Hilma af Klint');
    await page.getByLabel('E-mail', { exact: true }).fill('hilma@example.com');
    await page.getByLabel('Password', { exact: true }).fill('paintings for the temple 1906');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/app\/welcome$/);

    // The machine check names what it found.
    const machine = page.getByTestId('machine-check');
    await machine.waitFor();
    expect(await machine.textContent()).toMatch(/Graphics.*Memory.*GB.*Free disk.*ffmpeg/);

    // Starter packs: sizes, licences (the music one flagged), where each model comes from.
    const images = page.locator('[data-testid="pack"][data-pack="images"]');
    const music = page.locator('[data-testid="pack"][data-pack="music"]');
    await images.waitFor();
    expect(await music.textContent()).toContain('licence forbids commercial use');
    expect(await music.getByText('Non-commercial').count()).toBe(1);
    const sdRow = images.locator('[data-testid="catalog-entry"][data-entry="tiny-sd1"]');
    expect(await sdRow.getByRole('link', { name: 'tests/tiny-sd1' }).getAttribute('href')).toBe(
      'https://huggingface.co/tests/tiny-sd1/tree/abc123',
    );
    expect(await sdRow.textContent()).toContain('MIT');
    await page.getByTestId('checklist').getByRole('link', { name: 'Make an image' }).waitFor();
    await shot(page, '2-setup');

    // The UNet stalls partway: the bar and the file count are seen, then the connection drops and it resumes.
    hub.stall.set('unet/model.onnx', 20_000);
    await images.getByTestId('pack-install').click();
    const bar = sdRow.getByTestId('catalog-progress');
    await bar.waitFor({ timeout: 20_000 });
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => sdRow.getByTestId('catalog-progress-text').textContent(), { timeout: 20_000 })
      .toMatch(/File \d+ of \d+: unet\/model\.onnx · .* of /);
    await shot(page, '3-installing');
    hub.release();

    for (const id of ['tiny-sd1', 'tiny-x4'])
      await images.locator(`[data-testid="catalog-entry"][data-entry="${id}"][data-status="installed"]`).waitFor({ timeout: 60_000 });
    await images.getByText('Installed', { exact: true }).first().waitFor();
    await shot(page, '4-installed');

    // Models shows the catalog beside what is installed.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await page.locator('[data-testid="model"][data-model="tiny-sd1"][data-available="true"]').waitFor();
    const catalog = page.getByTestId('catalog');
    await catalog.locator('[data-entry="tiny-sd1"][data-status="installed"]').waitFor();
    await catalog.locator('[data-entry="tiny-musicgen"][data-status="available"]').getByTestId('catalog-install').waitFor();
    await shot(page, '4b-models');

    // What it installed makes an image.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Image Studio' }).click();
    await page.waitForURL(/\/app\/images$/);
    const form = page.getByTestId('generate-panel');
    await expect.poll(() => form.getByLabel('Model').inputValue(), { timeout: 20_000 }).toBe('tiny-sd1');
    await form.getByLabel('Prompt', { exact: true }).fill('a spiral of petals');
    await form.getByLabel('Width', { exact: true }).fill('64');
    await form.getByLabel('Height', { exact: true }).fill('64');
    await form.getByLabel('Steps', { exact: true }).fill('2');
    await page.getByTestId('generate').click();
    const status = page.getByTestId('job-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 120_000 }).toMatch(/completed|failed|cancelled/);
    expect(await status.getAttribute('data-status')).toBe('completed');
    await expect.poll(() => page.getByTestId('gallery-image').count(), { timeout: 20_000 }).toBe(1);
    await shot(page, '5-generated');

    // Settings: the data folder by area, which ffmpeg runs, and diagnostics without the e-mail.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/app\/settings$/);
    await expect.poll(() => page.getByTestId('storage-areas').locator('[data-area="models"] dd').textContent()).toMatch(/KB|MB/);
    await expect.poll(() => page.getByTestId('ffmpeg-active').textContent()).toMatch(/Using ffmpeg|No ffmpeg found/);
    await page.getByTestId('copy-diagnostics').click();
    const diag = page.getByTestId('diagnostics-text');
    await expect.poll(() => diag.inputValue()).toMatch(/^Atelier /);
    expect(await diag.inputValue()).not.toContain('hilma@example.com');
    await shot(page, '6-settings');

    // The library goes out as one archive and comes back in, for the next start.
    const library = page.getByTestId('library');
    const [download] = await Promise.all([page.waitForEvent('download'), library.getByTestId('library-export').click()]);
    const archive = path.join(folder, download.suggestedFilename());
    await download.saveAs(archive);
    expect(download.suggestedFilename()).toMatch(/^atelier-library-\d{4}-\d{2}-\d{2}\.tar\.gz$/);
    expect(fs.statSync(archive).size).toBeGreaterThan(1000);
    await library.getByTestId('library-import').setInputFiles(archive);
    await library.getByText(/Restart Atelier to open the imported library/).waitFor();
    await library.getByText('An imported library opens at the next start of Atelier.').waitFor();

    // Back to the set-up guide: the optional sample project is a studio with a hummed take in it.
    await page.getByTestId('diagnostics').getByRole('link', { name: 'Open the set-up guide' }).click();
    await page.waitForURL(/\/app\/welcome$/);
    await page.getByTestId('create-sample').click();
    await page.waitForURL(/\/app\/compose\/\d+$/, { timeout: 30_000 });
    await page.getByRole('heading', { name: 'Sample: Twinkle, twinkle' }).waitFor();
    await page.getByText('Hummed melody').first().waitFor();
    await shot(page, '7-sample');
    expect(errors).toEqual([]);
  });
});
