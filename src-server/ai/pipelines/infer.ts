import type * as Ort from 'onnxruntime-node';
import { AiError, movable, type SessionSpec, type TensorArray, type TensorData, type TensorType } from '../protocol';
import type { AiPool, RunOptions, RunResult } from '../pool';
import type { WorkerTask } from '../worker-runtime';

// One session.run per request: for models whose work is a single forward pass. Models that loop
// (VAD windows, diffusion steps) get their own task so the loop stays inside the worker.

export interface InferInput {
  session: SessionSpec;
  feeds: Record<string, TensorData>;
}

export type InferOutput = Record<string, TensorData>;

type TensorCtor = new (type: TensorType, data: TensorArray, dims: readonly number[]) => Ort.Tensor;

export const inferTask: WorkerTask<InferInput, InferOutput> = {
  name: 'infer',
  async run(input, ctx) {
    const loaded = await ctx.session(input.session);
    const Tensor = ctx.ort.Tensor as unknown as TensorCtor;
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(input.feeds)) feeds[name] = new Tensor(t.type, t.data, t.dims);
    const results = await ctx.run(loaded, feeds);
    const output: InferOutput = {};
    const transfer = new Set<ArrayBuffer>();
    for (const [name, t] of Object.entries(results)) {
      if (!ArrayBuffer.isView(t.data))
        throw new AiError('task_failed', `infer: output "${name}" is a ${t.type} tensor, which has no typed array to return`);
      const data = t.data as TensorArray;
      output[name] = { type: t.type as TensorType, data, dims: [...t.dims] };
      transfer.add(data.buffer as ArrayBuffer);
    }
    return { output, transfer: [...transfer] };
  },
};

/**
 * Runs one forward pass in the pool. Feeds move to the worker without a copy and are detached
 * here (see `movable`).
 */
export function infer(
  pool: AiPool,
  session: SessionSpec,
  feeds: Record<string, TensorData>,
  options: Omit<RunOptions, 'transfer'> = {},
): Promise<RunResult<InferOutput>> {
  const sent: Record<string, TensorData> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, t] of Object.entries(feeds)) {
    const m = movable(t.data);
    sent[name] = { ...t, data: m.array };
    transfer.push(...m.transfer);
  }
  return pool.run<InferOutput>('infer', { session, feeds: sent } satisfies InferInput, { ...options, transfer });
}
