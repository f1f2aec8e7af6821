import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { makeTestApp, signUp, type TestApp } from '../helpers/app';
import { gate, waitFor } from './helpers';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

const LAN_PEER = '192.168.1.40';

/** An app whose `render` jobs wait for `hold` to open, and a route that queues one for the account named in `x-user`. */
async function sharedApp() {
  const hold = gate();
  const t = await makeTestApp(
    {},
    {
      setup: (app: FastifyInstance) => {
        app.jobs.register<{ name: string }, null>('render', {
          lane: 'gpu',
          handler: async () => {
            await hold.promise;
            return null;
          },
        });
        app.post('/api/v1/test/render', async (request) => {
          const job = app.jobs.enqueue({ kind: 'render', ownerId: String(request.headers['x-user']), payload: { name: 'x' } });
          return { id: job.id, position: job.position };
        });
      },
    },
  );
  apps.push(t);
  return { t, hold };
}

describe('sharing the lanes with LAN peers', () => {
  it("marks jobs sent over loopback as the owner's and runs them ahead of peers' queued ones", async () => {
    const { t, hold } = await sharedApp();
    const [me, ann] = [await signUp(t.app, { name: 'Me' }), await signUp(t.app, { name: 'Ann' })];
    const send = (user: string, remoteAddress: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/test/render', headers: { 'x-user': user }, remoteAddress });
    const first = (await send(ann.id, LAN_PEER)).json();
    await waitFor(() => t.app.jobs.snapshot(first.id)?.status === 'processing', 'the first job to run');
    const waiting = (await send(ann.id, LAN_PEER)).json();
    const mine = (await send(me.id, '127.0.0.1')).json();
    expect(mine.position).toBe(1);
    expect(t.app.jobs.position(waiting.id)).toBe(2);

    const view = (await t.app.inject({ url: '/system/queue' })).json().data;
    expect(view.sharing).toEqual({ owner_first: true, peer_max_queued: null, peer_daily_seconds: null });
    const gpu = view.lanes.find((l: { lane: string }) => l.lane === 'gpu');
    expect(gpu.running).toMatchObject({ id: first.id, owner: { name: 'Ann' }, from_owner: false });
    expect(gpu.queued.map((j: { id: string; owner: { name: string }; from_owner: boolean }) => [j.id, j.owner.name, j.from_owner])).toEqual(
      [
        [mine.id, 'Me', true],
        [waiting.id, 'Ann', false],
      ],
    );

    // Owner first off: plain round-robin, where Me (never served yet) still comes before Ann (served last).
    const off = await t.app.inject({ method: 'PUT', url: '/system/queue', payload: { owner_first: false, peer_max_queued: 1 } });
    expect(off.json().data).toEqual({ owner_first: false, peer_max_queued: 1, peer_daily_seconds: null });
    expect(t.app.jobs.position(mine.id)).toBe(1);

    // A peer with one job waiting may not queue another; the owner may.
    const refused = await send(ann.id, LAN_PEER);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ success: false, error: { code: 'QUEUE_LIMIT' } });
    expect((await send(me.id, '127.0.0.1')).statusCode).toBe(200);
    // LAN peers cannot see or change any of it.
    expect((await t.app.inject({ url: '/system/queue', remoteAddress: LAN_PEER })).statusCode).toBe(403);

    // The owner moves Ann's job to the front, then cancels it.
    expect((await t.app.inject({ method: 'POST', url: `/system/jobs/${waiting.id}/promote` })).json().data).toMatchObject({ position: 1 });
    expect((await t.app.inject({ method: 'POST', url: `/system/jobs/${waiting.id}/cancel` })).json().data).toMatchObject({
      status: 'cancelled',
    });
    expect((await t.app.inject({ method: 'POST', url: '/system/jobs/nope/cancel' })).statusCode).toBe(404);
    hold.open();
  });
});
