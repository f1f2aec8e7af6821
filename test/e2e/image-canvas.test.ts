import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { writeTinySd, writeTinyUpscaler } from '../../src-server/ai/diffusion/tiny/generate';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';
import { apiGet, jobsFinished, openImageStudio, signUpInBrowser } from './helpers/image-studio';
import { audit } from './helpers/axe';

let server: AtelierProcess;
let browser: Browser;
let folder: string;

beforeAll(async () => {
  // The tiny random-weight SD 1.5 (native 64 px, sizes 32–128) and a tiny ×2 upscaler, installed through the catalog.
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-image-canvas-e2e-'));
  await writeTinySd(path.join(folder, 'tiny-sd1'), { base: 'sd1' });
  await writeTinyUpscaler(path.join(folder, 'tiny-x2'), { scale: 2 });
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
  const catalog = new ModelCatalog(server.dataDir, PLAN_ORDER);
  await catalog.installFromFolder(path.join(folder, 'tiny-sd1'), {
    id: 'tiny-sd1',
    type: 'checkpoint',
    meta: { display_name: 'Tiny SD 1.5' },
  });
  await catalog.installFromFolder(path.join(folder, 'tiny-x2'), { id: 'tiny-x2', type: 'upscaler', meta: { display_name: 'Tiny ×2' } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

/**
 * A new account on the Studio plan: Free allows 2 generations a minute and this walk makes four
 * (the plan is what a paying creator has; the walk is about the canvas, not the limits).
 */
async function signUpOnStudio(page: Page, name: string): Promise<void> {
  const email = await signUpInBrowser(page, server.url, name);
  const db = new Database(path.join(server.dataDir, 'atelier.db'));
  try {
    db.prepare("UPDATE users SET tier = 'studio' WHERE email = ?").run(email);
  } finally {
    db.close();
  }
}

/** How many pixels of the on-screen mask are painted. */
const paintedPixels = (page: Page) =>
  page.getByTestId('mask-canvas').evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  });

/** What axe found, screen by screen and theme by theme. */
const found: string[] = [];

/**
 * Audits what the page shows with axe in both themes, and with ATELIER_SHOTS set keeps a screenshot
 * of each.
 */
async function look(page: Page, name: string): Promise<void> {
  const dir = process.env.ATELIER_SHOTS;
  const theme = await page.evaluate(() => document.documentElement.getAttribute('data-theme'));
  for (const [t, suffix] of [
    [theme, ''],
    [theme === 'light' ? 'dark' : 'light', '-other-theme'],
  ] as const) {
    await page.evaluate(
      (t) => (t ? document.documentElement.setAttribute('data-theme', t) : document.documentElement.removeAttribute('data-theme')),
      t,
    );
    if (dir) await page.screenshot({ path: path.join(dir, `image-canvas-${name}${suffix}.png`) });
    found.push(...(await audit(page)).map((v) => `${name} (${t ?? 'dark'}): ${v}`));
  }
  await page.evaluate(
    (t) => (t ? document.documentElement.setAttribute('data-theme', t) : document.documentElement.removeAttribute('data-theme')),
    theme,
  );
}

describe('Image Studio around a canvas', () => {
  it('generates, opens the lightbox and steps through it, compares an upscale, drags into inpaint, paints and undoes, outpaints', async () => {
    const { page, errors } = await openPage(browser);
    await page.setViewportSize({ width: 1600, height: 1000 });
    await signUpOnStudio(page, 'Claude Monet');
    await openImageStudio(page);

    // Parameters on the left, the viewer in the middle, queue and gallery on the right.
    const form = page.getByRole('complementary', { name: 'Parameters' }).getByTestId('generate-panel');
    await expect.poll(() => form.getByLabel('Model').inputValue()).toBe('tiny-sd1');
    await page.getByRole('complementary', { name: 'Queue and gallery' }).getByTestId('gallery').waitFor();
    await page.getByTestId('viewer-empty').waitFor();
    const left = (await form.boundingBox())!;
    const middle = (await page.getByRole('region', { name: 'Viewer and canvas' }).boundingBox())!;
    const right = (await page.getByTestId('gallery').boundingBox())!;
    expect(left.x + left.width).toBeLessThanOrEqual(middle.x);
    expect(middle.x + middle.width).toBeLessThanOrEqual(right.x);

    // An aspect preset sets both sides within the model's bounds; 1:1 brings back 64 × 64.
    await form.getByRole('button', { name: '3:2' }).click();
    expect([
      await form.getByLabel('Width', { exact: true }).inputValue(),
      await form.getByLabel('Height', { exact: true }).inputValue(),
    ]).toEqual(['80', '56']);
    await form.getByRole('button', { name: '1:1' }).click();
    expect(await form.getByRole('button', { name: '1:1' }).getAttribute('aria-pressed')).toBe('true');
    await form.getByLabel('Prompt', { exact: true }).fill('water lilies at dawn');
    await form.getByLabel('Steps', { exact: true }).fill('4');
    await form.getByLabel('Sampler').selectOption('euler');
    await form.getByLabel('Seed', { exact: true }).fill('1899');
    await form.getByLabel('Batch size').fill('2');
    await look(page, 'layout-empty');

    const finishes = (jobs: number) => jobsFinished(page, jobs);
    await page.getByTestId('generate').click();
    await finishes(1);
    const tiles = page.getByTestId('gallery-image');
    await expect.poll(() => tiles.count()).toBe(2);
    // The prompt is in the history, to pick again later.
    await form.getByLabel('Prompt', { exact: true }).fill('');
    await form.getByLabel('Prompt history').selectOption({ label: 'water lilies at dawn' });
    expect(await form.getByLabel('Prompt', { exact: true }).inputValue()).toBe('water lilies at dawn');
    await look(page, 'layout-result');

    // The viewer's result (the batch's first, seed 1899: the older of the two, last in the gallery)
    // opens in the lightbox; ← steps to the newer image, + zooms, 0 fits.
    await page.getByTestId('job-result-image').click();
    const lightbox = page.getByTestId('lightbox');
    await lightbox.getByTestId('lightbox-image').waitFor();
    await expect.poll(() => lightbox.getByTestId('lightbox-position').textContent()).toMatch(/^2 of 2 · 64 × 64/);
    // The file shown, without its signature (each opening signs the URL anew).
    const shownFile = async () => (await lightbox.getByTestId('lightbox-image').getAttribute('src'))?.split('?')[0];
    const firstSrc = await shownFile();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => lightbox.getByTestId('lightbox-position').textContent()).toMatch(/^1 of 2/);
    await expect.poll(shownFile).not.toBe(firstSrc);
    // → is the next one, back where it started; the last has no next.
    await page.keyboard.press('ArrowRight');
    await expect.poll(shownFile).toBe(firstSrc);
    expect(await lightbox.getByRole('button', { name: 'Next image' }).isDisabled()).toBe(true);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => lightbox.getByTestId('lightbox-position').textContent()).toMatch(/^1 of 2/);
    const secondId = (await tiles.nth(0).getAttribute('data-id'))!;
    await page.keyboard.press('+');
    expect(await lightbox.getByTestId('lightbox-zoom').textContent()).toBe('125%');
    await page.keyboard.press('0');
    expect(await lightbox.getByTestId('lightbox-zoom').textContent()).toBe('100%');
    // A text-to-image result has nothing to compare with.
    expect(await lightbox.getByRole('button', { name: 'Compare' }).count()).toBe(0);
    await look(page, 'lightbox');
    await page.keyboard.press('Escape');
    await expect.poll(() => lightbox.evaluate((d: HTMLDialogElement) => d.open)).toBe(false);

    // Upscale the second image ×2 and compare it with its original, before and after.
    const detail = page.getByTestId('image-detail');
    await expect.poll(() => detail.getByTestId('meta-size').textContent()).toContain('64 × 64');
    expect(await page.evaluate(() => document.querySelector('[data-testid="image-detail"]') !== null)).toBe(true);
    await detail.getByTestId('upscale').getByRole('button', { name: 'Upscale', exact: true }).click();
    await finishes(2);
    await detail.getByRole('button', { name: 'Open the upscaled image' }).click();
    await expect.poll(() => detail.getByTestId('meta-size').textContent()).toContain('128 × 128');
    await detail.getByRole('button', { name: 'View larger' }).click();
    await lightbox.getByRole('button', { name: 'Compare' }).click();
    const before = lightbox.getByTestId('compare-before');
    await before.waitFor();
    await expect.poll(() => before.locator('img').evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(64);
    expect(await before.locator('img').getAttribute('src')).toContain(secondId);
    await lightbox.getByLabel('Compare position').fill('30');
    expect(await before.evaluate((el) => el.style.clipPath)).toBe('inset(0px 70% 0px 0px)');
    await look(page, 'compare');
    await page.keyboard.press('Escape');

    // Drag the first gallery image onto the Inpaint tab: the starting image, in the canvas.
    const sourceTile = tiles.filter({ hasNot: page.locator(`[data-id="${secondId}"]`) }).last();
    const sourceId = (await sourceTile.getAttribute('data-id'))!;
    await sourceTile.locator('.gallery-open').dragTo(form.getByRole('radio', { name: 'Inpaint' }));
    await expect.poll(() => form.getByRole('radio', { name: 'Inpaint' }).getAttribute('aria-checked')).toBe('true');
    expect(await form.getByTestId('source-picker').textContent()).toContain('From the gallery: water lilies at dawn');
    const canvas = page.getByTestId('inpaint-canvas');
    await canvas.waitFor();
    expect(await page.getByRole('tab', { name: 'Canvas' }).getAttribute('aria-selected')).toBe('true');

    // Paint a stroke: the brush outline follows the pointer; undo takes it away, redo brings it back.
    const stage = canvas.getByLabel(/Inpainting canvas/);
    const mask = page.getByTestId('mask-canvas');
    await expect.poll(async () => (await mask.boundingBox())?.width ?? 0).toBeGreaterThan(100);
    const box = (await mask.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.getByTestId('brush-outline').waitFor();
    expect((await page.getByTestId('brush-outline').boundingBox())!.width).toBeCloseTo(24, 0);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => paintedPixels(page)).toBeGreaterThan(100);
    await canvas.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => paintedPixels(page)).toBe(0);
    await stage.focus();
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => paintedPixels(page)).toBeGreaterThan(100);
    // The wheel zooms the canvas in around the pointer.
    const now = (await mask.boundingBox())!;
    await page.mouse.move(now.x + now.width / 2, now.y + now.height / 2);
    await page.mouse.wheel(0, -200);
    await expect.poll(() => canvas.getByTestId('canvas-zoom').textContent()).toBe('120%');
    await look(page, 'canvas');
    await canvas.getByRole('button', { name: 'Fit' }).click();

    // Inpaint with the stroke: the mask and its feather go to the server; the result links back.
    await form.getByLabel('Prompt', { exact: true }).fill('a red boat among the lilies');
    await form.getByLabel('Batch size').fill('1');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/generate/inpaint');
    await page.getByTestId('generate').click();
    const body = (await sent).postDataJSON() as { source_image: string; mask_image: string; mask_feather: number };
    expect(body.source_image).toBe(sourceId);
    expect(body.mask_feather).toBe(8);
    const { data: maskPixels, info } = await sharp(Buffer.from(body.mask_image.split(',')[1]!, 'base64'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    expect(maskPixels[32 * 64 + 32]).toBeGreaterThan(200);
    expect(maskPixels[2 * 64 + 60]).toBe(0);
    await finishes(3);

    // Outpaint the same starting image 32 px to the right: a new image, larger by the extension.
    await page.getByRole('tab', { name: 'Canvas' }).click();
    const outpaint = page.getByTestId('outpaint');
    await outpaint.getByLabel('Side').selectOption('right');
    await outpaint.getByLabel('Extend by').fill('32');
    await outpaint.getByRole('button', { name: 'Outpaint to 96 × 64' }).click();
    await finishes(4);
    const result = page.getByTestId('job-result-image');
    await expect
      .poll(() => result.evaluate((img: HTMLImageElement) => (img.complete ? [img.naturalWidth, img.naturalHeight] : null)))
      .toEqual([96, 64]);
    await expect.poll(() => tiles.count()).toBe(5);
    const outpainted = await apiGet(page, `/api/v1/images/${(await tiles.first().getAttribute('data-id'))!}`);
    expect([outpainted.width, outpainted.height]).toEqual([96, 64]);
    expect(outpainted.metadata).toMatchObject({ source_image_id: sourceId, outpaint: { left: 0, right: 32, top: 0, bottom: 0 } });
    // Its lightbox compares it with the original, placed where it sits in the larger picture.
    await result.click();
    await lightbox.getByRole('button', { name: 'Compare' }).click();
    await expect
      .poll(() =>
        lightbox
          .getByTestId('compare-before')
          .locator('img')
          .evaluate((img: HTMLImageElement) => [parseFloat(img.style.left), Math.round(parseFloat(img.style.width) * 100) / 100]),
      )
      .toEqual([0, 66.67]);
    await look(page, 'outpaint-compare');
    await page.keyboard.press('Escape');

    // Another gallery image dropped on the canvas replaces the one being painted, and its mask.
    await page.getByRole('tab', { name: 'Canvas' }).click();
    await page.locator(`[data-testid="gallery-image"][data-id="${secondId}"] .gallery-open`).dragTo(page.getByLabel(/Inpainting canvas/));
    await expect
      .poll(() => form.getByTestId('source-picker').getByRole('img', { name: 'Starting image' }).getAttribute('src'))
      .toContain(secondId);
    expect(await canvas.getByRole('button', { name: 'Undo' }).isDisabled()).toBe(true);

    // A file dropped from the desktop becomes the starting image too.
    const png = await sharp({ create: { width: 48, height: 48, channels: 3, background: '#3a6ea5' } })
      .png()
      .toBuffer();
    await form.getByTestId('source-picker').evaluate(
      (el, bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'pond.png', { type: 'image/png' }));
        for (const type of ['dragenter', 'dragover', 'drop'])
          el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [...png],
    );
    await expect.poll(() => form.getByTestId('source-picker').textContent()).toContain('pond.png (uploaded, 64×64)');

    expect(found).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 300_000);
});
