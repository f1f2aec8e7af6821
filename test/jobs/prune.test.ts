import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneFinishedJobs } from '../../src-server/jobs/prune';
import { bearer, makeTestApp, signUp, type TestApp } from '../helpers/app';

const DAY = 86_400_000;
let t: TestApp;
let userId: string;
let headers: Record<string, string>;

beforeAll(async () => {
  t = await makeTestApp();
  const user = await signUp(t.app);
  userId = user.id;
  headers = bearer(user.accessToken);
});
afterAll(() => t?.close());

let seq = 0;
/** A job row as the queue leaves it; `daysAgo` is when it finished (null: still queued). */
function job(status: string, daysAgo: number | null): string {
  const id = `job-prune-${++seq}`;
  const now = t.app.clock.now();
  const at = (d: number) => new Date(now - d * DAY).toISOString();
  t.app.db.$client
    .prepare(
      `INSERT INTO jobs (id, owner_id, kind, status, payload, created_at, updated_at, finished_at) VALUES (?, ?, 'test.prune', ?, '{}', ?, ?, ?)`,
    )
    .run(id, userId, status, at((daysAgo ?? 0) + 1), at(daysAgo ?? 0), daysAgo === null ? null : at(daysAgo));
  return id;
}

const exists = (id: string) => t.app.db.$client.prepare('SELECT count(*) FROM jobs WHERE id = ?').pluck().get(id) === 1;

describe('pruning finished jobs', () => {
  it('deletes finished jobs past the retention period, keeps recent and queued ones, and leaves canvas usage unchanged', async () => {
    const oldDone = job('completed', 40);
    const oldFailed = job('failed', 31);
    const oldCancelled = job('cancelled', 90);
    const recent = job('completed', 3);
    const waiting = job('queued', null);
    // A canvas generation's row (its credits and usage) names its job; it is the usage history and outlives it.
    const charged = job('completed', 60);
    t.app.db.$client
      .prepare(
        `INSERT INTO canvas_generations (job_id, user_id, kind, model, work_units, reserved, reservation, credits_used, compute_ms, images_created, input_keys, created_at, finished_at)
         VALUES (?, ?, 'text_to_image', 'tiny', 1, 5, 'charged', 5, 1200, 1, '[]', ?, ?)`,
      )
      .run(charged, userId, new Date(t.app.clock.now() - 61 * DAY).toISOString(), new Date(t.app.clock.now() - 60 * DAY).toISOString());
    const usage = await t.app.inject({ method: 'GET', url: '/api/v1/users/me/usage', headers });
    expect(usage.statusCode).toBe(200);
    const usageBefore = usage.body;

    const result = pruneFinishedJobs(t.app.db.$client, t.app.clock.now() - 30 * DAY);

    expect(result).toEqual({ deleted: 4, kept: 0 });
    for (const id of [oldDone, oldFailed, oldCancelled, charged]) expect(exists(id)).toBe(false);
    for (const id of [recent, waiting]) expect(exists(id)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/me/usage', headers })).body).toBe(usageBefore);
    // Running it again finds nothing more to do.
    expect(pruneFinishedJobs(t.app.db.$client, t.app.clock.now() - 30 * DAY)).toEqual({ deleted: 0, kept: 0 });
  });

  it('keeps the canvas usage figures of a generation whose job was pruned', async () => {
    const done = job('completed', 0);
    const now = new Date(t.app.clock.now()).toISOString();
    t.app.db.$client
      .prepare(
        `INSERT INTO canvas_generations (job_id, user_id, kind, model, work_units, reserved, reservation, credits_used, compute_ms, images_created, input_keys, created_at, finished_at)
         VALUES (?, ?, 'text_to_image', 'tiny-usage', 1, 7, 'charged', 7, 7000, 2, '[]', ?, ?)`,
      )
      .run(done, userId, now, now);
    const read = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/users/me/usage?period=day', headers })).json();
    const before = await read();
    expect(before.data.summary).toMatchObject({ total_credits_used: 7, total_images_created: 2 });

    // A retention that ends tomorrow prunes today's finished job.
    pruneFinishedJobs(t.app.db.$client, t.app.clock.now() + DAY);
    expect(exists(done)).toBe(false);
    expect(await read()).toEqual(before);
  });

  it('prunes when the server starts, with the configured retention', async () => {
    let old = '';
    let young = '';
    const started = await makeTestApp(
      { jobRetentionDays: 7 },
      {
        setup: (app) => {
          const at = (d: number) => new Date(Date.now() - d * DAY).toISOString();
          const insert = app.db.$client.prepare(
            `INSERT INTO jobs (id, kind, status, payload, created_at, updated_at, finished_at) VALUES (?, 'test.prune', 'completed', '{}', ?, ?, ?)`,
          );
          insert.run((old = 'job-start-old'), at(9), at(8), at(8));
          insert.run((young = 'job-start-young'), at(2), at(1), at(1));
        },
      },
    );
    try {
      const ids = started.app.db.$client.prepare('SELECT id FROM jobs').pluck().all();
      expect(ids).toContain(young);
      expect(ids).not.toContain(old);
    } finally {
      await started.close();
    }
  });

  it('reads the retention period from ATELIER_JOB_RETENTION_DAYS, 0 keeping everything', async () => {
    const { loadConfig, ConfigError } = await import('../../src-server/config');
    expect(loadConfig({}).jobRetentionDays).toBe(30);
    expect(loadConfig({ ATELIER_JOB_RETENTION_DAYS: '0' }).jobRetentionDays).toBe(0);
    expect(() => loadConfig({ ATELIER_JOB_RETENTION_DAYS: 'a week' })).toThrow(ConfigError);
  });
});
