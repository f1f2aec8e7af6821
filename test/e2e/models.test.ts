import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { writeTinySd } from '../../src-server/ai/diffusion/tiny/generate';
import { launchChromium, openPage, signUpAt } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';

// The Models area in Chromium against the built server: a URL install of the tiny model from a
// local HTTP server that holds the UNet half-sent until the test has seen the progress bar.

let server: AtelierProcess;
let browser: Browser;
let folder: string;
let files: http.Server;
let filesUrl: string;
const held: http.ServerResponse[] = [];
/** Served files that stall after this many bytes, once. */
const stall = new Map<string, number>();

function filesOf(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-models-e2e-'));
  const model = path.join(folder, 'tiny-sd1');
  await writeTinySd(model, { base: 'sd1' });
  const manifest = JSON.stringify({
    display_name: 'Tiny SD 1.5',
    files: filesOf(model).map((p) => {
      const bytes = fs.readFileSync(path.join(model, p));
      return { path: p, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    }),
  });
  files = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    if (rel === 'tiny-sd1/manifest.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(manifest);
    const file = path.join(folder, rel);
    if (!rel.startsWith('tiny-sd1/') || !fs.existsSync(file)) return void res.writeHead(404).end();
    const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = fs.readFileSync(file).subarray(from);
    res.writeHead(from ? 206 : 200, { 'content-length': body.length });
    const hold = stall.get(rel);
    if (hold === undefined) return void res.end(body);
    stall.delete(rel);
    res.write(body.subarray(0, hold));
    held.push(res);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  files?.closeAllConnections();
  await new Promise<void>((r) => (files ? files.close(() => r()) : r()));
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

describe('Models in the web UI', () => {
  it('installs the tiny model from a URL with a progress bar, lists it, and removes it', async () => {
    const { page, errors } = await openPage(browser);
    await signUpAt(page, server.url, { name: 'Ada Lovelace', email: `ada-${Date.now()}@example.com`, password: 'analytical engine 1843' });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(/\/app\/models$/);
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await page.getByTestId('providers').locator('[data-provider="cpu"]').waitFor();
    await page.getByText('No models yet.').waitFor();
    // The composing engines' models are listed too; Silero VAD ships with Atelier.
    await page.getByTestId('music-models').locator('[data-model="silero-vad"][data-available="true"]').waitFor();

    // A folder that is not there: the server's words, on the form.
    const folderForm = page.getByTestId('install-folder');
    await folderForm.getByLabel('Folder path').fill(path.join(folder, 'nowhere'));
    await folderForm.getByTestId('install-folder-submit').click();
    await folderForm.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();

    stall.set('tiny-sd1/unet/model.onnx', 10_000);
    const urlForm = page.getByTestId('install-url');
    await urlForm.getByLabel('URL').fill(`${filesUrl}/tiny-sd1/manifest.json`);
    await urlForm.getByLabel('Model id').fill('tiny-sd1');
    await urlForm.getByLabel('Type').selectOption('checkpoint');
    await urlForm.getByTestId('install-url-submit').click();

    // The UNet has sent its first 10 000 bytes and waits: the bar and the byte count show it.
    const install = page.getByTestId('install').filter({ hasText: 'tiny-sd1' });
    const bar = install.getByTestId('install-progress');
    await bar.waitFor();
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => install.getByTestId('install-bytes').textContent(), { timeout: 20_000 }).toMatch(/KB of \d+ KB/);
    await expect.poll(() => install.textContent(), { timeout: 20_000 }).toContain('Downloading unet/model.onnx');

    // The connection drops; the server resumes it with Range and installs the model.
    held.splice(0).forEach((res) => res.destroy());
    const row = page.locator('[data-testid="model"][data-model="tiny-sd1"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-available')).toBe('true');
    await expect.poll(() => row.textContent()).toMatch(/Tiny SD 1\.5.*SD 1\.x.*Ready/);
    await page.getByTestId('models-notice').filter({ hasText: 'Installed' }).waitFor();
    expect(await page.getByTestId('install').count()).toBe(0);
    // Leaving the screen and coming back, the banner is gone: it does not stay for ever.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Settings' }).click();
    await nav.getByRole('link', { name: 'Models' }).click();
    await row.waitFor();
    expect(await page.getByTestId('models-notice').count()).toBe(0);

    await row.getByTestId('remove-model').click();
    await row.getByTestId('confirm-remove').click();
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('models-notice').filter({ hasText: 'Removed' }).waitFor();
    await page.getByText('No models yet.').waitFor();
    expect(fs.existsSync(path.join(server.dataDir, 'models', 'diffusion', 'tiny-sd1'))).toBe(false);
    // The confirmation is news once: dismissed by hand, and gone after leaving the screen and coming back.
    await page.getByTestId('models-notice').getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.getByTestId('models-notice').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
