import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src-server/http/errors';
import { INTERRUPTED_REASON, type JobContext } from '../../src-server/jobs/queue';
import { addUser, clock, closeAll, gate, openQueue, waitFor } from './helpers';

afterEach(closeAll);

describe('job lifecycle', () => {
  it('runs queued -> processing -> completed and keeps the result in SQLite', async () => {
    const { queue, statuses, waitForStatus, db } = openQueue();
    const owner = addUser(db, 'u1');
    queue.register<{ n: number }, { doubled: number }>('double', {
      handler: async (job) => ({ doubled: job.payload.n * 2 }),
    });
    queue.start();

    const job = queue.enqueue({ kind: 'double', ownerId: owner, payload: { n: 21 } });
    expect(job).toMatchObject({ status: 'queued', position: 1, ownerId: owner, lane: 'default', attempts: 0, payload: { n: 21 } });

    const done = await waitForStatus(job.id, 'completed');
    expect(statuses(job.id)).toEqual(['queued', 'processing', 'completed']);
    expect(done).toMatchObject({ progress: 1, result: { doubled: 42 }, error: null, position: null, attempts: 1 });
    expect(done).not.toHaveProperty('payload');
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
    expect(queue.get(job.id)).toMatchObject({ status: 'completed', result: { doubled: 42 }, payload: { n: 21 } });
  });

  it('hands the handler its payload as stored, so a rerun after a restart sees the same shapes', async () => {
    const { queue, waitForStatus } = openQueue();
    let seen: unknown;
    queue.register('inspect', { handler: async (job) => void (seen = job.payload) });
    queue.start();
    const job = queue.enqueue({ kind: 'inspect', payload: { at: new Date(0), skip: undefined, list: [1] } });
    await waitForStatus(job.id, 'completed');
    expect(seen).toEqual({ at: '1970-01-01T00:00:00.000Z', list: [1] });
  });

  it('refuses unknown kinds, duplicate registrations and null payloads', () => {
    const { queue } = openQueue();
    queue.register('a', { handler: async () => null });
    expect(() => queue.register('a', { handler: async () => null })).toThrow(/already registered/);
    expect(() => queue.enqueue({ kind: 'nope', payload: {} })).toThrow(/no handler is registered for job kind "nope"/);
    expect(() => queue.enqueue({ kind: 'a', payload: null })).toThrow(TypeError);
    expect(() => queue.enqueue({ kind: 'a', payload: {}, maxAttempts: 0 })).toThrow(RangeError);
  });
});

describe('progress and positions', () => {
  it('reports live progress with stage, message and preview, and moves the queue up', async () => {
    const { queue, events, waitForStatus } = openQueue();
    const gates = new Map<string, ReturnType<typeof gate>>();
    const contexts = new Map<string, JobContext>();
    queue.register<{ name: string }, string>('render', {
      lane: 'gpu',
      handler: async (job, ctx) => {
        contexts.set(job.payload.name, ctx);
        await gates.get(job.payload.name)!.promise;
        return job.payload.name;
      },
    });
    queue.start();
    for (const name of ['a', 'b', 'c']) gates.set(name, gate());

    const a = queue.enqueue({ kind: 'render', payload: { name: 'a' } });
    const b = queue.enqueue({ kind: 'render', payload: { name: 'b' } });
    const c = queue.enqueue({ kind: 'render', payload: { name: 'c' } });
    expect([a.position, b.position, c.position]).toEqual([1, 2, 3]);

    await waitForStatus(a.id, 'processing');
    expect(queue.position(a.id)).toBeNull();
    expect(queue.position(b.id)).toBe(1);
    expect(queue.position(c.id)).toBe(2);
    // Those behind the started job heard that they moved up.
    expect(events.filter((e) => e.id === c.id).map((e) => e.position)).toEqual([3, 2]);

    await waitFor(() => contexts.get('a'), 'handler a');
    contexts.get('a')!.progress(0.25, { stage: 'denoise', message: 'step 5/20', preview: 'data:image/png;base64,AAAA' });
    expect(events.at(-1)).toMatchObject({
      id: a.id,
      status: 'processing',
      progress: 0.25,
      stage: 'denoise',
      message: 'step 5/20',
      preview: 'data:image/png;base64,AAAA',
    });
    expect(queue.snapshot(a.id)).toMatchObject({ progress: 0.25, stage: 'denoise', preview: 'data:image/png;base64,AAAA' });
    contexts.get('a')!.progress(7);
    expect(queue.snapshot(a.id)?.progress).toBe(1);

    gates.get('a')!.open();
    await waitForStatus(b.id, 'processing');
    expect(queue.position(c.id)).toBe(1);
    // The preview lives only while the job runs.
    expect(queue.snapshot(a.id)).toMatchObject({ status: 'completed', preview: null, result: 'a' });

    gates.get('b')!.open();
    gates.get('c')!.open();
    await waitForStatus(c.id, 'completed');
  });

  it('throttles SQLite writes and events, but a new stage and every state change go out at once', async () => {
    const { queue, events, db, waitForStatus } = openQueue(undefined, {
      progressEventIntervalMs: 60_000,
      progressWriteIntervalMs: 60_000,
    });
    let ctx!: JobContext;
    const release = gate();
    queue.register('slow', {
      handler: async (_job, c) => {
        ctx = c;
        await release.promise;
        return 'ok';
      },
    });
    queue.start();
    const job = queue.enqueue({ kind: 'slow', payload: {} });
    await waitFor(() => ctx, 'handler');
    const stored = () => db.$client.prepare('SELECT progress, stage FROM jobs WHERE id = ?').get(job.id);
    const progressEvents = () => events.filter((e) => e.id === job.id && e.status === 'processing' && e.progress > 0);

    ctx.progress(0.1);
    expect(stored()).toEqual({ progress: 0.1, stage: null });
    ctx.progress(0.2);
    ctx.progress(0.3);
    expect(stored()).toEqual({ progress: 0.1, stage: null });
    expect(progressEvents().map((e) => e.progress)).toEqual([0.1]);
    // Readers still see the newest value.
    expect(queue.snapshot(job.id)?.progress).toBe(0.3);

    ctx.progress(0.4, { stage: 'encode' });
    expect(stored()).toEqual({ progress: 0.4, stage: 'encode' });
    expect(progressEvents().map((e) => [e.progress, e.stage])).toEqual([
      [0.1, null],
      [0.4, 'encode'],
    ]);

    ctx.progress(0.5);
    release.open();
    const done = await waitForStatus(job.id, 'completed');
    expect(done).toMatchObject({ progress: 1, stage: 'encode' });
    // Nothing stale arrives after the final state.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.filter((e) => e.id === job.id).at(-1)?.status).toBe('completed');
  });

  it('estimates waits from measured durations of the same kind', async () => {
    const { queue, waitForStatus } = openQueue();
    const gates: ReturnType<typeof gate>[] = [];
    queue.register('tick', {
      lane: 'gpu',
      handler: async () => {
        const g = gate();
        gates.push(g);
        await g.promise;
      },
    });
    queue.start();

    const first = queue.enqueue({ kind: 'tick', payload: {} });
    const unknown = queue.enqueue({ kind: 'tick', payload: {} });
    // Nothing measured yet: the running job's length is unknown.
    await waitForStatus(first.id, 'processing');
    expect(queue.snapshot(unknown.id)?.estimatedWaitSeconds).toBeNull();

    clock.t += 10_000;
    gates[0]!.open();
    await waitForStatus(unknown.id, 'processing');
    const a = queue.enqueue({ kind: 'tick', payload: {} });
    const b = queue.enqueue({ kind: 'tick', payload: {} });
    // One 10 s run measured; the running job has just started on the frozen clock.
    expect(a.estimatedWaitSeconds).toBe(10);
    expect(b.estimatedWaitSeconds).toBe(20);
    clock.t += 4_000;
    expect(queue.snapshot(a.id)?.estimatedWaitSeconds).toBe(6);

    for (let i = 1; i <= 3; i++) {
      await waitFor(() => gates[i], `handler ${i}`);
      gates[i]!.open();
    }
    await waitForStatus(b.id, 'completed');
  });
});

describe('time left on a running job', () => {
  it("comes from the job's own progress rate once it has some, else from the average run of its kind", async () => {
    const { queue, waitForStatus } = openQueue();
    let ctx!: JobContext;
    const gates: ReturnType<typeof gate>[] = [];
    queue.register('render', {
      handler: async (_job, c) => {
        ctx = c;
        const g = gate();
        gates.push(g);
        await g.promise;
      },
    });
    queue.start();
    const job = queue.enqueue({ kind: 'render', payload: {} });
    await waitForStatus(job.id, 'processing');
    // Nothing measured, no progress: nothing honest to say.
    expect(queue.snapshot(job.id)?.estimatedRemainingSeconds).toBeNull();
    clock.t += 10_000;
    ctx.progress(0.25);
    // A quarter done in 10 s: 30 s to go.
    expect(queue.snapshot(job.id)?.estimatedRemainingSeconds).toBe(30);
    clock.t += 10_000;
    ctx.progress(0.5);
    expect(queue.snapshot(job.id)?.estimatedRemainingSeconds).toBe(20);
    await waitFor(() => gates[0], 'the first run');
    gates[0]!.open();
    const done = await waitForStatus(job.id, 'completed');
    expect(done.estimatedRemainingSeconds).toBeUndefined();

    // The next run of the kind starts from history (20 s measured) until it reports progress.
    const next = queue.enqueue({ kind: 'render', payload: {} });
    await waitForStatus(next.id, 'processing');
    clock.t += 5_000;
    expect(queue.snapshot(next.id)?.estimatedRemainingSeconds).toBe(15);
    await waitFor(() => gates[1], 'the second run');
    gates[1]!.open();
    await waitForStatus(next.id, 'completed');
  });
});

describe('lanes', () => {
  it('runs one job at a time per lane and lanes side by side', async () => {
    const { queue, events, waitForStatus } = openQueue();
    let inGpu = 0;
    let maxInGpu = 0;
    let cpuRanDuringGpu = false;
    const gpuRelease = gate();
    const gpuEntered = gate();
    queue.register('gpu-job', {
      lane: 'gpu',
      handler: async () => {
        inGpu += 1;
        maxInGpu = Math.max(maxInGpu, inGpu);
        gpuEntered.open();
        await gpuRelease.promise;
        await new Promise((resolve) => setTimeout(resolve, 5));
        inGpu -= 1;
      },
    });
    queue.register('other-gpu-job', {
      lane: 'gpu',
      handler: async () => {
        inGpu += 1;
        maxInGpu = Math.max(maxInGpu, inGpu);
        inGpu -= 1;
      },
    });
    queue.register('cpu-job', {
      lane: 'cpu',
      handler: async () => {
        await gpuEntered.promise;
        cpuRanDuringGpu = inGpu > 0;
      },
    });
    queue.start();

    const g1 = queue.enqueue({ kind: 'gpu-job', payload: {} });
    const g2 = queue.enqueue({ kind: 'gpu-job', payload: {} });
    const g3 = queue.enqueue({ kind: 'other-gpu-job', payload: {} });
    const c1 = queue.enqueue({ kind: 'cpu-job', payload: {} });
    // A job may also pick its lane at enqueue time.
    const moved = queue.enqueue({ kind: 'cpu-job', payload: {}, lane: 'gpu' });
    expect(moved.lane).toBe('gpu');
    expect(moved.position).toBe(4);

    await waitForStatus(c1.id, 'completed');
    expect(cpuRanDuringGpu).toBe(true);
    expect(queue.snapshot(g1.id)?.status).toBe('processing');
    expect(queue.snapshot(g2.id)?.status).toBe('queued');

    gpuRelease.open();
    await waitForStatus(moved.id, 'completed');
    expect(maxInGpu).toBe(1);
    const started = events.filter((e) => e.status === 'processing' && e.lane === 'gpu').map((e) => e.id);
    expect([...new Set(started)]).toEqual([g1, g2, g3, moved].map((j) => j.id));
  });
});

describe('cancel', () => {
  it('cancels a queued job at once; it never runs and those behind move up', async () => {
    const { queue, statuses, waitForStatus } = openQueue();
    const release = gate();
    const ran: string[] = [];
    queue.register<string, void>('work', {
      handler: async (job) => {
        ran.push(job.payload);
        await release.promise;
      },
    });
    queue.start();
    const first = queue.enqueue({ kind: 'work', payload: 'first' });
    const second = queue.enqueue({ kind: 'work', payload: 'second' });
    const third = queue.enqueue({ kind: 'work', payload: 'third' });
    await waitForStatus(first.id, 'processing');

    const cancelled = queue.cancel(second.id, 'Changed my mind');
    expect(cancelled).toMatchObject({ status: 'cancelled', position: null, error: 'Changed my mind' });
    expect(queue.position(third.id)).toBe(1);
    release.open();
    await waitForStatus(third.id, 'completed');
    expect(ran).toEqual(['first', 'third']);
    expect(statuses(second.id)).toEqual(['queued', 'cancelled']);
    // Cancelling a finished job changes nothing; an unknown id is null.
    expect(queue.cancel(third.id)?.status).toBe('completed');
    expect(queue.cancel('no-such-job')).toBeNull();
  });

  it('aborts a running handler through its signal and ends the job as cancelled', async () => {
    const { queue, events, statuses, waitForStatus } = openQueue();
    let signal!: AbortSignal;
    let ctx!: JobContext;
    const handlerDone = gate();
    const next = gate();
    queue.register('long', {
      lane: 'gpu',
      handler: async (_job, c) => {
        signal = c.signal;
        ctx = c;
        c.progress(0.3, { stage: 'working' });
        await new Promise((resolve) => c.signal.addEventListener('abort', resolve));
        // Cleaning up takes a moment; the lane stays busy meanwhile.
        await handlerDone.promise;
        c.progress(0.9);
        return 'ignored';
      },
    });
    queue.register('after', { lane: 'gpu', handler: async () => next.open() });
    queue.start();
    const job = queue.enqueue({ kind: 'long', payload: {} });
    const behind = queue.enqueue({ kind: 'after', payload: {} });
    await waitFor(() => ctx, 'handler');

    const cancelled = queue.cancel(job.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', progress: 0.3, stage: 'working' });
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(queue.snapshot(behind.id)?.status).toBe('queued');

    handlerDone.open();
    await next.promise;
    await waitForStatus(behind.id, 'completed');
    expect(statuses(job.id)).toEqual(['queued', 'processing', 'cancelled']);
    expect(queue.get(job.id)).toMatchObject({ status: 'cancelled', result: null, progress: 0.3 });
    expect(events.filter((e) => e.id === job.id && e.progress === 0.9)).toEqual([]);
  });

  it('cancels every open job of an owner whose account goes', async () => {
    const { queue, db, waitForStatus } = openQueue();
    const alice = addUser(db, 'alice');
    const bob = addUser(db, 'bob');
    let aborted = false;
    queue.register('wait', {
      handler: (_job, ctx) =>
        new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        ),
    });
    queue.register('quick', { lane: 'other', handler: async () => 'done' });
    queue.start();
    const running = queue.enqueue({ kind: 'wait', ownerId: alice, payload: {} });
    const waiting = queue.enqueue({ kind: 'wait', ownerId: alice, payload: {} });
    const bobs = queue.enqueue({ kind: 'quick', ownerId: bob, payload: {} });
    await waitForStatus(running.id, 'processing');
    await waitForStatus(bobs.id, 'completed');

    db.$client.prepare('DELETE FROM users WHERE id = ?').run(alice);
    queue.cancelOwnedBy(alice, 'The account was deleted');
    await waitFor(() => aborted, 'the running handler to see its abort');
    expect(queue.get(running.id)).toBeNull();
    expect(queue.get(waiting.id)).toBeNull();
    expect(queue.get(bobs.id)?.status).toBe('completed');
  });
});

describe('failure', () => {
  it('fails with the thrown message, never a stack, and keeps the code of an AppError', async () => {
    const { queue, waitForStatus } = openQueue();
    queue.register('broken', {
      handler: async () => {
        throw new Error('model file is missing');
      },
    });
    queue.register('filtered', {
      handler: async () => {
        throw new AppError(422, 'CONTENT_FILTERED', 'The prompt was refused');
      },
    });
    queue.register('silent', {
      handler: async () => {
        throw 42;
      },
    });
    queue.register('unstorable', { handler: async () => ({ big: 1n }) });
    queue.start();

    const broken = queue.enqueue({ kind: 'broken', payload: {} });
    const filtered = queue.enqueue({ kind: 'filtered', payload: {}, lane: 'b' });
    const silent = queue.enqueue({ kind: 'silent', payload: {}, lane: 'c' });
    const unstorable = queue.enqueue({ kind: 'unstorable', payload: {}, lane: 'd' });

    const failed = await waitForStatus(broken.id, 'failed');
    expect(failed).toMatchObject({ error: 'model file is missing', errorCode: null, attempts: 1, result: null });
    expect(JSON.stringify(failed)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(await waitForStatus(filtered.id, 'failed')).toMatchObject({ error: 'The prompt was refused', errorCode: 'CONTENT_FILTERED' });
    expect(await waitForStatus(silent.id, 'failed')).toMatchObject({ error: 'The job failed' });
    expect(await waitForStatus(unstorable.id, 'failed')).toMatchObject({ error: 'the job finished but its result is not JSON' });
  });
});

describe('restart', () => {
  it('re-queues jobs a crash left processing while attempts remain, else fails them as interrupted', async () => {
    const first = openQueue();
    const crashable = { handler: () => new Promise<never>(() => {}) };
    first.queue.register('retry', { ...crashable, lane: 'a' });
    first.queue.register('once', { ...crashable, lane: 'b', maxAttempts: 1 });
    first.queue.register('gone', { ...crashable, lane: 'a' });
    first.queue.start();
    const retry = first.queue.enqueue({ kind: 'retry', payload: { keep: true } });
    const once = first.queue.enqueue({ kind: 'once', payload: {} });
    const waiting = first.queue.enqueue({ kind: 'retry', payload: {} });
    // A job of a kind the next version no longer has, queued behind `retry`.
    const orphan = first.queue.enqueue({ kind: 'gone', payload: {} });
    await first.waitForStatus(retry.id, 'processing');
    await first.waitForStatus(once.id, 'processing');
    // The crash: the process dies with handlers mid-run, nothing gets to clean up.
    first.db.$client.close();

    const second = openQueue(first.dataDir);
    const ran: unknown[] = [];
    second.queue.register('retry', { lane: 'a', handler: async (job) => void ran.push(job.payload) });
    second.queue.register('once', { lane: 'b', maxAttempts: 1, handler: async () => 'never' });
    second.queue.start();

    expect(await second.waitForStatus(once.id, 'failed')).toMatchObject({
      error: INTERRUPTED_REASON,
      errorCode: 'INTERRUPTED',
      attempts: 1,
    });
    expect(await second.waitForStatus(orphan.id, 'failed')).toMatchObject({ errorCode: 'UNKNOWN_KIND' });
    expect(await second.waitForStatus(retry.id, 'completed')).toMatchObject({ attempts: 2 });
    await second.waitForStatus(waiting.id, 'completed');
    // The interrupted job runs before the one that was waiting behind it.
    expect(ran).toEqual([{ keep: true }, {}]);
    expect(second.queue.count({ status: 'processing' })).toBe(0);
  });

  it('stop() aborts running jobs, waits for them and leaves them queued without using an attempt', async () => {
    const first = openQueue();
    let aborted = false;
    first.queue.register('long', {
      handler: (_job, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(ctx.signal.reason);
          }),
        ),
    });
    first.queue.start();
    const job = first.queue.enqueue({ kind: 'long', payload: {} });
    await first.waitForStatus(job.id, 'processing');
    await first.queue.stop();
    expect(aborted).toBe(true);
    expect(first.queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 0, position: 1, startedAt: null });
    first.db.$client.close();

    const second = openQueue(first.dataDir);
    second.queue.register('long', { handler: async () => 'finished' });
    second.queue.start();
    expect(await second.waitForStatus(job.id, 'completed')).toMatchObject({ attempts: 1, result: 'finished' });
  });

  it('stop() re-queues a handler that ignores its signal after the stop timeout', async () => {
    const { queue, waitForStatus } = openQueue(undefined, { stopTimeoutMs: 100 });
    queue.register('stubborn', { handler: () => new Promise<never>(() => {}) });
    queue.start();
    const job = queue.enqueue({ kind: 'stubborn', payload: {} });
    await waitForStatus(job.id, 'processing');
    await queue.stop();
    expect(queue.get(job.id)).toMatchObject({ status: 'queued', attempts: 0 });
  });
});

describe('list and count', () => {
  it('filters by owner, status and kind, pages in queue order', async () => {
    const { queue, db, waitForStatus } = openQueue();
    const owner = addUser(db, 'owner');
    queue.register('a', { handler: async () => 'a' });
    queue.register('b', { handler: async () => 'b' });
    const before = clock.t;
    const jobs = [
      queue.enqueue({ kind: 'a', ownerId: owner, payload: { i: 0 } }),
      queue.enqueue({ kind: 'b', ownerId: owner, payload: { i: 1 } }),
      queue.enqueue({ kind: 'a', payload: { i: 2 } }),
    ];
    // Not started: everything is still queued.
    expect(queue.list({ ownerId: owner }).map((j) => j.payload)).toEqual([{ i: 1 }, { i: 0 }]);
    // Positions are the fair order's: the app's own job takes its turn before the owner's second.
    expect(queue.list({ order: 'oldest', limit: 2, offset: 1 }).map((j) => [j.payload, j.position])).toEqual([
      [{ i: 1 }, 3],
      [{ i: 2 }, 2],
    ]);
    expect(queue.count({ kind: 'a' })).toBe(2);
    expect(queue.count({ kind: ['a', 'b'], status: 'queued' })).toBe(3);

    queue.start();
    await waitForStatus(jobs[1]!.id, 'completed');
    expect(queue.count({ status: ['completed'], finishedAfter: before })).toBe(3);
    expect(queue.count({ status: 'completed', finishedAfter: before + 1 })).toBe(0);
    expect(queue.list({ ownerId: owner, status: 'completed', kind: 'b' }).map((j) => j.result)).toEqual(['b']);
  });
});
