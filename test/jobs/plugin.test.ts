import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src-server/jobs/queue';
import { makeTestApp, tempDataDir, type TestApp } from '../helpers/app';
import { waitFor } from './helpers';

const apps: TestApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const waitForStatus = (jobs: JobQueue, id: string, status: string) =>
  waitFor(() => jobs.snapshot(id)?.status === status, `job ${id} to be ${status}`);

/** A handler that runs until its signal aborts, then fails as aborted handlers do. */
const untilAborted = {
  handler: (_job: unknown, ctx: { signal: AbortSignal }) =>
    new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
};

describe('jobs plugin', () => {
  it('starts with the app, and closing the app leaves running jobs for the next start', async () => {
    const dataDir = tempDataDir('atelier-jobs-app-');
    dirs.push(dataDir);
    const first = await makeTestApp({}, { dataDir, setup: (app) => app.jobs.register('render', untilAborted) });
    const job = first.app.jobs.enqueue({ kind: 'render', payload: { prompt: 'a cat' } });
    await waitForStatus(first.app.jobs, job.id, 'processing');
    await first.close();

    const second = await makeTestApp(
      {},
      { dataDir, setup: (app) => app.jobs.register('render', { handler: async (j) => (j.payload as { prompt: string }).prompt }) },
    );
    apps.push(second);
    await waitForStatus(second.app.jobs, job.id, 'completed');
    expect(second.app.jobs.get(job.id)).toMatchObject({ result: 'a cat', attempts: 1 });
  });

  it("stops a deleted account's running jobs", async () => {
    let aborted = false;
    const t = await makeTestApp(
      {},
      {
        setup: (app) =>
          app.jobs.register('render', {
            handler: (_job, ctx) =>
              new Promise<void>((resolve) =>
                ctx.signal.addEventListener('abort', () => {
                  aborted = true;
                  resolve();
                }),
              ),
          }),
      },
    );
    apps.push(t);
    const user = await t.app.auth.register({ name: 'Leaving', email: 'leaving@example.com', password: 'correct horse 42' });
    const job = t.app.jobs.enqueue({ kind: 'render', ownerId: user.id, payload: {} });
    await waitForStatus(t.app.jobs, job.id, 'processing');
    await t.app.auth.deleteAccount(user.id, 'correct horse 42');
    await waitFor(() => aborted, 'the handler to see its abort');
    expect(t.app.jobs.get(job.id)).toBeNull();
  });
});
