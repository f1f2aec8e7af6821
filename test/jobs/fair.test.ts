import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src-server/http/errors';
import { addUser, closeAll, gate, openQueue, waitFor, type QueueFixture } from './helpers';

afterEach(closeAll);

/** A lane whose jobs record the order they start in; `hold` keeps the first one running until opened. */
function recorder(fixture: QueueFixture, hold = false) {
  const started: string[] = [];
  const first = gate();
  if (!hold) first.open();
  fixture.queue.register<{ name: string }, null>('render', {
    lane: 'gpu',
    handler: async (job) => {
      started.push(job.payload.name);
      if (started.length === 1) await first.promise;
      return null;
    },
  });
  return { started, release: first.open };
}

const enqueue = (f: QueueFixture, ownerId: string | null, name: string, fromOwner = false) =>
  f.queue.enqueue({ kind: 'render', ownerId, payload: { name }, fromOwner });

describe('fair order within a lane', () => {
  it("starts a peer's single job second and another's third, not behind a batch of ten", async () => {
    const f = openQueue();
    const [ann, ben, cat] = ['ann', 'ben', 'cat'].map((id) => addUser(f.db, id));
    const { started } = recorder(f);
    for (let i = 1; i <= 10; i++) enqueue(f, ann!, `ann${i}`);
    const single = [enqueue(f, ben!, 'ben1'), enqueue(f, cat!, 'cat1')];
    expect(single.map((j) => j.position)).toEqual([2, 3]);
    f.queue.start();
    await waitFor(() => started.length === 12, 'all twelve jobs');
    expect(started.slice(0, 4)).toEqual(['ann1', 'ben1', 'cat1', 'ann2']);
    expect(started.slice(3)).toEqual(['ann2', 'ann3', 'ann4', 'ann5', 'ann6', 'ann7', 'ann8', 'ann9', 'ann10']);
  });

  it('puts a newcomer ahead of a batch already running, and tells everyone behind their new place', async () => {
    const f = openQueue();
    const [ann, ben] = ['ann', 'ben'].map((id) => addUser(f.db, id));
    const { started, release } = recorder(f, true);
    f.queue.start();
    const batch = Array.from({ length: 5 }, (_, i) => enqueue(f, ann!, `ann${i + 1}`));
    await f.waitForStatus(batch[0]!.id, 'processing');
    expect(f.queue.position(batch[1]!.id)).toBe(1);

    const newcomer = enqueue(f, ben!, 'ben1');
    expect(newcomer.position).toBe(1);
    // Each of ann's waiting jobs heard it moved back one place.
    for (const [i, job] of batch.slice(1).entries()) {
      expect(f.events.filter((e) => e.id === job.id).at(-1)).toMatchObject({ status: 'queued', position: i + 2 });
    }
    release();
    await waitFor(() => started.length === 6, 'all six jobs');
    expect(started).toEqual(['ann1', 'ben1', 'ann2', 'ann3', 'ann4', 'ann5']);
  });

  it("keeps each account's jobs in their own order and alternates between accounts", async () => {
    const f = openQueue();
    const [ann, ben] = ['ann', 'ben'].map((id) => addUser(f.db, id));
    const { started } = recorder(f);
    for (let i = 1; i <= 3; i++) enqueue(f, ann!, `ann${i}`);
    for (let i = 1; i <= 3; i++) enqueue(f, ben!, `ben${i}`);
    f.queue.start();
    await waitFor(() => started.length === 6, 'all six jobs');
    expect(started).toEqual(['ann1', 'ben1', 'ann2', 'ben2', 'ann3', 'ben3']);
  });
});

describe('the owner first', () => {
  const scenario = async (ownerFirst: boolean) => {
    const f = openQueue(undefined, { policy: { ownerFirst: () => ownerFirst } });
    const [me, peer] = ['me', 'peer'].map((id) => addUser(f.db, id));
    const { started, release } = recorder(f, true);
    f.queue.start();
    const running = enqueue(f, peer!, 'peer1');
    await f.waitForStatus(running.id, 'processing');
    enqueue(f, peer!, 'peer2');
    const mine = [enqueue(f, me!, 'me1', true), enqueue(f, me!, 'me2', true)];
    // Never pre-empting: the peer's running job goes on.
    expect(f.queue.get(running.id)!.status).toBe('processing');
    const positions = mine.map((j) => f.queue.position(j.id));
    release();
    await waitFor(() => started.length === 4, 'all four jobs');
    return { started, positions };
  };

  it("puts the owner's queued jobs ahead of peers' when on", async () => {
    const { started, positions } = await scenario(true);
    expect(positions).toEqual([1, 2]);
    expect(started).toEqual(['peer1', 'me1', 'me2', 'peer2']);
  });

  it('takes turns with peers when off', async () => {
    const { started, positions } = await scenario(false);
    expect(positions).toEqual([1, 3]);
    expect(started).toEqual(['peer1', 'me1', 'peer2', 'me2']);
  });
});

describe('reorder, limits and restart', () => {
  it('lets the owner move a queued job to the front of its lane', async () => {
    const f = openQueue();
    const ann = addUser(f.db, 'ann');
    const { started, release } = recorder(f, true);
    f.queue.start();
    const jobs = ['a1', 'a2', 'a3', 'a4'].map((n) => enqueue(f, ann, n));
    await f.waitForStatus(jobs[0]!.id, 'processing');
    expect(f.queue.promote(jobs[3]!.id)).toMatchObject({ status: 'queued', position: 1 });
    expect(f.queue.promote(jobs[2]!.id)).toMatchObject({ position: 1 });
    expect(f.queue.queuedInOrder('gpu').map((j) => j.id)).toEqual([jobs[2]!.id, jobs[3]!.id, jobs[1]!.id]);
    // A running job stays where it is.
    expect(f.queue.promote(jobs[0]!.id)).toMatchObject({ status: 'processing', position: null });
    release();
    await waitFor(() => started.length === 4, 'all four jobs');
    expect(started).toEqual(['a1', 'a3', 'a4', 'a2']);
  });

  it('refuses a job an admission check throws for, and stores nothing', () => {
    const f = openQueue();
    const peer = addUser(f.db, 'peer');
    recorder(f);
    f.queue.addAdmission((job, queue) => {
      if (!job.fromOwner && queue.count({ ownerId: job.ownerId!, status: 'queued' }) >= 2)
        throw new AppError(429, 'QUEUE_LIMIT', 'two at once');
    });
    enqueue(f, peer, 'p1');
    enqueue(f, peer, 'p2');
    expect(() => enqueue(f, peer, 'p3')).toThrow(expect.objectContaining({ statusCode: 429, code: 'QUEUE_LIMIT' }));
    expect(enqueue(f, peer, 'mine', true).status).toBe('queued');
    expect(f.queue.count({ ownerId: peer })).toBe(3);
  });

  it('carries the round-robin on after a restart: whoever was served last waits', async () => {
    const first = openQueue();
    const [ann, ben] = ['ann', 'ben'].map((id) => addUser(first.db, id));
    recorder(first);
    first.queue.start();
    await first.waitForStatus(enqueue(first, ann!, 'ann1').id, 'completed');
    await first.queue.stop();
    for (const [owner, name] of [
      [ann, 'ann2'],
      [ann, 'ann3'],
      [ben, 'ben1'],
    ] as const)
      enqueue(first, owner!, name);
    first.db.$client.close();

    const second = openQueue(first.dataDir);
    const { started } = recorder(second);
    second.queue.start();
    await waitFor(() => started.length === 3, 'the three queued jobs');
    expect(started).toEqual(['ben1', 'ann2', 'ann3']);
  });
});
