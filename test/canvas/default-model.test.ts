import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasApp, canvasUser, settled, type CanvasTest, type CanvasUser, tinyModelsFixture } from './helpers';
import { requests } from '../helpers/inject';

/** An A1111-style client leaves `model` out of a generate request: the default model runs, and is named. */
const models = tinyModelsFixture();

const body = { prompt: 'a lighthouse at dusk', steps: 2, seed: 7 };

async function generatedWith(
  t: CanvasTest,
  user: CanvasUser,
  extra: Record<string, unknown> = {},
): Promise<{ answer: string; job: string }> {
  const res = await requests(() => t.app)
    .as(user)
    .post('/api/v1/generate/text-to-image', { ...body, ...extra });
  expect(res.statusCode, res.body).toBe(202);
  const jobId = res.json().data.job_id as string;
  await settled(t.app, jobId);
  t.clock.advance(61_000);
  const job = (
    await requests(() => t.app)
      .as(user)
      .get(`/api/v1/queue/items/${jobId}`)
  ).json().data;
  return { answer: res.json().data.model, job: job.params.model };
}

describe('canvas generate without model', () => {
  let t: CanvasTest;
  beforeAll(async () => {
    t = await canvasApp(models());
  });
  afterAll(async () => {
    await t.close();
  });

  it('uses the best installed model the plan allows, and names it in the answer and the job', async () => {
    const free = await canvasUser(t.app, 'Free');
    // SDXL needs the Starter plan: the free plan's best is the SD 1 model.
    expect(await generatedWith(t, free)).toEqual({ answer: 'tiny-sd1', job: 'tiny-sd1' });
    const starter = await canvasUser(t.app, 'Starter');
    (t.app as unknown as { db: { $client: { prepare(sql: string): { run(...a: unknown[]): void } } } }).db.$client
      .prepare("UPDATE users SET tier = 'starter' WHERE id = ?")
      .run(starter.id);
    expect(await generatedWith(t, starter)).toEqual({ answer: 'tiny-sdxl', job: 'tiny-sdxl' });

    // The owner's choice in Settings comes first, where the plan includes it.
    const set = await t.app.inject({ method: 'PUT', url: '/system/settings/image-model', payload: { default: 'tiny-sd1' } });
    expect(set.json().data).toEqual({ default: 'tiny-sd1' });
    expect(await generatedWith(t, starter)).toEqual({ answer: 'tiny-sd1', job: 'tiny-sd1' });
    // A named model still wins.
    expect((await generatedWith(t, starter, { model: 'tiny-sdxl' })).answer).toBe('tiny-sdxl');
  });
});

describe('canvas generate without model, nothing installed', () => {
  it('answers MODEL_NOT_FOUND pointing to the Models screen', async () => {
    const t = await canvasApp(null);
    try {
      const user = await canvasUser(t.app);
      const res = await requests(() => t.app)
        .as(user)
        .post('/api/v1/generate/text-to-image', body);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        success: false,
        error: { code: 'MODEL_NOT_FOUND', message: expect.stringContaining('Models screen'), details: { models_screen: '/app/models' } },
      });
    } finally {
      await t.close();
    }
  });
});
