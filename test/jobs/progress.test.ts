import { afterEach, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src-server/jobs/queue';
import { progressOf } from '../../src-shared/jobs';
import { closeAll, gate, openQueue, waitFor } from './helpers';

afterEach(closeAll);

describe('structured job progress', () => {
  it("carries a download's bytes as numbers while it runs, beside the message, and drops them when it ends", async () => {
    const { queue, events, waitForStatus } = openQueue();
    const open = gate();
    let ctx: JobContext | undefined;
    queue.register('fetch', {
      handler: async (_job, c) => {
        ctx = c;
        await open.promise;
        return 'done';
      },
    });
    queue.start();
    const job = queue.enqueue({ kind: 'fetch', payload: {} });
    await waitFor(() => ctx, 'handler');

    ctx!.progress(0.5, { stage: 'download', bytes: { done: 512, total: 1024 }, message: 'model.onnx (1/1): 512/1024 bytes' });
    expect(events.at(-1)).toMatchObject({ id: job.id, bytes: { done: 512, total: 1024 } });
    expect(progressOf(queue.snapshot(job.id)!)).toEqual({
      stage: 'download',
      fraction: 0.5,
      bytes: { done: 512, total: 1024 },
      message: 'model.onnx (1/1): 512/1024 bytes',
    });

    open.open();
    const done = await waitForStatus(job.id, 'completed');
    expect(done.bytes).toBeUndefined();
    expect(progressOf(done)).toEqual({ stage: 'download', fraction: 1, message: 'model.onnx (1/1): 512/1024 bytes' });
  });
});
