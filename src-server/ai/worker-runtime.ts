import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type * as Ort from 'onnxruntime-node';
import {
  AiError,
  type ErrorData,
  type ExecutionProvider,
  type MainToWorker,
  type SessionInfo,
  type SessionSpec,
  type WorkerInit,
  type WorkerTiming,
  type WorkerToMain,
} from './protocol';

export interface LoadedSession {
  session: Ort.InferenceSession;
  info: SessionInfo;
}

/** What a task gets from the worker: cached sessions, timed runs, cancellation and progress. */
export interface TaskContext {
  /** onnxruntime-node itself, so pipeline modules need only its types and stay loadable on the main thread. */
  readonly ort: typeof Ort;
  /** Aborted when the pool cancels this request. */
  readonly signal: AbortSignal;
  /** A session for the spec, created on first use (accelerator first, then CPU) and cached. */
  session(spec: SessionSpec): Promise<LoadedSession>;
  /** `session.run`, timed: the total comes back with the result. */
  run(loaded: LoadedSession, feeds: Ort.InferenceSession.FeedsType): Promise<Ort.InferenceSession.ReturnType>;
  /** Throws a `cancelled` AiError once the request is cancelled; call it between steps. */
  throwIfCancelled(): void;
  progress(value: unknown): void;
}

export interface TaskOutput<O> {
  output: O;
  /** Buffers in `output` to move to the main thread instead of copying; the task must not keep them. */
  transfer?: ArrayBuffer[];
}

export interface WorkerTask<I = never, O = unknown> {
  name: string;
  run(input: I, ctx: TaskContext): Promise<TaskOutput<O>>;
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();

/** Runs inside an AI worker thread: answers the pool's messages with the given tasks. */
export function serve(tasks: WorkerTask<never, unknown>[]): void {
  const port = parentPort;
  if (!port) throw new Error('serve() must run inside a worker thread');
  const init = workerData as WorkerInit;
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const sessions = new Map<string, Promise<LoadedSession>>();
  const running = new Map<number, AbortController>();
  const post = (msg: WorkerToMain, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

  async function createSession(spec: SessionSpec, order: ExecutionProvider[]): Promise<LoadedSession> {
    const started = performance.now();
    let fallbackReason: string | undefined;
    for (const provider of order) {
      try {
        const session = await ort.InferenceSession.create(spec.model, {
          logSeverityLevel: 3,
          ...spec.options,
          executionProviders: [provider],
        });
        const info: SessionInfo = { model: spec.model, requested: order[0]!, provider, loadMs: performance.now() - started };
        if (fallbackReason) info.fallbackReason = fallbackReason;
        return { session, info };
      } catch (err) {
        if (provider === 'cpu') throw new AiError('model_load_failed', `Could not load ${spec.model}: ${firstLine(err)}`);
        fallbackReason ??= `${provider}: ${firstLine(err)}`;
      }
    }
    throw new AiError('model_load_failed', `No execution provider could load ${spec.model}`);
  }

  async function execute(id: number, taskName: string, input: unknown): Promise<void> {
    const task = byName.get(taskName);
    if (!task) {
      post({ type: 'failed', id, error: { code: 'unknown_task', message: `This AI worker has no task "${taskName}"` } });
      return;
    }
    const controller = new AbortController();
    running.set(id, controller);
    const timing: WorkerTiming = { sessionRunMs: 0, sessionRuns: 0, sessionLoadMs: 0, workerMs: 0 };
    const used = new Set<ExecutionProvider>();
    const started = performance.now();
    const ctx: TaskContext = {
      ort,
      signal: controller.signal,
      async session(spec) {
        const order = [...new Set<ExecutionProvider>([...(spec.providers ?? init.providers), 'cpu'])];
        const key = JSON.stringify([spec.model, order, spec.options ?? {}]);
        let loading = sessions.get(key);
        if (!loading) {
          loading = createSession(spec, order);
          sessions.set(key, loading);
          // A failed load is not cached: the file may appear or the driver recover before the next try.
          loading.catch(() => sessions.delete(key));
          const loaded = await loading;
          timing.sessionLoadMs += loaded.info.loadMs;
          post({ type: 'session', id, session: loaded.info });
        }
        const loaded = await loading;
        used.add(loaded.info.provider);
        return loaded;
      },
      async run(loaded, feeds) {
        const t0 = performance.now();
        const out = await loaded.session.run(feeds);
        timing.sessionRunMs += performance.now() - t0;
        timing.sessionRuns += 1;
        return out;
      },
      throwIfCancelled() {
        if (controller.signal.aborted) throw new AiError('cancelled', `${taskName} was cancelled`);
      },
      progress(value) {
        post({ type: 'progress', id, value });
      },
    };
    try {
      const { output, transfer } = await task.run(input as never, ctx);
      timing.workerMs = performance.now() - started;
      post({ type: 'done', id, output, providers: [...used], timing }, transfer);
    } catch (err) {
      const error: ErrorData =
        err instanceof AiError
          ? { code: err.code, message: err.message }
          : { code: 'task_failed', message: `${taskName} failed: ${firstLine(err)}` };
      post({ type: 'failed', id, error });
    } finally {
      running.delete(id);
    }
  }

  port.on('message', (msg: MainToWorker) => {
    if (msg.type === 'cancel') running.get(msg.id)?.abort();
    else void execute(msg.id, msg.task, msg.input);
  });
}
