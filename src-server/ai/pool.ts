import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import {
  AiError,
  type ExecutionProvider,
  type MainToWorker,
  type SessionInfo,
  type WorkerInit,
  type WorkerTiming,
  type WorkerToMain,
} from './protocol';
import { chooseProviders, type ProviderChoice } from './providers';

/**
 * Where the worker script is. Built by electron-vite, the pool lands in out/main/<entry>.js or
 * out/main/chunks/*.js and the worker beside them as out/main/ai-worker.js; from sources (vitest,
 * tsx) it is worker.ts next to this file.
 */
export function resolveWorkerEntry(
  override?: string,
  from: string = import.meta.url,
  exists: (file: string) => boolean = fs.existsSync,
): string {
  if (override) return path.resolve(override);
  const dir = path.dirname(fileURLToPath(from));
  const candidates = [path.join(dir, 'ai-worker.js'), path.join(dir, '..', 'ai-worker.js'), path.join(dir, 'worker.ts')];
  const found = candidates.find((file) => exists(file));
  if (!found) throw new Error(`AI worker script not found; looked for ${candidates.join(', ')}`);
  return found;
}

/**
 * Starts a worker on a built .js entry, or on a .ts source through tsx. Node 20 does not apply
 * loader hooks that `--import tsx` registers from a worker's execArgv, so a .ts worker boots
 * from a line of JavaScript that imports the entry with tsx's API.
 */
function startWorker(file: string, options: WorkerOptions): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(pathToFileURL(file).href)}, ${JSON.stringify(api)}));`;
  return new Worker(boot, { ...options, eval: true });
}

export interface AiPoolOptions {
  /** Provider choice; detected from this machine and ATELIER_EXECUTION_PROVIDER when absent. */
  providers?: ProviderChoice;
  /** Worker script to run instead of the resolved one (tests use one with extra tasks). */
  workerEntry?: string;
  /** How long a running request may ignore its cancellation before its worker is terminated. */
  cancelGraceMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export interface RunOptions {
  /** Requests of one capability share one worker and queue; capabilities run side by side. */
  capability?: string;
  /** Heavy requests (a diffusion loop, a music model) run one at a time across capabilities: one device, one big job. */
  heavy?: boolean;
  signal?: AbortSignal;
  /** Buffers inside `input` to move to the worker instead of copying; they are detached here. */
  transfer?: ArrayBuffer[];
  onProgress?: (value: unknown) => void;
}

export interface RunTiming extends WorkerTiming {
  /** Time waiting in the queue before a worker took the request. */
  queuedMs: number;
  /** From `run()` to the result, as the caller sees it. */
  totalMs: number;
}

export interface RunResult<O> {
  output: O;
  /** The providers of the sessions the task used. */
  providers: ExecutionProvider[];
  timing: RunTiming;
}

export interface WorkerStatus {
  capability: string;
  state: 'stopped' | 'idle' | 'busy';
  threadId: number | null;
  queued: number;
  restarts: number;
}

export interface PoolStatus {
  providers: ProviderChoice;
  workers: WorkerStatus[];
  sessions: (SessionInfo & { capability: string })[];
}

interface Job {
  id: number;
  task: string;
  input: unknown;
  transfer: ArrayBuffer[];
  heavy: boolean;
  onProgress?: (value: unknown) => void;
  enqueuedAt: number;
  startedAt: number;
  /** The caller already has its answer (cancelled); what the worker says later only frees the lane. */
  settled: boolean;
  resolve(result: RunResult<unknown>): void;
  reject(err: AiError): void;
  cleanup(): void;
}

interface Lane {
  capability: string;
  queue: Job[];
  worker: Worker | null;
  current: Job | null;
  restarts: number;
  sessions: SessionInfo[];
  /** Why the worker stopped, from its 'error' event, for the crash message. */
  lastError: string | null;
  graceTimer: NodeJS.Timeout | null;
}

/**
 * Runs AI tasks in worker threads so the server's event loop never waits on inference. Workers
 * start on first use, one per capability; each runs one request at a time and keeps its
 * sessions cached. A worker that dies fails its running request and is replaced on the next one.
 */
export class AiPool {
  readonly providers: ProviderChoice;
  private readonly entry: string;
  private readonly cancelGraceMs: number;
  private readonly log?: AiPoolOptions['log'];
  private readonly lanes = new Map<string, Lane>();
  private heavyJob: Job | null = null;
  private nextId = 1;
  private closed = false;

  constructor(options: AiPoolOptions = {}) {
    this.providers = options.providers ?? chooseProviders();
    this.entry = resolveWorkerEntry(options.workerEntry);
    this.cancelGraceMs = options.cancelGraceMs ?? 5000;
    this.log = options.log;
  }

  run<O>(task: string, input: unknown, options: RunOptions = {}): Promise<RunResult<O>> {
    if (this.closed) return Promise.reject(new AiError('pool_closed', 'The AI pool is closed'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AiError('cancelled', `${task} was cancelled`));
    const lane = this.lane(options.capability ?? 'general');
    return new Promise<RunResult<O>>((resolve, reject) => {
      const onAbort = () => this.cancel(lane, job);
      const job: Job = {
        id: this.nextId++,
        task,
        input,
        transfer: options.transfer ?? [],
        heavy: options.heavy ?? false,
        onProgress: options.onProgress,
        enqueuedAt: performance.now(),
        startedAt: 0,
        settled: false,
        resolve: resolve as Job['resolve'],
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.queue.push(job);
      this.pump();
    });
  }

  status(): PoolStatus {
    const lanes = [...this.lanes.values()];
    return {
      providers: this.providers,
      workers: lanes.map((l) => ({
        capability: l.capability,
        state: !l.worker ? 'stopped' : l.current ? 'busy' : 'idle',
        threadId: l.worker?.threadId ?? null,
        queued: l.queue.length,
        restarts: l.restarts,
      })),
      sessions: lanes.flatMap((l) => l.sessions.map((s) => ({ ...s, capability: l.capability }))),
    };
  }

  /** Fails every queued and running request and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping: Promise<void>[] = [];
    for (const lane of this.lanes.values()) {
      for (const job of lane.queue.splice(0)) this.settle(job, new AiError('pool_closed', 'The AI pool closed before this request ran'));
      const running = lane.current;
      if (running) this.settle(running, new AiError('pool_closed', 'The AI pool closed while this request ran'));
      lane.current = null;
      if (lane.graceTimer) clearTimeout(lane.graceTimer);
      if (lane.worker) stopping.push(this.stopWorker(lane.worker, running));
      lane.worker = null;
    }
    this.heavyJob = null;
    await Promise.all(stopping);
  }

  /**
   * Terminating a worker in the middle of a native call (onnxruntime opening a session) aborts the
   * whole process, so a busy worker is asked to cancel its task first and terminated once it has
   * answered, or after the grace time.
   */
  private async stopWorker(worker: Worker, running: Job | null): Promise<void> {
    if (running) {
      await new Promise<void>((resolve) => {
        const stopped = () => {
          clearTimeout(timer);
          worker.off('message', answered);
          worker.off('exit', stopped);
          resolve();
        };
        const answered = (msg: WorkerToMain) => {
          if (msg.id === running.id && (msg.type === 'done' || msg.type === 'failed')) stopped();
        };
        const timer = setTimeout(stopped, this.cancelGraceMs);
        worker.on('message', answered);
        worker.on('exit', stopped);
        const msg: MainToWorker = { type: 'cancel', id: running.id };
        worker.postMessage(msg);
      });
    }
    await worker.terminate();
  }

  private lane(capability: string): Lane {
    let lane = this.lanes.get(capability);
    if (!lane) {
      lane = { capability, queue: [], worker: null, current: null, restarts: 0, sessions: [], lastError: null, graceTimer: null };
      this.lanes.set(capability, lane);
    }
    return lane;
  }

  private pump(): void {
    for (const lane of this.lanes.values()) {
      if (lane.current || lane.queue.length === 0) continue;
      if (lane.queue[0]!.heavy && this.heavyJob) continue;
      this.dispatch(lane, lane.queue.shift()!);
    }
  }

  private dispatch(lane: Lane, job: Job): void {
    const worker = lane.worker ?? this.spawn(lane);
    lane.current = job;
    if (job.heavy) this.heavyJob = job;
    job.startedAt = performance.now();
    worker.ref();
    try {
      const msg: MainToWorker = { type: 'run', id: job.id, task: job.task, input: job.input };
      worker.postMessage(msg, job.transfer);
    } catch (err) {
      // Not structured-cloneable, or a transfer buffer was already detached: the worker never saw it.
      this.finish(lane, job, new AiError('bad_input', `${job.task}: the input cannot be sent to a worker (${(err as Error).message})`));
    }
  }

  private spawn(lane: Lane): Worker {
    const init: WorkerInit = { capability: lane.capability, providers: this.providers.order };
    const worker = startWorker(this.entry, { workerData: init, name: `atelier-ai-${lane.capability}` });
    lane.worker = worker;
    lane.lastError = null;
    worker.on('message', (msg: WorkerToMain) => {
      if (lane.worker === worker) this.onMessage(lane, msg);
    });
    worker.on('error', (err) => {
      if (lane.worker === worker) lane.lastError = err.message;
    });
    worker.on('exit', (code) => {
      if (lane.worker === worker) this.onExit(lane, code);
    });
    return worker;
  }

  private onMessage(lane: Lane, msg: WorkerToMain): void {
    const job = lane.current;
    if (!job || job.id !== msg.id) return;
    switch (msg.type) {
      case 'progress':
        if (job.settled || !job.onProgress) return;
        try {
          job.onProgress(msg.value);
        } catch (err) {
          this.log?.warn({ err, task: job.task }, 'AI progress callback threw');
        }
        return;
      case 'session':
        lane.sessions.push(msg.session);
        if (msg.session.fallbackReason) this.log?.warn({ session: msg.session }, `AI session fell back to ${msg.session.provider}`);
        return;
      case 'done': {
        const now = performance.now();
        const timing: RunTiming = { ...msg.timing, queuedMs: job.startedAt - job.enqueuedAt, totalMs: now - job.enqueuedAt };
        this.finish(lane, job, { output: msg.output, providers: msg.providers, timing });
        return;
      }
      case 'failed':
        this.finish(lane, job, new AiError(msg.error.code, msg.error.message));
        return;
    }
  }

  private onExit(lane: Lane, code: number): void {
    lane.worker = null;
    lane.sessions = [];
    lane.restarts += 1;
    const job = lane.current;
    if (!job) return;
    const why = lane.lastError ?? `exit code ${code}`;
    // A cancelled job's worker that ignored the cancel was terminated on purpose: no crash to report.
    if (!job.settled) this.log?.warn({ capability: lane.capability, task: job.task, why }, 'AI worker stopped unexpectedly');
    this.finish(
      lane,
      job,
      new AiError(
        'worker_crashed',
        `The AI worker "${lane.capability}" stopped unexpectedly (${why}) while running ${job.task}; it is restarted for the next request`,
      ),
    );
  }

  /** Settles the lane's current job and hands the lane (and the heavy slot) to the next one. */
  private finish(lane: Lane, job: Job, outcome: RunResult<unknown> | AiError): void {
    if (lane.current === job) lane.current = null;
    if (this.heavyJob === job) this.heavyJob = null;
    if (lane.graceTimer) clearTimeout(lane.graceTimer);
    lane.graceTimer = null;
    this.settle(job, outcome);
    if (!lane.current && lane.queue.length === 0) lane.worker?.unref();
    this.pump();
  }

  private settle(job: Job, outcome: RunResult<unknown> | AiError): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    if (outcome instanceof AiError) job.reject(outcome);
    else job.resolve(outcome);
  }

  private cancel(lane: Lane, job: Job): void {
    if (job.settled) return;
    const queuedAt = lane.queue.indexOf(job);
    if (queuedAt >= 0) {
      lane.queue.splice(queuedAt, 1);
      this.settle(job, new AiError('cancelled', `${job.task} was cancelled before it started`));
      return;
    }
    if (lane.current !== job || !lane.worker) return;
    // The caller is answered now; the lane stays busy until the worker stops the task between two
    // session runs. One that does not (a single endless run) loses its worker after the grace time.
    this.settle(job, new AiError('cancelled', `${job.task} was cancelled`));
    const worker = lane.worker;
    const msg: MainToWorker = { type: 'cancel', id: job.id };
    worker.postMessage(msg);
    lane.graceTimer = setTimeout(() => {
      if (lane.current === job && lane.worker === worker) void worker.terminate();
    }, this.cancelGraceMs);
    lane.graceTimer.unref();
  }
}
