import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { writeTinySd } from '../../src-server/ai/diffusion/tiny/generate';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { StudioPainter } from '../../src-server/families/promo/video/scene-painter';
import { locateFfmpeg, probeMedia } from '../../src-server/media/ffmpeg';
import { PROMO_FFMPEG_NEEDS } from '../../src-server/media/promo-video';
import { EXECUTION_PROVIDERS } from '../../src-shared/ai';
import { makeTestApp, type TestApp } from '../helpers/app';
import { joinPromo, type PromoUser } from './helpers';
import { allowTestSite, startSite, type TestSite } from './site';

// The scene painter on the Image Studio's real engine: a tiny random-weight SD 1.5 (the layout of
// a real ONNX export) installed through the catalog into the app's data folder, run by the AI pool.
let models: string;
let t: TestApp;
let site: TestSite;
let me: PromoUser;

beforeAll(async () => {
  models = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-promo-models-'));
  await writeTinySd(path.join(models, 'sd1'), { base: 'sd1' });
  site = await startSite({ pictures: 'one' });
  t = await makeTestApp(
    {},
    {
      setup: async (app) => {
        await new ModelCatalog(app.config.dataDir, PLAN_ORDER).installFromFolder(path.join(models, 'sd1'), {
          id: 'tiny-sd1',
          type: 'checkpoint',
        });
      },
    },
  );
  t.app.promo.crawl.allow = allowTestSite;
  Object.assign(t.app.promo.render, { sizeDivisor: 6, fps: 10, form: 'short' });
  me = await joinPromo(t.app);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await site?.close();
  fs.rmSync(models, { recursive: true, force: true });
});

const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, ...me.as });

const videoFfmpeg = await locateFfmpeg(PROMO_FFMPEG_NEEDS);
if (!videoFfmpeg) console.warn(`promo: no ffmpeg with ${PROMO_FFMPEG_NEEDS.join(', ')} here; the painted-pictures video test is skipped`);

describe("the promo scene painter on the Image Studio's engine", () => {
  it('paints a scene big enough for the frame with the installed checkpoint, and says on what', async () => {
    const painter = new StudioPainter(t.app.ai, t.app.config.dataDir, 'free', 720);
    expect(painter.available()).toBe(true);
    const scene = await painter.paint('a cosy cafe interior with warm light', 7, new AbortController().signal);
    expect(scene).toMatchObject({ model: 'tiny-sd1', steps: 20 });
    expect(EXECUTION_PROVIDERS).toContain(scene.provider);
    const meta = await sharp(scene.jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.min(meta.width!, meta.height!)).toBeGreaterThanOrEqual(720);
    // A decoded latent, not a flat fill: the pixels vary.
    const stats = await sharp(scene.jpeg).stats();
    expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(1);
    // Seeded: the same scene and seed paint the same picture; another seed paints another.
    const again = await painter.paint('a cosy cafe interior with warm light', 7, new AbortController().signal);
    expect(again.jpeg.equals(scene.jpeg)).toBe(true);
    const other = await painter.paint('a cosy cafe interior with warm light', 8, new AbortController().signal);
    expect(other.jpeg.equals(scene.jpeg)).toBe(false);
  }, 120_000);

  it('is not available with no checkpoint installed', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-promo-empty-'));
    try {
      expect(new StudioPainter(t.app.ai, empty, 'free', 720).available()).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(!videoFfmpeg)(
    'fills a one-picture site up to three with painted scenes and finishes the video',
    async () => {
      const start = await post('/moviemaker/start-workflow', { url: `${site.origin}/`, aspect_ratio: '16:9', seed: 21 });
      expect(start.statusCode).toBe(200);
      const taskId = start.json().task_id as string;
      let state: Record<string, unknown> = {};
      for (let i = 0; i < 1200; i++) {
        state = (await post('/moviemaker/progress', { task_id: taskId })).json();
        if (state.status !== 'queued' && state.status !== 'processing') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(state).toMatchObject({ status: 'completed', error: null });

      // The site's one picture first, then two scenes of a cafe from the engine, kept as the business's.
      const pics = (await post('/user/item/pictures', { id: me.id, item_id: state.item_id })).json().pictures;
      expect(pics.map((p: { source: string }) => p.source)).toEqual(['site', 'generated', 'generated']);
      const job = t.app.jobs.get<unknown, { painted: { scene: string; model: string; provider: string }[] }>(taskId)!;
      const painted = job.result!.painted;
      expect(painted.map((p) => p.scene)).toEqual([expect.stringMatching(/^a cosy cafe interior/), expect.stringMatching(/^a latte/)]);
      for (const p of painted) {
        expect(p.model).toBe('tiny-sd1');
        expect(EXECUTION_PROVIDERS).toContain(p.provider);
      }
      console.info(`promo painter: ${painted.length} scenes by ${painted[0]!.model} on ${painted[0]!.provider}`);

      // Each stored painted picture is a real, distinct frame-sized JPEG.
      const shown = await Promise.all(pics.slice(1).map(async (p: { url: string }) => (await t.app.inject({ url: p.url })).rawPayload));
      for (const bytes of shown) {
        const meta = await sharp(bytes).metadata();
        expect(Math.min(meta.width!, meta.height!)).toBeGreaterThanOrEqual(720);
      }
      expect(shown[0]!.equals(shown[1]!)).toBe(false);

      // The finished video.
      const video = (await post('/user/videos', { id: me.id })).json().videos[0];
      const probe = await probeMedia(t.app.storage.absolutePath(`promo/${me.id}/${video.id}.mp4`));
      expect(probe.streams.find((s) => s.type === 'video')).toMatchObject({ codec: 'h264', width: 320, height: 180 });
    },
    400_000,
  );
});
