import fs from 'node:fs';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { loadConfig } from '../../src-server/config';
import { jobs } from '../../src-server/db/schema';
import { startServer } from '../../src-server/server';
import type { ClientToServerEvents, JobSnapshot, ServerToClientEvents } from '../../src-shared/events';
import { gpuHold, makeTestApp, tempDataDir } from '../helpers/app';
import { canvasUser, errorOf, settled, txt2img, tinyModelsFixture } from './helpers';
import { requests } from '../helpers/inject';

const models = tinyModelsFixture();

describe('generation over the real server', () => {
  it('sends progress with step previews and the result to the owner over socket.io, on the channel the 202 named', async () => {
    const dataDir = tempDataDir('atelier-canvas-socket-');
    const server = await startServer({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), logger: false });
    let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
    try {
      await new ModelCatalog(dataDir, PLAN_ORDER).installFromFolder(models().sd1, { id: 'tiny-sd1', type: 'checkpoint' });
      const alice = await canvasUser(server.app, 'Alice');
      socket = connect(server.url, {
        path: '/socket.io/',
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token: alice.headers.authorization!.slice(7) },
      });
      await new Promise<void>((resolve, reject) => {
        socket!.once('connect', resolve);
        socket!.once('connect_error', reject);
      });
      const got: JobSnapshot[] = [];
      socket.on('job:update', (j) => got.push(j));

      const res = await fetch(`${server.url}/api/v1/generate/text-to-image`, {
        method: 'POST',
        headers: { ...alice.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ ...txt2img, steps: 4 }),
      });
      expect(res.status).toBe(202);
      const accepted = (await res.json()).data;
      expect(accepted.websocket_channel).toBe(`user:${alice.id}`);
      await settled(server.app, accepted.job_id);
      const deadline = Date.now() + 10_000;
      while (!got.some((j) => j.status === 'completed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

      const mine = got.filter((j) => j.id === accepted.job_id);
      expect(mine[0]).toMatchObject({ status: 'queued', kind: 'canvas.generate' });
      const steps = mine.filter((j) => j.status === 'processing' && j.stage === 'denoising' && j.preview);
      expect(steps.length).toBeGreaterThan(0);
      // Progress is throttled, so a busy machine may skip steps; whatever arrives counts up and carries a preview.
      expect(steps.at(-1)).toMatchObject({
        stage: 'denoising',
        message: expect.stringMatching(/^Step [1-4]\/4$/),
        preview: expect.stringMatching(/^data:image\/png;base64,/),
      });
      const numbers = steps.map((j) => Number(/Step (\d+)/.exec(j.message ?? '')?.[1]));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      const done = mine.at(-1)!;
      expect(done).toMatchObject({ status: 'completed', progress: 1, result: { image_ids: [expect.any(String)], seeds: [1234] } });
      expect(done).not.toHaveProperty('payload');
    } finally {
      socket?.disconnect();
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('releases the held credits of a job a crash interrupted for good, at the next start', async () => {
    const dataDir = tempDataDir('atelier-canvas-restart-');
    const gpu = gpuHold();
    const first = await makeTestApp(
      {},
      {
        dataDir,
        setup: async (app) => {
          await new ModelCatalog(dataDir, PLAN_ORDER).installFromFolder(models().sd1, { id: 'tiny-sd1', type: 'checkpoint' });
          gpu.register(app);
        },
      },
    );
    let jobId: string;
    let user: Awaited<ReturnType<typeof canvasUser>>;
    try {
      user = await canvasUser(first.app, 'Alice');
      gpu.hold(first.app);
      const res = await requests(first.app).as(user).post('/api/v1/generate/text-to-image', txt2img);
      jobId = res.json().data.job_id;
      expect((await requests(first.app).as(user).get('/api/v1/users/me/credits')).json().data.reserved).toBe(1);
      // As if the process died while the job ran its last allowed attempt.
      first.app.db
        .update(jobs)
        .set({ status: 'processing', attempts: 2, startedAt: new Date().toISOString() })
        .where(eq(jobs.id, jobId))
        .run();
    } finally {
      await first.close();
    }
    const second = await makeTestApp({}, { dataDir });
    try {
      const detail = await requests(second.app).as(user!).get(`/api/v1/queue/items/${jobId!}`);
      expect(detail.json().data).toMatchObject({ status: 'failed', credits_used: 0, error: { message: 'interrupted by a restart' } });
      const credits = (await requests(second.app).as(user!).get('/api/v1/users/me/credits')).json().data;
      expect([credits.balance, credits.reserved, credits.available]).toEqual([500, 0, 500]);
      expect((await requests(second.app).as(user!).delete(`/api/v1/queue/items/${jobId!}`)).json()).toEqual(
        errorOf('JOB_ALREADY_FINISHED', { status: 'failed' }),
      );
    } finally {
      await second.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
