import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AiPool, resolveWorkerEntry } from '../../src-server/ai/pool';
import type { ProviderChoice } from '../../src-server/ai/providers';
import { ortBinDir, sileroVadModelPath } from '../../src-server/ai/models';
import { isAiError, type AiErrorCode } from '../../src-server/ai/protocol';
import { infer } from '../../src-server/ai/pipelines/infer';
import { detectSpeech } from '../../src-server/ai/pipelines/vad';
import { loop, readWav } from '../helpers/wav';

const testWorker = fileURLToPath(new URL('./test-worker.ts', import.meta.url));
const { samples: speech } = readWav(fileURLToPath(new URL('../fixtures/speech-16k.wav', import.meta.url)));
const cpuOnlyLinux = process.platform === 'linux' && !fs.existsSync(path.join(ortBinDir(), 'libonnxruntime_providers_cuda.so'));
const cpu: ProviderChoice = { available: ['cpu'], preferred: 'cpu', order: ['cpu'], forced: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failure(promise: Promise<unknown>, code: AiErrorCode): Promise<Error> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  );
  expect(isAiError(err, code), `${err.name}: ${err.message}`).toBe(true);
  return err;
}

/** Resolves once the lane has taken a request, so a cancel hits a running one. */
async function busy(pool: AiPool, capability: string): Promise<void> {
  while (pool.status().workers.find((w) => w.capability === capability)?.state !== 'busy') await sleep(5);
}

describe('resolveWorkerEntry', () => {
  it('finds worker.ts next to the pool when running from sources', () => {
    expect(resolveWorkerEntry()).toBe(fileURLToPath(new URL('../../src-server/ai/worker.ts', import.meta.url)));
  });

  it('finds the built ai-worker beside the bundle, or beside the chunks folder', () => {
    const built = path.resolve('/app/out/main/ai-worker.js');
    const exists = (f: string) => f === built;
    expect(resolveWorkerEntry(undefined, pathToFileURL('/app/out/main/serve.js').href, exists)).toBe(built);
    expect(resolveWorkerEntry(undefined, pathToFileURL('/app/out/main/chunks/pool-1a2b.js').href, exists)).toBe(built);
    expect(() => resolveWorkerEntry(undefined, pathToFileURL('/nowhere/x.js').href, () => false)).toThrow(/AI worker script not found/);
  });

  it('takes an override', () => {
    expect(resolveWorkerEntry(testWorker)).toBe(testWorker);
  });
});

describe('AiPool', () => {
  const pool = new AiPool({ providers: cpu, workerEntry: testWorker, cancelGraceMs: 300 });
  afterAll(() => pool.close());

  it('starts workers lazily, one per capability', async () => {
    const fresh = new AiPool({ providers: cpu, workerEntry: testWorker });
    expect(fresh.status().workers).toEqual([]);
    await fresh.run('test-sleep', { ms: 1 }, { capability: 'a' });
    await fresh.run('test-sleep', { ms: 1 }, { capability: 'b' });
    expect(fresh.status().workers.map((w) => [w.capability, w.state])).toEqual([
      ['a', 'idle'],
      ['b', 'idle'],
    ]);
    await fresh.close();
    await failure(fresh.run('test-sleep', { ms: 1 }), 'pool_closed');
  });

  it('answers an unknown task with a clear error and keeps the worker', async () => {
    const err = await failure(pool.run('nope', {}, { capability: 'misc' }), 'unknown_task');
    expect(err.message).toMatch(/no task "nope"/);
    await pool.run('test-sleep', { ms: 1 }, { capability: 'misc' });
    expect(pool.status().workers.find((w) => w.capability === 'misc')?.restarts).toBe(0);
  });

  it('forwards progress messages', async () => {
    const steps: unknown[] = [];
    await pool.run('test-sleep', { ms: 100 }, { capability: 'misc', onProgress: (s) => steps.push(s) });
    expect(steps.length).toBeGreaterThan(1);
    expect(steps[0]).toBe(0);
  });

  it('cancels a queued request without running it', async () => {
    const first = pool.run<{ endedAt: number }>('test-sleep', { ms: 200 }, { capability: 'q' });
    const controller = new AbortController();
    const second = pool.run('test-sleep', { ms: 10_000 }, { capability: 'q', signal: controller.signal });
    const third = pool.run<{ startedAt: number }>('test-sleep', { ms: 1 }, { capability: 'q' });
    expect(pool.status().workers.find((w) => w.capability === 'q')?.queued).toBe(2);
    controller.abort();
    await failure(second, 'cancelled');
    const [a, c] = await Promise.all([first, third]);
    // The cancelled 10 s request never ran: the third started right after the first.
    expect(c.output.startedAt - a.output.endedAt).toBeLessThan(2000);
  });

  it('refuses a request whose signal is already aborted', async () => {
    await failure(pool.run('test-sleep', { ms: 1 }, { signal: AbortSignal.abort() }), 'cancelled');
  });

  it('cancels a running request between steps, keeping the worker', async () => {
    const controller = new AbortController();
    // Aborting on the first progress message makes sure the worker is inside the task, not still booting.
    const running = pool.run(
      'test-sleep',
      { ms: 10_000 },
      { capability: 'c', signal: controller.signal, onProgress: () => controller.abort() },
    );
    await failure(running, 'cancelled');
    await pool.run('test-sleep', { ms: 1 }, { capability: 'c' });
    expect(pool.status().workers.find((w) => w.capability === 'c')?.restarts).toBe(0);
  });

  it('terminates a worker that ignores a cancel past the grace time, and serves the next request on a new one', async () => {
    const controller = new AbortController();
    const running = pool.run('test-spin', { ms: 60_000 }, { capability: 'spin', signal: controller.signal });
    await busy(pool, 'spin');
    controller.abort();
    await failure(running, 'cancelled');
    const next = await pool.run<{ startedAt: number }>('test-sleep', { ms: 1 }, { capability: 'spin' });
    expect(next.output.startedAt).toBeGreaterThan(0);
    expect(pool.status().workers.find((w) => w.capability === 'spin')?.restarts).toBe(1);
  });

  it('fails the running request when its worker exits, and restarts it for the next', async () => {
    const before = pool.status().workers.find((w) => w.capability === 'crash')?.threadId;
    const err = await failure(pool.run('test-exit', { code: 3 }, { capability: 'crash' }), 'worker_crashed');
    expect(err.message).toMatch(/"crash" stopped unexpectedly \(exit code 3\) while running test-exit/);
    await pool.run('test-sleep', { ms: 1 }, { capability: 'crash' });
    const after = pool.status().workers.find((w) => w.capability === 'crash')!;
    expect(after.restarts).toBe(1);
    expect(after.threadId).not.toBe(before);
  });

  it('fails only the running request on an uncaught error; the queued one runs on the new worker', async () => {
    const crashing = pool.run('test-throw-later', { message: 'boom in the worker' }, { capability: 'crash2' });
    const queued = pool.run('test-sleep', { ms: 1 }, { capability: 'crash2' });
    const err = await failure(crashing, 'worker_crashed');
    expect(err.message).toMatch(/boom in the worker/);
    await expect(queued).resolves.toBeTruthy();
  });

  it('runs one heavy request at a time across capabilities, while light ones go on', async () => {
    type Span = { startedAt: number; endedAt: number };
    const a = pool.run<Span>('test-sleep', { ms: 800 }, { capability: 'h1', heavy: true });
    const b = pool.run<Span>('test-sleep', { ms: 10 }, { capability: 'h2', heavy: true });
    const c = pool.run<Span>('test-sleep', { ms: 10 }, { capability: 'h3' });
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(rb.output.startedAt).toBeGreaterThanOrEqual(ra.output.endedAt);
    expect(rc.output.startedAt).toBeLessThan(ra.output.endedAt);
    expect(rb.timing.queuedMs).toBeGreaterThan(100);
  });

  it('fails queued and running requests when closed', async () => {
    const closing = new AiPool({ providers: cpu, workerEntry: testWorker });
    const running = failure(closing.run('test-sleep', { ms: 10_000 }), 'pool_closed');
    const queued = failure(closing.run('test-sleep', { ms: 1 }), 'pool_closed');
    await busy(closing, 'general');
    await closing.close();
    await Promise.all([running, queued]);
  });

  it('lets a running task stop at its next check before closing its worker (a worker cut off inside onnxruntime aborts the process)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-pool-close-'));
    const file = path.join(dir, 'seen');
    const closing = new AiPool({ providers: cpu, workerEntry: testWorker });
    const running = failure(closing.run('test-note-cancel', { ms: 10_000, file }), 'pool_closed');
    await busy(closing, 'general');
    await closing.close();
    await running;
    expect(fs.readFileSync(file, 'utf8')).toBe('cancelled');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('AiPool with a real model', () => {
  const pool = new AiPool({ providers: cpu, workerEntry: testWorker });
  afterAll(() => pool.close());

  it('runs one forward pass with infer(), moving tensors both ways', async () => {
    const audio = new Float32Array(576);
    const state = new Float32Array(2 * 128);
    const result = await infer(
      pool,
      { model: sileroVadModelPath() },
      {
        input: { type: 'float32', data: audio, dims: [1, 576] },
        state: { type: 'float32', data: state, dims: [2, 1, 128] },
        sr: { type: 'int64', data: BigInt64Array.of(16_000n), dims: [] },
      },
    );
    expect(audio.length).toBe(0);
    expect(state.length).toBe(0);
    expect(result.output.output).toMatchObject({ type: 'float32', dims: [1, 1] });
    expect(result.output.stateN).toMatchObject({ type: 'float32', dims: [2, 1, 128] });
    expect(result.output.stateN!.data).toBeInstanceOf(Float32Array);
    expect(result.providers).toEqual(['cpu']);
    expect(result.timing.sessionRuns).toBe(1);
  });

  it('reports a model that cannot load, and keeps serving', async () => {
    const err = await failure(infer(pool, { model: '/no/such/model.onnx' }, {}), 'model_load_failed');
    expect(err.message).toMatch(/\/no\/such\/model\.onnx/);
    await pool.run('test-sleep', { ms: 1 });
  });

  it('lists the sessions it created with the provider each runs on', async () => {
    await detectSpeech(pool, speech.slice());
    const sessions = pool.status().sessions.filter((s) => s.capability === 'audio');
    expect(sessions).toEqual([
      expect.objectContaining({ model: sileroVadModelPath(), requested: 'cpu', provider: 'cpu', capability: 'audio' }),
    ]);
    // Cached: a second run loads nothing.
    const again = await detectSpeech(pool, speech.slice());
    expect(again.timing.sessionLoadMs).toBe(0);
    expect(pool.status().sessions.filter((s) => s.capability === 'audio')).toHaveLength(1);
  });

  it('cancels a long VAD run between windows without losing the worker', async () => {
    const controller = new AbortController();
    let progress = 0;
    const running = detectSpeech(pool, loop(speech, 16_000, 600), {
      signal: controller.signal,
      onProgress: (p) => {
        progress = p.processedSec;
        controller.abort();
      },
    });
    await failure(running, 'cancelled');
    expect(progress).toBe(20);
    const next = await detectSpeech(pool, speech.slice());
    expect(next.segments.length).toBeGreaterThan(0);
    expect(pool.status().workers.find((w) => w.capability === 'audio')?.restarts).toBe(0);
  });

  it.runIf(cpuOnlyLinux)('falls back to the CPU when a forced accelerator cannot load, and says why', async () => {
    const forced = new AiPool({
      providers: { available: ['cpu'], preferred: 'cuda', order: ['cuda', 'cpu'], forced: true },
      workerEntry: testWorker,
    });
    try {
      const result = await detectSpeech(forced, speech.slice());
      expect(result.provider).toBe('cpu');
      expect(result.segments.length).toBeGreaterThan(0);
      const [session] = forced.status().sessions;
      expect(session).toMatchObject({ requested: 'cuda', provider: 'cpu' });
      expect(session!.fallbackReason).toMatch(/^cuda: /);
    } finally {
      await forced.close();
    }
  });

  it('keeps the main thread responsive while a worker runs inference', async () => {
    const clip = loop(speech, 16_000, 120);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await detectSpeech(pool, clip);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
