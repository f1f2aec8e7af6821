// An AI worker with the production tasks plus a few that misbehave on purpose, for the pool's tests.
import fs from 'node:fs';
import { serve, type WorkerTask } from '../../src-server/ai/worker-runtime';
import { builtinTasks } from '../../src-server/ai/tasks';

const exitTask: WorkerTask<{ code: number }, never> = {
  name: 'test-exit',
  run: async ({ code }) => process.exit(code),
};

const throwLaterTask: WorkerTask<{ message: string }, never> = {
  name: 'test-throw-later',
  run: ({ message }) =>
    new Promise(() => {
      setTimeout(() => {
        throw new Error(message);
      }, 0);
    }),
};

/** Blocks the worker thread: cancellation cannot reach it. */
const spinTask: WorkerTask<{ ms: number }, null> = {
  name: 'test-spin',
  async run({ ms }) {
    const until = Date.now() + ms;
    while (Date.now() < until);
    return { output: null };
  },
};

/** Sleeps in small steps, reporting progress and honouring cancellation between steps. */
const sleepTask: WorkerTask<{ ms: number }, { startedAt: number; endedAt: number }> = {
  name: 'test-sleep',
  async run({ ms }, ctx) {
    const startedAt = Date.now();
    for (let step = 0; Date.now() - startedAt < ms; step++) {
      ctx.throwIfCancelled();
      ctx.progress(step);
      await new Promise((r) => setTimeout(r, 5));
    }
    return { output: { startedAt, endedAt: Date.now() } };
  },
};

/** Like test-sleep, but writes `file` when it sees its cancellation, so a test can tell it was let stop. */
const noteCancelTask: WorkerTask<{ ms: number; file: string }, null> = {
  name: 'test-note-cancel',
  async run({ ms, file }, ctx) {
    const startedAt = Date.now();
    while (Date.now() - startedAt < ms) {
      try {
        ctx.throwIfCancelled();
      } catch (err) {
        fs.writeFileSync(file, 'cancelled');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    return { output: null };
  },
};

serve([...builtinTasks, exitTask, throwLaterTask, spinTask, sleepTask, noteCancelTask]);
