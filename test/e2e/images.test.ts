import fs from 'node:fs';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { writeTinyLora, writeTinySd, writeTinyUpscaler } from '../../src-server/ai/diffusion/tiny/generate';
import { withPngText } from '../../src-server/families/canvas/images/png-text';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';
import { apiGet, jobsFinished, openImageStudio, signUpInBrowser as signUp } from './helpers/image-studio';

let withModel: AtelierProcess;
let withoutModel: AtelierProcess;
let browser: Browser;
let folder: string;

beforeAll(async () => {
  // The tiny random-weight SD 1.5 (native 64 px) is written once, then installed into the first
  // server's data folder through the catalog, as test/canvas does; the catalog is read per request.
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-images-e2e-'));
  // A tiny SDXL goes in too: SDXL needs the Starter plan, so a new (Free) account sees it unavailable.
  const tiny = path.join(folder, 'tiny-sd1');
  const tinyXl = path.join(folder, 'tiny-sdxl');
  // And a tiny ×2 upscaler: a separate model type, so the checkpoint picker does not list it.
  const tinyX2 = path.join(folder, 'tiny-x2');
  await writeTinySd(tiny, { base: 'sd1' });
  await writeTinySd(tinyXl, { base: 'sdxl', sampleSize: 16 });
  await writeTinyUpscaler(tinyX2, { scale: 2 });
  const tinyLora = path.join(folder, 'tiny-lora.safetensors');
  writeTinyLora(tinyLora, { base: 'sd1', format: 'kohya' });
  [withModel, withoutModel, browser] = await Promise.all([startAtelier(), startAtelier(), launchChromium()]);
  const catalog = new ModelCatalog(withModel.dataDir, PLAN_ORDER);
  await catalog.installFromFolder(tiny, {
    id: 'tiny-sd1',
    type: 'checkpoint',
    meta: { display_name: 'Tiny SD 1.5', description: 'Random weights, for tests' },
  });
  await catalog.installFromFolder(tinyXl, { id: 'tiny-sdxl', type: 'checkpoint', meta: { display_name: 'Tiny SDXL' } });
  await catalog.installFromFolder(tinyX2, { id: 'tiny-x2', type: 'upscaler', meta: { display_name: 'Tiny ×2' } });
  await catalog.installFromFolder(tinyLora, {
    id: 'tiny-lora',
    type: 'lora',
    meta: { display_name: 'Tiny LoRA', license: 'CreativeML Open RAIL-M' },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await withModel?.stop();
  await withoutModel?.stop();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

describe('Image Studio in the web UI', () => {
  it('generates with the tiny model, shows progress and a step preview, then stars the image and files it on a board', async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, withModel.url, 'Claude Monet');
    await openImageStudio(page);
    await page.waitForURL(/\/app\/images$/);

    const form = page.getByTestId('generate-panel');
    await form.waitFor();
    await expect.poll(() => form.getByLabel('Model').inputValue()).toBe('tiny-sd1');
    const xl = form.getByLabel('Model').locator('option[value="tiny-sdxl"]');
    expect(await xl.isDisabled()).toBe(true);
    expect(await xl.textContent()).toContain('unavailable: needs the starter plan or above');
    await form.getByLabel('Prompt', { exact: true }).fill('water lilies at dawn');
    await form.getByLabel('Width', { exact: true }).fill('64');
    await form.getByLabel('Height', { exact: true }).fill('64');
    await form.getByLabel('Steps', { exact: true }).fill('8');
    await form.getByLabel('Sampler').selectOption('euler');
    await form.getByLabel('Seed', { exact: true }).fill('4242');

    // Every value the progress bar takes and whether a step preview was drawn, seen as the DOM
    // changes: the tiny model can finish between two polls.
    await page.evaluate(() => {
      const seen = { values: [] as number[], preview: false };
      (window as unknown as { __progress: typeof seen }).__progress = seen;
      const check = () => {
        const bar = document.querySelector('[data-testid="generation-progress"]');
        const value = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
        if (value !== null && seen.values[seen.values.length - 1] !== value) seen.values.push(value);
        const img = document.querySelector<HTMLImageElement>('[data-testid="step-preview"]');
        if (img?.src.startsWith('data:image/')) seen.preview = true;
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByTestId('generate').click();

    const status = page.getByTestId('job-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 120_000 }).toMatch(/completed|failed|cancelled/);
    expect(await status.getAttribute('data-status'), (await page.getByTestId('progress-panel').textContent()) ?? '').toBe('completed');
    const seen = await page.evaluate(() => (window as unknown as { __progress: { values: number[]; preview: boolean } }).__progress);
    expect(seen.values[0]).toBeLessThan(100);
    expect(seen.values.at(-1)).toBe(100);
    expect(seen.preview).toBe(true);
    // Finished: the big picture is the image itself, no longer the last rough step.
    const result = page.getByTestId('job-result-image');
    await expect.poll(() => result.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(64);
    expect(await page.getByTestId('step-preview').count()).toBe(0);
    expect((await result.boundingBox())!.width).toBeGreaterThan(200);
    await expect.poll(() => page.getByTestId('queue-item').first().getAttribute('data-status')).toBe('completed');

    // The image is in the gallery; its detail has every parameter.
    const tile = page.getByTestId('gallery-image');
    await expect.poll(() => tile.count()).toBe(1);
    const imageId = (await tile.getAttribute('data-id'))!;
    await tile.getByRole('button', { name: 'Open water lilies at dawn' }).click();
    const detail = page.getByTestId('image-detail');
    // The panel comes into view, and the filters beside it keep their size.
    await expect.poll(() => detail.evaluate((el) => el.getBoundingClientRect().top < window.innerHeight)).toBe(true);
    expect((await page.getByRole('button', { name: 'All images' }).boundingBox())!.height).toBeLessThan(60);
    await expect.poll(() => detail.getByTestId('meta-prompt').textContent()).toContain('water lilies at dawn');
    expect(await detail.getByTestId('meta-seed').textContent()).toContain('4242');
    expect(await detail.getByTestId('meta-steps').textContent()).toContain('8');
    expect(await detail.getByTestId('meta-sampler').textContent()).toContain('euler');
    expect(await detail.getByTestId('meta-model').textContent()).toContain('tiny-sd1');
    expect(await detail.getByTestId('meta-size').textContent()).toContain('64 × 64');
    expect(await detail.getByTestId('meta-engine').textContent()).toMatch(/ONNX Runtime · \w+ execution provider/);

    // "Use all" reads the image's own metadata back (POST /images/recall) into the form.
    await form.getByLabel('Prompt', { exact: true }).fill('something else');
    await form.getByLabel('Seed', { exact: true }).fill('-1');
    await form.getByLabel('Steps', { exact: true }).fill('20');
    await form.getByLabel('Sampler').selectOption('heun_karras');
    await detail.getByRole('button', { name: 'Use all' }).click();
    await expect.poll(() => form.getByLabel('Prompt', { exact: true }).inputValue()).toBe('water lilies at dawn');
    expect(await form.getByLabel('Seed', { exact: true }).inputValue()).toBe('4242');
    expect(await form.getByLabel('Steps', { exact: true }).inputValue()).toBe('8');
    expect(await form.getByLabel('Sampler').inputValue()).toBe('euler');
    expect(await form.getByLabel('Width', { exact: true }).inputValue()).toBe('64');

    // Star it; the star is the server's and survives a reload.
    await detail.getByTestId('detail-star').click();
    await expect.poll(() => tile.getByRole('button', { name: 'Star' }).getAttribute('aria-pressed')).toBe('true');
    await page.reload();
    await page.getByTestId('gallery').waitFor();
    await expect
      .poll(() => page.getByTestId('gallery-image').getByRole('button', { name: 'Star' }).getAttribute('aria-pressed'))
      .toBe('true');

    // Two boards; the image goes on one of them.
    const boards = page.getByRole('navigation', { name: 'Boards' });
    for (const name of ['Giverny', 'Empty']) {
      await boards.getByLabel('Board name').fill(name);
      await boards.getByRole('button', { name: 'Create board' }).click();
      await boards.getByRole('button', { name: new RegExp(`^${name}`) }).waitFor();
    }
    await page.getByTestId('gallery-image').getByRole('button', { name: 'Open water lilies at dawn' }).click();
    await detail.getByLabel('Add to board').selectOption({ label: 'Giverny' });
    await detail.getByRole('button', { name: 'Add', exact: true }).click();
    await detail.getByTestId('image-boards').getByText('Giverny').waitFor();

    // Filtering by board: the empty one shows nothing, Giverny shows the image.
    await boards.getByRole('button', { name: /^Empty/ }).click();
    await page.getByTestId('gallery').getByText('No images here yet.').waitFor();
    expect(await page.getByTestId('gallery-image').count()).toBe(0);
    await boards.getByRole('button', { name: /^Giverny/ }).click();
    await expect.poll(() => page.getByTestId('gallery-image').getAttribute('data-id')).toBe(imageId);
    expect(await boards.getByRole('button', { name: /^Giverny/ }).getAttribute('aria-pressed')).toBe('true');

    // Usage is read when opened: this month shows the one generation.
    await page.getByText('Usage this month').click();
    await expect
      .poll(() => page.getByTestId('usage-chart').locator('title').allTextContents())
      .toContainEqual(expect.stringMatching(/1 generation, 1 image\b/));

    expect(errors).toEqual([]);
    await page.context().close();
  }, 240_000);

  it("recalls an A1111 PNG's settings into the form: prompt, seed, size, sampler, steps, CFG, model and LoRA, with its licence", async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, withModel.url, 'Berthe Morisot');
    await openImageStudio(page);
    const form = page.getByTestId('generate-panel');
    await expect.poll(() => form.getByLabel('Model').inputValue()).toBe('tiny-sd1');
    const png = withPngText(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#6080a0' } })
        .png()
        .toBuffer(),
      {
        parameters:
          'a cradle by the window <lora:tiny-lora:0.6>\nNegative prompt: dark\n' +
          'Steps: 14, Sampler: DPM++ SDE, Schedule type: Karras, CFG scale: 5.5, Seed: 1872, Size: 96x64, Model: tiny-sd1, Model hash: 0ab1',
      },
    );
    await form.getByLabel('Recall settings from a PNG').setInputFiles({ name: 'cradle.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => form.getByLabel('Prompt', { exact: true }).inputValue()).toBe('a cradle by the window');
    expect(await form.getByLabel('Negative prompt').inputValue()).toBe('dark');
    expect(await form.getByLabel('Seed', { exact: true }).inputValue()).toBe('1872');
    expect(await form.getByLabel('Steps', { exact: true }).inputValue()).toBe('14');
    expect(await form.getByLabel('CFG scale').inputValue()).toBe('5.5');
    expect(await form.getByLabel('Sampler').inputValue()).toBe('dpmpp_sde_karras');
    expect(await form.getByLabel('Width', { exact: true }).inputValue()).toBe('96');
    expect(await form.getByLabel('Height', { exact: true }).inputValue()).toBe('64');
    expect(await form.getByLabel('Model').inputValue()).toBe('tiny-sd1');
    expect(await form.getByLabel('Weight of tiny-lora').inputValue()).toBe('0.6');
    expect(await form.getByTestId('model-extras').textContent()).toContain('Licence — Tiny LoRA: CreativeML Open RAIL-M');
    await form.getByTestId('recall-upload').getByText('The form now holds the settings of cradle.png (A1111 metadata).').waitFor();

    // A PNG without settings says so.
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await form.getByLabel('Recall settings from a PNG').setInputFiles({ name: 'plain.png', mimeType: 'image/png', buffer: plain });
    await form
      .getByTestId('recall-upload')
      .getByText(/records no generation settings/)
      .waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('inpaints a gallery image over a mask painted with the mouse, then upscales the result ×2', async () => {
    // A new account: its own 30 canvas requests a minute. This test makes about 21 (opening the
    // area 5, each generation 4, each opened image 1, one refused upscale 1).
    const { page, errors } = await openPage(browser);
    await signUp(page, withModel.url, 'Camille Pissarro');
    await openImageStudio(page);
    const form = page.getByTestId('generate-panel');
    await form.waitFor();
    await expect.poll(() => form.getByLabel('Model').inputValue()).toBe('tiny-sd1');
    await form.getByLabel('Prompt', { exact: true }).fill('haystacks at noon');
    await form.getByLabel('Width', { exact: true }).fill('64');
    await form.getByLabel('Height', { exact: true }).fill('64');
    await form.getByLabel('Steps', { exact: true }).fill('4');
    await form.getByLabel('Sampler').selectOption('euler');
    await form.getByLabel('Seed', { exact: true }).fill('1897');

    const queueItems = page.getByTestId('queue-item');
    const finishes = (jobs: number) => jobsFinished(page, jobs);

    await page.getByTestId('generate').click();
    await expect.poll(() => queueItems.count()).toBe(1);
    await finishes(1);
    const tiles = page.getByTestId('gallery-image');
    await expect.poll(() => tiles.count()).toBe(1);
    const sourceId = (await tiles.getAttribute('data-id'))!;

    // The image becomes the starting image of inpainting.
    await tiles.getByRole('button', { name: 'Open haystacks at noon' }).click();
    const detail = page.getByTestId('image-detail');
    await expect.poll(() => detail.getByTestId('meta-prompt').textContent()).toContain('haystacks at noon');
    expect(await detail.getByTestId('meta-strength').count()).toBe(0);
    expect(await detail.getByTestId('meta-made-by').textContent()).toBe('Made byText to image');
    await detail.getByRole('button', { name: 'Use as source' }).click();
    await form.getByRole('radio', { name: 'Inpaint' }).click();
    expect(await form.getByRole('radio', { name: 'Inpaint' }).getAttribute('aria-checked')).toBe('true');
    const picker = form.getByTestId('source-picker');
    await picker.getByRole('img', { name: 'Starting image' }).waitFor();
    expect(await picker.textContent()).toContain('From the gallery: haystacks at noon');
    await expect.poll(() => form.getByRole('slider', { name: 'Strength' }).inputValue()).toBe('1');
    await form.getByLabel('Prompt', { exact: true }).fill('a red cart among the haystacks');

    // Nothing painted yet: the form says so without asking the server.
    await page.getByTestId('generate').click();
    await form.getByRole('alert').getByText('Paint over the part of the image to redraw first, on the canvas.').waitFor();

    // A diagonal stroke across the middle of the mask on the canvas, with the mouse.
    const canvas = page.getByTestId('mask-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.25);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.75, { steps: 8 });
    await page.mouse.up();

    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/generate/inpaint');
    await page.getByTestId('generate').click();
    const body = (await sent).postDataJSON() as { source_image: string; mask_image: string; strength: number; prompt: string };
    expect(body.source_image).toBe(sourceId);
    expect(body.strength).toBe(1);
    expect(body.prompt).toBe('a red cart among the haystacks');
    // The mask is the stroke in white on black, at the source's size.
    expect(body.mask_image).toMatch(/^data:image\/png;base64,/);
    const { data: mask, info } = await sharp(Buffer.from(body.mask_image.split(',')[1]!, 'base64'))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    const at = (x: number, y: number) => mask[y * info.width + x]!;
    expect(at(32, 32)).toBeGreaterThan(200);
    expect([at(0, 0), at(63, 0), at(0, 63), at(63, 63), at(48, 16), at(16, 48)]).toEqual([0, 0, 0, 0, 0, 0]);

    await finishes(2);
    expect(await queueItems.first().textContent()).toContain('Inpaint: a red cart among the haystacks');
    await expect.poll(() => tiles.count()).toBe(2);
    const inpainted = tiles.filter({ has: page.getByRole('button', { name: 'Open a red cart among the haystacks' }) });
    const inpaintedId = (await inpainted.getAttribute('data-id'))!;
    expect(inpaintedId).not.toBe(sourceId);
    await inpainted.getByRole('button', { name: 'Open a red cart among the haystacks' }).click();
    await expect.poll(() => detail.getByTestId('meta-prompt').textContent()).toContain('a red cart among the haystacks');
    expect(await detail.getByTestId('meta-made-by').textContent()).toBe('Made byInpaint');
    expect(await detail.getByTestId('meta-strength').textContent()).toBe('Strength1');
    expect(await detail.getByTestId('meta-size').textContent()).toContain('64 × 64');

    // Upscale it ×2 with the tiny upscaler.
    const upscale = detail.getByTestId('upscale');
    expect(await upscale.getByLabel('Upscaler', { exact: true }).inputValue()).toBe('tiny-x2');
    expect(await upscale.getByLabel('Scale', { exact: true }).inputValue()).toBe('2');
    const upscaleButton = upscale.getByRole('button', { name: 'Upscale', exact: true });
    await upscaleButton.click();
    const queuedNote = upscale.getByTestId('upscale-status');
    const refusal = upscale.getByRole('alert');
    await queuedNote.or(refusal).waitFor();
    if (await refusal.isVisible()) {
      // The Free plan's 2 generations a minute: a third within a minute of the first is refused,
      // with the reason. Once that minute is over, the same click goes through.
      // The refusal says how long until the oldest of them leaves the minute; waiting that out is what a person does.
      const said = /^The Free plan allows 2 generations a minute; try again in (\d+) s$/.exec((await refusal.textContent()) ?? '');
      expect(said).not.toBeNull();
      await page.waitForTimeout(Number(said![1]) * 1000 + 500);
      await upscaleButton.click();
      await queuedNote.waitFor();
      expect(await refusal.count()).toBe(0);
    }
    // The upscaler's name is not cut short.
    expect(
      await upscale.getByLabel('Upscaler', { exact: true }).evaluate((el: HTMLSelectElement) => {
        const text = el.selectedOptions[0]!.textContent ?? '';
        const ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = getComputedStyle(el).font;
        return el.clientWidth - 32 >= ctx.measureText(text).width;
      }),
    ).toBe(true);
    await finishes(3);
    // The status follows the job to its end, with the way to the result.
    await upscale.getByTestId('upscale-status').getByText('Upscaled.').waitFor();
    expect(await upscale.getByTestId('upscale-status').textContent()).not.toContain('position');
    expect(await queueItems.first().textContent()).toContain('Upscale ×2');
    await expect.poll(() => tiles.count()).toBe(3);
    const upscaled = tiles.first();
    const upscaledId = (await upscaled.getAttribute('data-id'))!;
    expect([sourceId, inpaintedId]).not.toContain(upscaledId);
    expect([await upscaled.locator('img').getAttribute('width'), await upscaled.locator('img').getAttribute('height')]).toEqual([
      '128',
      '128',
    ]);
    // Named by the prompt it carried over from its source, no longer "image".
    const inpaintedPrompt = (await apiGet(page, `/api/v1/images/${inpaintedId}`)).metadata.prompt as string;
    await upscaled.getByRole('button', { name: `Open ${inpaintedPrompt}`, exact: true }).click();
    await expect.poll(() => detail.getByTestId('meta-upscaled').textContent()).toBe('Upscaled×2');
    expect(await detail.getByTestId('meta-size').textContent()).toContain('128 × 128');
    expect(await detail.getByTestId('meta-model').textContent()).toContain('tiny-x2');
    // It keeps the prompt of the image it was made from, and links back to it.
    expect(await detail.getByTestId('meta-prompt').textContent()).toBe(`Prompt${inpaintedPrompt}`);
    await detail.getByTestId('upscale-source').click();
    await expect.poll(() => detail.getByTestId('meta-size').textContent()).toContain('64 × 64');
    await upscaled.getByRole('button', { name: `Open ${inpaintedPrompt}`, exact: true }).click();
    await expect.poll(() => detail.getByTestId('meta-size').textContent()).toContain('128 × 128');
    const full = detail.locator('.detail-full img');
    await expect
      .poll(() => full.evaluate((img: HTMLImageElement) => (img.complete ? [img.naturalWidth, img.naturalHeight] : null)))
      .toEqual([128, 128]);
    if (process.env.ATELIER_SHOTS) {
      for (const [width, height] of [
        [1440, 900],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.screenshot({ path: path.join(process.env.ATELIER_SHOTS, `images-${width}.png`), fullPage: true });
      }
    }

    expect(errors).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('says when no image model is installed and links to its catalog entry on Models', async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, withoutModel.url, 'Berthe Morisot');
    await openImageStudio(page);
    const notice = page.getByTestId('no-models');
    await notice.getByText('No image model is installed').waitFor();
    expect(await page.getByTestId('generate-panel').count()).toBe(0);
    await notice.getByRole('link', { name: 'Install SD-Turbo' }).click();
    await page.waitForURL(/\/app\/models\?entry=sd-turbo$/);
    await page.locator('.catalog-entry-highlighted[data-entry="sd-turbo"]').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
