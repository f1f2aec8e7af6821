import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  canvasApp,
  canvasUser,
  errorOf,
  generated,
  pathOf,
  writeTinyModels,
  type CanvasTest,
  type CanvasUser,
  type TinyModels,
} from './helpers';
import { requests } from '../helpers/inject';

// The app and its AI worker run the tiny model for real: slow on a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let models: TinyModels;
let t: CanvasTest;
const { as } = requests(() => t.app);
let alice: CanvasUser;
let bob: CanvasUser;

beforeAll(async () => {
  models = await writeTinyModels();
  t = await canvasApp(models);
  alice = await canvasUser(t.app, 'Alice');
  bob = await canvasUser(t.app, 'Bob');
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(models.dir, { recursive: true, force: true });
});

async function rgbOf(url: string) {
  const res = await t.app.inject({ method: 'GET', url: pathOf(url) });
  expect(res.statusCode).toBe(200);
  return sharp(res.rawPayload).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

/** Whether two RGB images agree exactly on the columns [x0, x1) of every row (a is `wa` wide, placed at `dx` in b). */
function sameColumns(a: Buffer, wa: number, b: Buffer, wb: number, height: number, x0: number, x1: number, dx = 0) {
  for (let y = 0; y < height; y++)
    for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) if (a[(y * wa + x) * 3 + c] !== b[(y * wb + x + dx) * 3 + c]) return false;
  return true;
}

describe('POST /generate/outpaint', () => {
  it('extends a gallery image on the chosen side: the result is larger by the extension, the source untouched beyond the feather', async () => {
    const first = await generated(t, alice);
    const job = await generated(
      t,
      alice,
      { source_image: first.result.image_id, extend: { left: 16, right: 32 }, mask_feather: 8, prompt: 'more snow' },
      'outpaint',
    );
    expect(job.job_type).toBe('inpaint');
    const image = (await as(alice).get(`/api/v1/images/${job.result.image_id}`)).json().data;
    expect([image.width, image.height]).toEqual([64 + 16 + 32, 64]);
    expect(image.metadata).toMatchObject({
      kind: 'inpaint',
      prompt: 'more snow',
      source_image_id: first.result.image_id,
      outpaint: { left: 16, right: 32, top: 0, bottom: 0 },
      mask_feather: 8,
    });
    const before = await rgbOf(first.result.image_url);
    const after = await rgbOf(job.result.image_url);
    // 8 px of feather on each seam: columns 8..56 of the source are kept exactly, at 16 px from the left.
    expect(sameColumns(before.data, 64, after.data, 112, 64, 8, 56, 16)).toBe(true);
    // The new area is drawn, not the repeated edge it started from.
    expect(sameColumns(before.data, 64, after.data, 112, 64, 0, 8, 16)).toBe(false);
  });

  it('refuses an extension that grows nothing, is out of range or leaves the model’s sizes, in the canvas format', async () => {
    const first = await generated(t, alice);
    const post = (body: Record<string, unknown>, user = alice) =>
      as(user).post('/api/v1/generate/outpaint', { prompt: 'x', model: 'tiny-sd1', source_image: first.result.image_id, ...body });
    let res = await post({ extend: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'extend' }));
    // The tiny model makes 32–128 px: 64 + 72 is too wide, and the answer says what it would be.
    res = await post({ extend: { right: 72 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'extend', width: 136, height: 64, max: 128 } });
    expect(res.json().error.message).toMatch(/136×64/);
    for (const extend of [{ right: 12 }, { right: -8 }, { right: 2048 }, { middle: 8 }]) {
      res = await post({ extend });
      expect(res.statusCode, JSON.stringify(extend)).toBe(400);
      expect(res.json().error.code).toBe('INVALID_PARAMETERS');
    }
    res = await post({ extend: { right: 8 }, mask_feather: 500 });
    expect(res.json().error.code).toBe('INVALID_PARAMETERS');
    res = await post({});
    expect(res.json().error.code).toBe('INVALID_PARAMETERS');
    expect(res.json().error.message).toMatch(/extend/);
    res = await post({ extend: { right: 8 } }, bob);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });
});

describe('sources recorded and feathered inpainting', () => {
  it('records the gallery source of image-to-image and inpaint (not of an upload), and keeps pixels beyond the feather', async () => {
    const first = await generated(t, alice);
    const i2i = await generated(t, alice, { source_image: first.result.image_id, strength: 0.5 }, 'image-to-image');
    expect((await as(alice).get(`/api/v1/images/${i2i.result.image_id}`)).json().data.metadata.source_image_id).toBe(first.result.image_id);

    // The right half is masked; 8 px of feather reach into the left half.
    const mask = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
      .composite([{ input: { create: { width: 32, height: 64, channels: 3, background: '#fff' } }, left: 32, top: 0 }])
      .png()
      .toBuffer();
    const inpainted = await generated(
      t,
      alice,
      { source_image: first.result.image_id, mask_image: mask.toString('base64'), mask_feather: 8 },
      'inpaint',
    );
    const meta = (await as(alice).get(`/api/v1/images/${inpainted.result.image_id}`)).json().data.metadata;
    expect(meta).toMatchObject({ source_image_id: first.result.image_id, mask_feather: 8 });
    const before = await rgbOf(first.result.image_url);
    const after = await rgbOf(inpainted.result.image_url);
    expect(sameColumns(before.data, 64, after.data, 64, 64, 0, 24)).toBe(true);
    expect(sameColumns(before.data, 64, after.data, 64, 64, 40, 64)).toBe(false);

    const upload = await sharp(before.data, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const fromUpload = await generated(t, alice, { source_image: upload.toString('base64'), strength: 0.5 }, 'image-to-image');
    expect((await as(alice).get(`/api/v1/images/${fromUpload.result.image_id}`)).json().data.metadata).not.toHaveProperty(
      'source_image_id',
    );
  });
});
