import fs from 'node:fs';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { writeTinySd } from '../../src-server/ai/diffusion/tiny/generate';
import { drawCover } from '../../src-server/families/studio/songs/cover';
import { gpuHold, makeTestApp, type TestApp } from '../helpers/app';
import { requests, type Requests } from '../helpers/inject';
import { errorOf, pathOf, studioUser, type StudioUser } from './helpers';

// Album covers drawn by the diffusion engine (a tiny random-weight SD 1.5 in the layout of a real
// ONNX export, run by the production AI pool's worker), and the procedural fallback.

let modelDir: string;
let t: TestApp | null = null;

beforeAll(async () => {
  modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-cover-models-'));
  await writeTinySd(path.join(modelDir, 'sd1'), { base: 'sd1' });
});
afterAll(() => {
  fs.rmSync(modelDir, { recursive: true, force: true });
});
afterEach(async () => {
  await t?.close();
  t = null;
});

interface CoverApp {
  app: FastifyInstance;
  user: StudioUser;
  /** Requests as `user`, or as someone else. */
  as(who?: StudioUser): Requests;
  /** Holds the GPU lane until the returned function is called, so later jobs stay queued. */
  holdGpu(): () => void;
}

/** The production app on a fresh data folder, with the tiny model installed as `tiny-sd1` or none. */
async function coverApp(withModel: boolean): Promise<CoverApp> {
  const gpu = gpuHold();
  t = await makeTestApp(
    {},
    {
      setup: async (app) => {
        if (withModel)
          await new ModelCatalog(app.config.dataDir, PLAN_ORDER).installFromFolder(path.join(modelDir, 'sd1'), {
            id: 'tiny-sd1',
            type: 'checkpoint',
          });
        gpu.register(app);
      },
    },
  );
  const app = t.app;
  const user = await studioUser(app, 'Cover Artist');
  return {
    app,
    user,
    as: (who = user) => requests(app).as(who),
    holdGpu: () => gpu.hold(app).release,
  };
}

async function imageOf(c: CoverApp, cover: { imageUrl: string }): Promise<Buffer> {
  const res = await c.app.inject({ url: pathOf(cover.imageUrl) });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('image/png');
  return res.rawPayload;
}

const words = { title: 'Night Drive', genre: 'electronic', mood: 'dark' };

describe('covers drawn by the diffusion engine', () => {
  it('draws a 1024×1024 PNG from the words, says which engine drew it, and draws the same cover for the same words', async () => {
    const c = await coverApp(true);
    const res = await c.as().get('/api/song/cover?title=Night%20Drive&genre=electronic&mood=dark');
    expect(res.statusCode, res.body).toBe(200);
    const cover = res.json().data;
    expect(cover).toEqual({
      imageFilePath: expect.stringMatching(new RegExp(`^studio/${c.user.id}/covers/[0-9a-f-]{36}\\.png$`)),
      imageUrl: expect.any(String),
      engine: expect.stringMatching(/^diffusion:tiny-sd1 \(onnx, [a-z]+\)$/),
      model: 'tiny-sd1',
      seed: expect.any(Number),
    });
    const png = await imageOf(c, cover);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1024 });
    expect(png.equals(await drawCover({ ...words }))).toBe(false);

    const again = await c.as().post('/api/song/cover', words);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().data).toMatchObject({ engine: cover.engine, model: 'tiny-sd1', seed: cover.seed });
    expect(again.json().data.imageFilePath).not.toBe(cover.imageFilePath);
    expect((await imageOf(c, again.json().data)).equals(png)).toBe(true);

    const other = await c.as().post('/api/song/cover', { ...words, title: 'Morning Light' });
    expect(other.json().data.seed).not.toBe(cover.seed);
    expect((await imageOf(c, other.json().data)).equals(png)).toBe(false);
  });

  it('draws the same picture again for the same seed, another for another seed', async () => {
    const c = await coverApp(true);
    const draw = async (seed: number) => {
      const res = await c.as().post('/api/song/cover', { ...words, engine: 'diffusion', model: 'tiny-sd1', seed });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().data.seed).toBe(seed);
      return imageOf(c, res.json().data);
    };
    const first = await draw(42);
    expect((await draw(42)).equals(first)).toBe(true);
    expect((await draw(43)).equals(first)).toBe(false);
  });

  it('draws the procedural cover when asked to, even with a model installed', async () => {
    const c = await coverApp(true);
    const res = await c.as().post('/api/song/cover', { ...words, engine: 'procedural' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data).toMatchObject({ engine: 'procedural', model: null, seed: null });
    expect((await imageOf(c, res.json().data)).equals(await drawCover({ ...words }))).toBe(true);
    expect(c.app.jobs.count({ kind: 'studio.cover' })).toBe(0);
    expect((await c.as().post('/api/song/cover', { ...words, engine: 'procedural', seed: 1 })).json()).toEqual(errorOf('VALIDATION_ERROR'));
  });

  it('answers 202 with a job to poll when the engine takes longer than the request waits', async () => {
    const c = await coverApp(true);
    const release = c.holdGpu();
    const res = await c.as().post('/api/song/cover', { ...words, wait: 0 });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json().data;
    expect(job).toMatchObject({
      jobId: expect.any(String),
      status: 'queued',
      position: 1,
      model: 'tiny-sd1',
      seed: expect.any(Number),
      cover: null,
      error: null,
    });

    const stranger = await studioUser(c.app, 'Stranger');
    expect((await c.as(stranger).get(`/api/song/cover/jobs/${job.jobId}`)).json()).toEqual(errorOf('FORBIDDEN'));
    expect((await c.as().get('/api/song/cover/jobs/00000000-0000-4000-8000-000000000000')).json()).toEqual(errorOf('JOB_NOT_FOUND'));

    release();
    let polled;
    for (;;) {
      polled = (await c.as().get(`/api/song/cover/jobs/${job.jobId}`)).json().data;
      if (polled.status !== 'queued' && polled.status !== 'processing') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(polled).toMatchObject({
      status: 'completed',
      progress: 1,
      error: null,
      cover: { engine: expect.stringMatching(/^diffusion:tiny-sd1 /), model: 'tiny-sd1', seed: job.seed },
    });
    expect(await sharp(await imageOf(c, polled.cover)).metadata()).toMatchObject({ width: 1024, height: 1024 });
  });

  it('cancels a cover job on request and when the waiting client hangs up', async () => {
    const c = await coverApp(true);
    const release = c.holdGpu();
    const queued = (await c.as().post('/api/song/cover', { ...words, wait: 0 })).json().data;
    const cancelled = await c.as().delete(`/api/song/cover/jobs/${queued.jobId}`);
    expect(cancelled.json().data).toMatchObject({ status: 'cancelled', cover: null, error: { code: 'COVER_CANCELLED' } });

    // A real HTTP client that gives up while the job waits behind the held lane.
    const address = await c.app.listen({ port: 0, host: '127.0.0.1' });
    const gone = new AbortController();
    const pending = fetch(`${address}/api/song/cover`, {
      method: 'POST',
      headers: { ...c.user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ...words, title: 'Walked Away' }),
      signal: gone.signal,
    }).catch((err: Error) => err);
    let jobId: string | undefined;
    while (!jobId) {
      jobId = c.app.jobs.list({ kind: 'studio.cover', status: 'queued' })[0]?.id;
      await new Promise((r) => setTimeout(r, 10));
    }
    gone.abort();
    expect(await pending).toBeInstanceOf(Error);
    while (c.app.jobs.snapshot(jobId)?.status === 'queued') await new Promise((r) => setTimeout(r, 10));
    expect(c.app.jobs.snapshot(jobId)?.status).toBe('cancelled');
    release();
  });

  it('answers a waiting request with its job when the server closes, instead of holding the close', async () => {
    const c = await coverApp(true);
    c.holdGpu();
    const waiting = c.as().post('/api/song/cover', words);
    while (c.app.jobs.count({ kind: 'studio.cover', status: 'queued' }) === 0) await new Promise((r) => setTimeout(r, 10));
    await t!.close();
    t = null;
    const res = await waiting;
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().data).toMatchObject({ status: 'queued', model: 'tiny-sd1', cover: null });
  });

  it('turns an engine failure into IMAGE_ENGINE_FAILED, never a 500', async () => {
    const c = await coverApp(true);
    const release = c.holdGpu();
    const waiting = c.as().post('/api/song/cover', words);
    while (c.app.jobs.count({ kind: 'studio.cover', status: 'queued' }) === 0) await new Promise((r) => setTimeout(r, 10));
    // The model breaks after the request was accepted: its UNet is no longer an ONNX file.
    fs.writeFileSync(path.join(c.app.config.dataDir, 'models', 'diffusion', 'tiny-sd1', 'unet', 'model.onnx'), 'not a model');
    release();
    const res = await waiting;
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json()).toEqual(errorOf('IMAGE_ENGINE_FAILED'));
    expect(res.json().error.message).toContain('tiny-sd1');
  });
});

describe('covers without an image model', () => {
  it('draws the procedural cover with engine auto, and refuses engine diffusion clearly', async () => {
    const c = await coverApp(false);
    const auto = await c.as().get('/api/song/cover?title=Night%20Drive&genre=electronic&mood=dark');
    expect(auto.statusCode, auto.body).toBe(200);
    expect(auto.json().data).toMatchObject({ engine: 'procedural', model: null, seed: null });
    const png = await imageOf(c, auto.json().data);
    expect(png.equals(await drawCover({ ...words }))).toBe(true);
    expect(await sharp(png).metadata()).toMatchObject({ width: 1024, height: 1024 });

    const diffusion = await c.as().post('/api/song/cover', { ...words, engine: 'diffusion' });
    expect(diffusion.statusCode).toBe(503);
    expect(diffusion.json()).toEqual(errorOf('IMAGE_MODEL_UNAVAILABLE'));
    expect((await c.as().post('/api/song/cover', { ...words, model: 'no-such-model' })).json()).toEqual(errorOf('MODEL_NOT_FOUND'));
    expect((await c.as().get('/api/song/cover?title=x&engine=magic')).json()).toEqual(errorOf('VALIDATION_ERROR'));
  });

  it('documents the engine choice in the OpenAPI document', async () => {
    const c = await coverApp(false);
    const doc = (await c.app.inject({ url: '/openapi.json' })).json();
    const post = doc.paths['/api/song/cover'].post;
    const body = post.requestBody.content['application/json'].schema.properties;
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['engine', 'model', 'seed', 'wait']));
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '202', '502', '503']));
    expect(doc.paths['/api/song/cover/jobs/{jobId}'].get).toBeDefined();
  });
});
