import fs from 'node:fs';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect, vi } from 'vitest';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import {
  writeTinyControlNet,
  writeTinyDepthAnything,
  writeTinyLora,
  writeTinySd,
  writeTinyUpscaler,
} from '../../src-server/ai/diffusion/tiny/generate';
import { bearer, gpuHold, makeTestApp, settled, signUp, type TestApp } from '../helpers/app';

export { settled };
import { requests } from '../helpers/inject';
import { appFixture, fileFixture } from '../helpers/fixtures';

/** Tiny random-weight models in the layout of real ONNX exports, written once per test file. */
export interface TinyModels {
  dir: string;
  sd1: string;
  sdxl: string;
  upscaler: string;
  /** Tiny LoRAs (kohya SD 1.5, peft SDXL), installed as tiny-lora and tiny-lora-xl. */
  lora: string;
  loraXl: string;
  /** A tiny ControlNet for SD 1.5, installed as tiny-canny. */
  controlnet: string;
  /** A tiny Depth Anything export (pixel_values → predicted_depth), written but not installed: tests install it as type depth. */
  depth: string;
}

export async function writeTinyModels(): Promise<TinyModels> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-canvas-models-'));
  const models = {
    dir,
    sd1: path.join(dir, 'sd1'),
    sdxl: path.join(dir, 'sdxl'),
    upscaler: path.join(dir, 'x2'),
    lora: path.join(dir, 'lora', 'tiny-lora.safetensors'),
    loraXl: path.join(dir, 'lora-xl', 'tiny-lora-xl.safetensors'),
    controlnet: path.join(dir, 'canny'),
    depth: path.join(dir, 'depth'),
  };
  // With its ControlNet UNet (controlnet/), as OnnxStack/Amuse lay a model out.
  await writeTinySd(models.sd1, { base: 'sd1', controlnet: true });
  await writeTinyControlNet(models.controlnet, { base: 'sd1' });
  writeTinyLora(models.lora, { base: 'sd1', format: 'kohya' });
  writeTinyLora(models.loraXl, { base: 'sdxl', format: 'peft' });
  await writeTinySd(models.sdxl, { base: 'sdxl', sampleSize: 16 });
  await writeTinyUpscaler(models.upscaler, { scale: 2 });
  await writeTinyDepthAnything(models.depth);
  return models;
}

/**
 * The tiny models of a test file: written before its first test, removed after its last. Tests
 * that run them boot the app and its AI worker and run real models, so the file's timeouts are
 * long (slow on a busy machine).
 */
export function tinyModelsFixture(): () => TinyModels {
  let models: TinyModels | null = null;
  vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
  fileFixture(writeTinyModels, (made) => (models = made));
  return () => {
    if (!models) throw new Error('the tiny models are written before the first test');
    return models;
  };
}

export interface CanvasUser {
  id: string;
  email: string;
  password: string;
  headers: Record<string, string>;
}

export interface CanvasTest extends TestApp {
  /** Holds the GPU lane until release() (to keep later jobs queued). */
  holdGpu(): { jobId: string; release(): void };
}

/**
 * The production app on a fresh data folder with the tiny models installed through the catalog
 * (`tiny-sd1`, `tiny-sdxl` (Starter plan and up, as SDXL is), `tiny-x2` upscaler), and a job kind
 * that occupies the GPU lane until released.
 */
export async function canvasApp(models: TinyModels | null): Promise<CanvasTest> {
  const gpu = gpuHold();
  const t = await makeTestApp(
    {},
    {
      setup: async (app) => {
        if (models) {
          const catalog = new ModelCatalog(app.config.dataDir, PLAN_ORDER);
          await catalog.installFromFolder(models.sd1, {
            id: 'tiny-sd1',
            type: 'checkpoint',
            meta: { display_name: 'Tiny SD 1.5', description: 'Random weights, for tests' },
          });
          await catalog.installFromFolder(models.sdxl, { id: 'tiny-sdxl', type: 'checkpoint' });
          await catalog.installFromFolder(models.upscaler, { id: 'tiny-x2', type: 'upscaler' });
          await catalog.installFromFolder(models.lora, { id: 'tiny-lora', type: 'lora', meta: { license: 'CreativeML Open RAIL-M' } });
          await catalog.installFromFolder(models.loraXl, { id: 'tiny-lora-xl', type: 'lora' });
          await catalog.installFromFolder(models.controlnet, { id: 'tiny-canny', type: 'controlnet' });
        }
        gpu.register(app);
      },
    },
  );
  return { ...t, holdGpu: () => gpu.hold(t.app) };
}

export async function canvasUser(app: FastifyInstance, name?: string): Promise<CanvasUser> {
  const u = await signUp(app, { name });
  return { id: u.id, email: u.email, password: u.password, headers: bearer(u.accessToken) };
}

/**
 * A canvas route test file's set-up: the tiny models (unless `models: false`), and for each test a
 * fresh `canvasApp` with `users` signed up in order, handed to `each` as `[t, ...users]` and closed
 * after the test. Answers `requests` on the current app and the file's tiny models:
 * `const { as } = canvasFixture(['Alice', 'Bob'], (c) => ([t, alice, bob] = c));`
 */
export function canvasFixture<const Names extends readonly string[]>(
  users: Names,
  each: (c: [CanvasTest, ...{ [K in keyof Names]: CanvasUser }]) => void,
  opts: { models?: boolean } = {},
): ReturnType<typeof requests> & { models: () => TinyModels } {
  const models = opts.models === false ? null : tinyModelsFixture();
  const calls = appFixture(canvasUser, users, each, { app: () => canvasApp(models?.() ?? null) });
  return {
    ...calls,
    models: () => {
      if (!models) throw new Error('this canvas fixture was made without models');
      return models();
    },
  };
}

export const errorOf = (code: string, details?: unknown) => ({
  success: false,
  error: { code, message: expect.any(String), ...(details !== undefined ? { details } : {}) },
});

/** The path and query of an absolute URL, for inject. */
export const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

export const txt2img = { prompt: 'a red fox in the snow', model: 'tiny-sd1', steps: 3, seed: 1234 };

/** Generates with the tiny model and waits for it; returns the job's detail. */
export async function generated(t: TestApp, user: CanvasUser, body: Record<string, unknown> = {}, route = 'text-to-image') {
  const { as } = requests(t.app);
  const res = await as(user).post(`/api/v1/generate/${route}`, route === 'upscale' ? body : { ...txt2img, ...body });
  expect(res.statusCode, res.body).toBe(202);
  const jobId = res.json().data.job_id as string;
  const job = await settled(t.app, jobId);
  expect(job.status, JSON.stringify(job)).toBe('completed');
  // The per-minute generation limit is the plan's; tests move the clock rather than wait.
  t.clock.advance(61_000);
  return (await as(user).get(`/api/v1/queue/items/${jobId}`)).json().data;
}
