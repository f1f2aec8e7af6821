import fs from 'node:fs';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { canvasCreditAccounts, canvasImages, users } from '../../src-server/db/schema';
import { readPngText } from '../../src-server/families/canvas/images/png-text';
import type { JobSnapshot } from '../../src-server/jobs/queue';
import { errorOf, generated, pathOf, settled, txt2img, type CanvasTest, type CanvasUser, canvasFixture } from './helpers';

let t: CanvasTest;
let alice: CanvasUser;
let bob: CanvasUser;
const { as } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c));

const post = (user: CanvasUser | null, route: string, body: unknown) => as(user).post(`/api/v1/generate/${route}`, body);

async function pngOf(url: string): Promise<Buffer> {
  const res = await t.app.inject({ method: 'GET', url: pathOf(url) });
  expect(res.statusCode).toBe(200);
  return res.rawPayload;
}

describe('POST /generate/text-to-image', () => {
  it('queues a job, runs the tiny model and saves a PNG with its parameters inside', async () => {
    const updates: JobSnapshot[] = [];
    t.app.jobs.on('update', (j) => updates.push(j));
    const res = await post(alice, 'text-to-image', {
      ...txt2img,
      negative_prompt: 'blurry',
      cfg_scale: 6,
      sampler: 'DPM++ 2M Karras',
      width: 64,
      height: 48,
    });
    expect(res.statusCode, res.body).toBe(202);
    const accepted = res.json().data;
    expect(accepted).toEqual({
      job_id: expect.any(String),
      status: 'queued',
      queue_position: 1,
      estimated_wait_seconds: expect.any(Number),
      estimated_credits: 1,
      websocket_channel: `user:${alice.id}`,
      model: 'tiny-sd1',
    });
    const job = await settled(t.app, accepted.job_id);
    expect(job.status, job.error ?? '').toBe('completed');

    // Progress with a step preview reached the owner's job:update stream.
    const progress = updates.filter((u) => u.id === accepted.job_id && u.status === 'processing' && u.preview);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.preview).toMatch(/^data:image\/png;base64,/);

    const detail = (await as(alice).get(`/api/v1/queue/items/${accepted.job_id}`)).json().data;
    expect(detail).toMatchObject({
      status: 'completed',
      job_type: 'text_to_image',
      progress: 100,
      params: { prompt: txt2img.prompt, model: 'tiny-sd1', seed: 1234 },
    });
    expect(detail.credits_used).toBeGreaterThanOrEqual(1);
    const png = await pngOf(detail.result.image_url);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    const text = readPngText(png);
    // A1111's labels, so A1111-compatible tools read the sampler; InvokeAI's own metadata beside it.
    expect(text.parameters).toContain(
      'a red fox in the snow\nNegative prompt: blurry\nSteps: 3, Sampler: DPM++ 2M Karras, CFG scale: 6, Seed: 1234, Size: 64x48, Model: tiny-sd1',
    );
    expect(JSON.parse(text.invokeai_metadata!)).toMatchObject({
      generation_mode: 'txt2img',
      positive_prompt: 'a red fox in the snow',
      negative_prompt: 'blurry',
      width: 64,
      height: 48,
      seed: 1234,
      cfg_scale: 6,
      steps: 3,
      scheduler: 'dpmpp_2m_k',
      model: { name: 'tiny-sd1', base: 'sd-1', type: 'main' },
    });
    expect(JSON.parse(text.atelier!)).toMatchObject({ prompt: txt2img.prompt, seed: 1234, steps: 3, model: 'tiny-sd1' });

    const image = (await as(alice).get(`/api/v1/images/${detail.result.image_id}`)).json().data;
    expect(image).toMatchObject({
      width: 64,
      height: 48,
      mime_type: 'image/png',
      file_size: png.length,
      generation_job_id: accepted.job_id,
      metadata: { seed: 1234, sampler: 'dpmpp_2m_karras', cfg_scale: 6, negative_prompt: 'blurry' },
    });

    // Charged its compute time, and nothing is held any more.
    const credits = (await as(alice).get('/api/v1/users/me/credits')).json().data;
    expect(credits.reserved).toBe(0);
    expect(credits.balance).toBe(500 - detail.credits_used);
    expect(credits.transactions[0]).toMatchObject({ type: 'generation_use', amount: -detail.credits_used, balance_after: credits.balance });
  });

  it('makes a batch with consecutive seeds, the same seed giving the same image, and saves it to a board', async () => {
    const board = (await as(alice).post('/api/v1/boards', { name: 'Foxes' })).json().data;
    const detail = await generated(t, alice, { batch_size: 2, save_to_board: board.id });
    expect(detail.result.images.map((i: { seed: number }) => i.seed)).toEqual([1234, 1235]);
    const again = await generated(t, alice, { seed: 1235 });
    const [a, b] = await Promise.all([pngOf(detail.result.images[1].image_url), pngOf(again.result.image_url)]);
    const raw = (png: Buffer) => sharp(png).raw().toBuffer();
    expect((await raw(a)).equals(await raw(b))).toBe(true);
    const onBoard = (await as(alice).get(`/api/v1/images?board_id=${board.id}`)).json();
    expect(onBoard.meta.total).toBe(2);
  });

  it('answers INVALID_PARAMETERS for sizes the model cannot make and settings out of range', async () => {
    const bad = async (body: Record<string, unknown>, details?: unknown) => {
      const res = await post(alice, 'text-to-image', { ...txt2img, ...body });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', details));
      return res.json().error.message as string;
    };
    expect(await bad({ width: 65 })).toMatch(/width.*multiple of 8/);
    // The tiny SD 1 model is native 64 px: 32 to 128.
    expect(await bad({ width: 256 }, { field: 'width', min: 32, max: 128, multiple_of: 8 })).toMatch(/from 32 to 128 for this sd-1 model/);
    expect(await bad({ height: 24 }, { field: 'height', min: 32, max: 128, multiple_of: 8 })).toBeTruthy();
    expect(await bad({ loras: [{ name: 'tiny-lora-xl', weight: 0.8 }] }, { field: 'loras[0].name' })).toMatch(
      /LoRA "tiny-lora-xl" is for sdxl/,
    );
    expect(
      await bad(
        { controlnet: { model: 'tiny-canny', image: 'abc', low_threshold: 200, high_threshold: 100 } },
        { field: 'controlnet.low_threshold' },
      ),
    ).toMatch(/low_threshold/);
    expect(await bad({ steps: 0 })).toMatch(/steps/);
    // JSON keeps its types: a number in quotes is refused, not read as the number.
    expect(await bad({ steps: '20' })).toMatch(/steps/);
    expect(await bad({ sampler: 'kdpm_2' })).toMatch(/sampler/);
    expect(await bad({ prompt: '   ' })).toMatch(/prompt/);
    // A field the spec does not have (A1111's hires_fix) is ignored, as the seed's Pydantic did: the problem named is the width.
    expect(await bad({ hires_fix: true, width: 65 })).toMatch(/width.*multiple of 8/);
    await bad({ model: 'tiny-x2' }, { field: 'model' });
    // An empty LoRA list asks for nothing.
    expect((await post(alice, 'text-to-image', { ...txt2img, loras: [] })).statusCode).toBe(202);
  });

  it('answers MODEL_NOT_FOUND, MODEL_NOT_AVAILABLE, NOT_FOUND/FORBIDDEN for boards, and 401 without a token', async () => {
    let res = await post(alice, 'text-to-image', { ...txt2img, model: 'stable-diffusion-xl' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorOf('MODEL_NOT_FOUND', { model: 'stable-diffusion-xl' }));
    res = await post(alice, 'text-to-image', { ...txt2img, model: 'tiny-sdxl' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('MODEL_NOT_AVAILABLE', { model: 'tiny-sdxl', min_tier: 'starter', tier: 'free' }));
    // On the Starter plan the same request runs.
    t.app.db.update(users).set({ tier: 'starter' }).where(eq(users.id, alice.id)).run();
    res = await post(alice, 'text-to-image', { ...txt2img, model: 'tiny-sdxl', width: 128, height: 128 });
    expect(res.statusCode, res.body).toBe(202);
    expect((await settled(t.app, res.json().data.job_id)).status).toBe('completed');

    const bobsBoard = (await as(bob).post('/api/v1/boards', { name: 'Mine' })).json().data;
    res = await post(bob, 'text-to-image', { ...txt2img, save_to_board: '00000000-0000-4000-8000-000000000000' });
    expect(res.statusCode).toBe(404);
    res = await post(alice, 'text-to-image', { ...txt2img, save_to_board: bobsBoard.id });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual(errorOf('FORBIDDEN'));
    res = await post(null, 'text-to-image', txt2img);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(errorOf('UNAUTHORIZED'));
  });

  it('refuses with INSUFFICIENT_CREDITS when the estimate exceeds what is available', async () => {
    await as(alice).get('/api/v1/users/me/credits');
    t.app.db.update(canvasCreditAccounts).set({ balance: 0 }).where(eq(canvasCreditAccounts.userId, alice.id)).run();
    const res = await post(alice, 'text-to-image', txt2img);
    expect(res.statusCode).toBe(402);
    expect(res.json()).toEqual(errorOf('INSUFFICIENT_CREDITS', { required: 1, available: 0 }));
    expect(t.app.jobs.count({ ownerId: alice.id })).toBe(0);
  });

  it("refuses with QUOTA_EXCEEDED past the plan's queue_count, QUEUE_FULL past 100 waiting jobs, RATE_LIMITED past its generations a minute", async () => {
    const hold = t.holdGpu();
    const first = await post(alice, 'text-to-image', txt2img);
    expect(first.statusCode).toBe(202);
    expect(first.json().data.queue_position).toBe(1);
    let res = await post(alice, 'text-to-image', txt2img);
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual(errorOf('QUOTA_EXCEEDED', { queue_count: 1, active: 1 }));
    // Bob has his own quota: his job waits behind Alice's.
    res = await post(bob, 'text-to-image', txt2img);
    expect(res.json().data.queue_position).toBe(2);
    await as(bob).delete(`/api/v1/queue/items/${res.json().data.job_id}`);

    // Free: 2 generations a minute (cancelled ones count: they were started).
    await as(alice).delete(`/api/v1/queue/items/${first.json().data.job_id}`);
    const second = await post(alice, 'text-to-image', txt2img);
    expect(second.statusCode).toBe(202);
    await as(alice).delete(`/api/v1/queue/items/${second.json().data.job_id}`);
    res = await post(alice, 'text-to-image', txt2img);
    expect(res.statusCode).toBe(429);
    // A sliding minute: the first start ages out of it 60 s after it was made. The test clock runs
    // with the real one, so a loaded machine may have spent a second since then.
    expect(res.json()).toEqual(errorOf('RATE_LIMITED', { limit: 2, window_seconds: 60, retry_after: expect.any(Number) }));
    const wait = res.json().error.details.retry_after as number;
    expect(wait === 60 || wait === 59, String(wait)).toBe(true);
    t.clock.advance(45_000);
    expect((await post(alice, 'text-to-image', txt2img)).json().error.details.retry_after).toBe(wait - 45);
    t.clock.advance(16_000);

    for (let i = 0; i < 100; i++) t.app.jobs.enqueue({ kind: 'test.hold-gpu', payload: {} });
    res = await post(alice, 'text-to-image', txt2img);
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual(errorOf('QUEUE_FULL', { queued: 100, max: 100 }));
    hold.release();
  });

  it('refuses with STORAGE_EXCEEDED once the images fill the plan', async () => {
    const detail = await generated(t, alice);
    t.app.db
      .update(canvasImages)
      .set({ fileSize: 5 * 1024 ** 3 })
      .where(eq(canvasImages.id, detail.result.image_id))
      .run();
    const res = await post(alice, 'text-to-image', txt2img);
    expect(res.statusCode).toBe(402);
    expect(res.json().error.code).toBe('STORAGE_EXCEEDED');
  });
});

describe('POST /generate/image-to-image, /inpaint, /upscale', () => {
  it("redraws a gallery image or a base64 upload, scaled into the model's bounds", async () => {
    const first = await generated(t, alice);
    const byId = await generated(t, alice, { source_image: first.result.image_id, strength: 0.5 }, 'image-to-image');
    expect(byId).toMatchObject({ job_type: 'image_to_image', params: { source_image: first.result.image_id, strength: 0.5 } });
    // A real photo is far longer than the 10,000-character cap on text fields, which images are exempt from.
    const noisy = await sharp(Buffer.from(Array.from({ length: 200 * 100 * 3 }, () => Math.floor(Math.random() * 256))), {
      raw: { width: 200, height: 100, channels: 3 },
    })
      .png()
      .toBuffer();
    const b64 = noisy.toString('base64');
    expect(b64.length).toBeGreaterThan(10_000);
    const fromUpload = await generated(t, alice, { source_image: `data:image/png;base64,${b64}` }, 'image-to-image');
    const image = (await as(alice).get(`/api/v1/images/${fromUpload.result.image_id}`)).json().data;
    // 200×100 scaled so its long side is the native 64: 64×32.
    expect([image.width, image.height]).toEqual([64, 32]);
    expect(image.metadata.strength).toBe(0.75);
    // The job's inputs are gone once it ended.
    expect(
      fs.existsSync(`${t.dataDir}/files/canvas/${alice.id}/inputs`) ? fs.readdirSync(`${t.dataDir}/files/canvas/${alice.id}/inputs`) : [],
    ).toEqual([]);
  });

  it('inpaints with a base64 mask and upscales ×2 with the installed upscaler', async () => {
    const first = await generated(t, alice);
    const mask = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
      .composite([
        {
          input: await sharp({ create: { width: 32, height: 32, channels: 3, background: '#fff' } })
            .png()
            .toBuffer(),
          left: 16,
          top: 16,
        },
      ])
      .png()
      .toBuffer();
    const inpainted = await generated(t, alice, { source_image: first.result.image_id, mask_image: mask.toString('base64') }, 'inpaint');
    expect(inpainted.job_type).toBe('inpaint');
    const up = await generated(t, alice, { image: first.result.image_id, scale: 2 }, 'upscale');
    expect(up.job_type).toBe('upscale');
    const meta = await sharp(await pngOf(up.result.image_url)).metadata();
    expect([meta.width, meta.height]).toEqual([128, 128]);
    // The upscaled copy says what it depicts and which image it was made from.
    const source = (await as(alice).get(`/api/v1/images/${first.result.image_id}`)).json().data;
    const upscaled = (await as(alice).get(`/api/v1/images/${up.result.image_id}`)).json().data;
    expect(upscaled.metadata).toMatchObject({ kind: 'upscale', prompt: source.metadata.prompt, source_image_id: first.result.image_id });
    expect(source.metadata.prompt).not.toBe('');
  });

  it('answers INVALID_PARAMETERS for unreadable images, NOT_FOUND/FORBIDDEN for image ids that are not yours', async () => {
    let res = await post(alice, 'image-to-image', { prompt: 'x', model: 'tiny-sd1', source_image: 'not base64!' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'source_image' }));
    res = await post(alice, 'image-to-image', {
      prompt: 'x',
      model: 'tiny-sd1',
      source_image: Buffer.from('plain text, not an image').toString('base64'),
    });
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS', { field: 'source_image' }));
    res = await post(alice, 'image-to-image', { prompt: 'x', model: 'tiny-sd1' });
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS'));
    expect(res.json().error.message).toMatch(/source_image/);
    res = await post(alice, 'upscale', { image: '00000000-0000-4000-8000-000000000000' });
    expect(res.statusCode).toBe(404);
    const bobs = await generated(t, bob);
    res = await post(alice, 'inpaint', {
      prompt: 'x',
      model: 'tiny-sd1',
      source_image: bobs.result.image_id,
      mask_image: bobs.result.image_id,
    });
    expect(res.statusCode).toBe(403);
    res = await post(alice, 'upscale', { image: bobs.result.image_id, scale: 3 });
    expect(res.json()).toEqual(errorOf('INVALID_PARAMETERS'));
    res = await post(alice, 'upscale', { image: bobs.result.image_id, model: 'real-esrgan' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('MODEL_NOT_FOUND');
  });
});

async function rgbOf(url: string) {
  return sharp(await pngOf(url))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
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
