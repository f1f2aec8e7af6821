// The messages between the pool (main thread) and its AI workers. Everything here must survive
// structured clone: plain objects, arrays, numbers, strings and typed arrays; no classes, no
// functions. Big typed arrays travel in the transfer list, so they move instead of being copied.

import type { ExecutionProvider } from '../../src-shared/ai';
export { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../src-shared/ai';

export type TensorType =
  'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor as plain data (an ort.Tensor is a class instance and would lose its prototype). */
export interface TensorData {
  type: TensorType;
  data: TensorArray;
  dims: number[];
}

/** The session options that are plain data; execution providers are chosen by the pool. */
export interface SessionOptionsData {
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  freeDimensionOverrides?: Record<string, number>;
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** Which model to load and how. Sessions are cached in a worker per (model, providers, options). */
export interface SessionSpec {
  /** Absolute path of the .onnx file. */
  model: string;
  /** Providers to try in order (CPU is always the last resort); the pool's choice when absent. */
  providers?: ExecutionProvider[];
  options?: SessionOptionsData;
}

/** One loaded session, as reported to the pool and by GET /system/ai. */
export interface SessionInfo {
  model: string;
  /** The provider asked for first. */
  requested: ExecutionProvider;
  /** The provider the session actually runs on. */
  provider: ExecutionProvider;
  /** Why the requested provider was not used, when it was not. */
  fallbackReason?: string;
  loadMs: number;
}

/** Time spent in a worker for one request; the rest of the wall time is pipeline overhead. */
export interface WorkerTiming {
  /** Sum of the time spent inside `session.run`. */
  sessionRunMs: number;
  sessionRuns: number;
  /** Time spent creating sessions that were not cached yet. */
  sessionLoadMs: number;
  /** The whole task inside the worker, session runs included. */
  workerMs: number;
}

/** Given to each worker as `workerData`. */
export interface WorkerInit {
  capability: string;
  /** Provider order used for sessions whose spec names none. */
  providers: ExecutionProvider[];
}

export type AiErrorCode =
  'cancelled' | 'worker_crashed' | 'pool_closed' | 'unknown_task' | 'model_load_failed' | 'bad_input' | 'task_failed';

export interface ErrorData {
  code: AiErrorCode;
  message: string;
}

export type MainToWorker = { type: 'run'; id: number; task: string; input: unknown } | { type: 'cancel'; id: number };

export type WorkerToMain =
  | { type: 'progress'; id: number; value: unknown }
  | { type: 'session'; id: number; session: SessionInfo }
  | { type: 'done'; id: number; output: unknown; providers: ExecutionProvider[]; timing: WorkerTiming }
  | { type: 'failed'; id: number; error: ErrorData };

/**
 * Prepares a typed array for `RunOptions.transfer`. An array owning its whole ArrayBuffer moves
 * as is (and is detached here); a view into a bigger buffer (a Node Buffer pool slab, a slice)
 * is copied first, because cloning a view copies its entire buffer; shared memory is shared.
 */
export function movable<T extends TensorArray>(array: T): { array: T; transfer: ArrayBuffer[] } {
  const buffer = array.buffer;
  if (!(buffer instanceof ArrayBuffer)) return { array, transfer: [] };
  const owned = array.byteOffset === 0 && array.byteLength === buffer.byteLength ? array : (array.slice() as T);
  return { array: owned, transfer: [owned.buffer as ArrayBuffer] };
}

/** The error every pool and worker failure surfaces as; `code` says which kind. */
export class AiError extends Error {
  constructor(
    public readonly code: AiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AiError';
  }
}

export const isAiError = (err: unknown, code?: AiErrorCode): err is AiError =>
  err instanceof AiError && (code === undefined || err.code === code);
