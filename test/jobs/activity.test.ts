import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { bearer, makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import { gate, waitFor } from './helpers';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

const LAN_PEER = '192.168.1.40';
const OWNER = '127.0.0.1';

/** An app whose `render` jobs each run until the test opens their gate, queued by the signed-in caller. */
async function sharedApp() {
  const gates = new Map<string, ReturnType<typeof gate>>();
  const hold = (id: string) => gates.get(id) ?? gates.set(id, gate()).get(id)!;
  const t = await makeTestApp(
    {},
    {
      setup: (app: FastifyInstance) => {
        app.jobs.register<{ n: number }, { n: number }>('render', {
          lane: 'gpu',
          handler: async (job) => {
            await hold(job.id).promise;
            return { n: job.payload.n };
          },
        });
        app.post('/api/v1/test/render', async (request, reply) => {
          const token = String(request.headers.authorization ?? '').slice(7);
          const who = app.auth.tokens.check(token);
          if (!who.ok) return reply.status(401).send();
          const job = app.jobs.enqueue({ kind: 'render', ownerId: who.claims.sub, payload: { n: 1 } });
          return { id: job.id };
        });
      },
    },
  );
  apps.push(t);
  const send = async (user: SignedIn, from: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/test/render', headers: bearer(user.accessToken), remoteAddress: from });
    return res;
  };
  const queued = async (user: SignedIn, from: string) => {
    const res = await send(user, from);
    expect(res.statusCode).toBe(200);
    return res.json().id as string;
  };
  const activity = async (user: SignedIn, from: string) => {
    const res = await t.app.inject({ url: '/activity/jobs', headers: bearer(user.accessToken), remoteAddress: from });
    expect(res.statusCode).toBe(200);
    return res.json().data.jobs as {
      id: string;
      status: string;
      position: number | null;
      ahead: { who: string; yours: boolean; running: boolean }[];
    }[];
  };
  const finish = (id: string) => hold(id).open();
  return { t, send, queued, activity, finish };
}

async function threeAccounts(app: FastifyInstance) {
  return { me: await signUp(app, { name: 'Me' }), ann: await signUp(app, { name: 'Ann' }), bob: await signUp(app, { name: 'Bob' }) };
}

describe('the jobs drawer: whose jobs are ahead', () => {
  it('names the accounts ahead for the owner and says "another listener" to peers', async () => {
    const { t, queued, activity, finish } = await sharedApp();
    const { me, ann, bob } = await threeAccounts(t.app);
    const ann1 = await queued(ann, LAN_PEER);
    await waitFor(() => t.app.jobs.snapshot(ann1)?.status === 'processing', 'the first job to run');
    const ann2 = await queued(ann, LAN_PEER);
    const bob1 = await queued(bob, LAN_PEER);
    await t.app.inject({ method: 'PUT', url: '/system/queue', payload: { owner_first: false } });
    const me1 = await queued(me, OWNER);

    // Round-robin: Bob (never served) before Me (never served, later), then Ann's second.
    const bobView = (await activity(bob, LAN_PEER)).find((j) => j.id === bob1)!;
    expect(bobView).toMatchObject({ status: 'queued', position: 1 });
    expect(bobView.ahead).toEqual([{ who: 'another listener', yours: false, kind: 'render', running: true }]);

    const annView = (await activity(ann, LAN_PEER)).find((j) => j.id === ann2)!;
    expect(annView.position).toBe(3);
    expect(annView.ahead.map((a) => a.who)).toEqual(['you', 'another listener', 'another listener']);
    // No peer ever receives another account's name.
    const peerBodies = JSON.stringify([await activity(ann, LAN_PEER), await activity(bob, LAN_PEER)]);
    expect(peerBodies).not.toMatch(/"Me"|"Ann"|"Bob"/);

    const myView = (await activity(me, OWNER)).find((j) => j.id === me1)!;
    expect(myView.ahead.map((a) => [a.who, a.running])).toEqual([
      ['Ann', true],
      ['Bob', false],
    ]);
    // Each caller sees only their own jobs.
    expect((await activity(bob, LAN_PEER)).map((j) => j.id)).toEqual([bob1]);

    finish(ann1);
    await waitFor(() => t.app.jobs.snapshot(bob1)?.status === 'processing', "Bob's job to start second");
    for (const id of [bob1, me1, ann2]) finish(id);
  });

  it('lets the owner move any queued job up or down one place, and nobody else', async () => {
    const { t, queued, finish } = await sharedApp();
    const { me, ann, bob } = await threeAccounts(t.app);
    const running = await queued(ann, LAN_PEER);
    await waitFor(() => t.app.jobs.snapshot(running)?.status === 'processing', 'the first job to run');
    await t.app.inject({ method: 'PUT', url: '/system/queue', payload: { owner_first: false } });
    const [a2, a3, b1, m1] = [
      await queued(ann, LAN_PEER),
      await queued(ann, LAN_PEER),
      await queued(bob, LAN_PEER),
      await queued(me, OWNER),
    ];
    const order = () => t.app.jobs.queuedInOrder('gpu').map((j) => ({ [a2]: 'a2', [a3]: 'a3', [b1]: 'b1', [m1]: 'm1' })[j.id]);
    expect(order()).toEqual(['b1', 'm1', 'a2', 'a3']);

    const up = await t.app.inject({ method: 'POST', url: `/system/jobs/${a3}/up` });
    expect(up.json().data).toMatchObject({ id: a3, position: 3 });
    expect(order()).toEqual(['b1', 'm1', 'a3', 'a2']);
    await t.app.inject({ method: 'POST', url: `/system/jobs/${b1}/down` });
    expect(order()).toEqual(['m1', 'b1', 'a3', 'a2']);
    // The first stays first, the last stays last; the front still means the front afterwards.
    await t.app.inject({ method: 'POST', url: `/system/jobs/${m1}/up` });
    await t.app.inject({ method: 'POST', url: `/system/jobs/${a2}/down` });
    expect(order()).toEqual(['m1', 'b1', 'a3', 'a2']);
    await t.app.inject({ method: 'POST', url: `/system/jobs/${a2}/promote` });
    expect(order()).toEqual(['a2', 'm1', 'b1', 'a3']);
    // Every moved job heard its new place.
    expect(t.app.jobs.snapshot(a3)?.position).toBe(4);

    expect((await t.app.inject({ method: 'POST', url: `/system/jobs/${a2}/down`, remoteAddress: LAN_PEER })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/system/jobs/nope/up' })).statusCode).toBe(404);

    // A peer cancels its own job through /activity, never another's.
    const other = await t.app.inject({
      method: 'POST',
      url: `/activity/jobs/${m1}/cancel`,
      headers: bearer(bob.accessToken),
      remoteAddress: LAN_PEER,
    });
    expect(other.statusCode).toBe(404);
    const own = await t.app.inject({
      method: 'POST',
      url: `/activity/jobs/${b1}/cancel`,
      headers: bearer(bob.accessToken),
      remoteAddress: LAN_PEER,
    });
    expect(own.json().data).toEqual({ id: b1, status: 'cancelled' });
    expect((await t.app.inject({ url: '/activity/jobs' })).json()).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
    for (const id of [running, a2, a3, m1]) finish(id);
  });
});

describe('daily compute budget per peer', () => {
  it("refuses a peer's job once today's compute seconds are used, says when it resets, and spares others", async () => {
    const { t, send, queued, finish } = await sharedApp();
    const { me, ann, bob } = await threeAccounts(t.app);
    const set = await t.app.inject({ method: 'PUT', url: '/system/queue', payload: { peer_daily_seconds: 60 } });
    expect(set.json().data).toMatchObject({ peer_daily_seconds: 60 });

    const first = await queued(ann, LAN_PEER);
    await waitFor(() => t.app.jobs.snapshot(first)?.status === 'processing', "Ann's job to run");
    // Ann's job holds the GPU for 61 s of the app's clock.
    t.clock.advance(61_000);
    finish(first);
    await waitFor(() => t.app.jobs.snapshot(first)?.status === 'completed', "Ann's job to finish");

    const refused = await send(ann, LAN_PEER);
    expect(refused.statusCode).toBe(429);
    const body = refused.json();
    expect(body).toMatchObject({
      success: false,
      error: { code: 'COMPUTE_BUDGET', details: { limit_seconds: 60, used_seconds: 61 } },
    });
    expect(body.error.message).toMatch(/resets at \d\d:\d\d \(in /);
    const resetsAt = Date.parse(body.error.details.resets_at);
    expect(resetsAt).toBeGreaterThan(t.clock.now());
    expect(resetsAt - t.clock.now()).toBeLessThanOrEqual(25 * 3_600_000);

    // Bob's budget is his own, and the owner has none.
    finish(await queued(bob, LAN_PEER));
    finish(await queued(me, OWNER));
    // Ann on the owner's own computer is the owner at the keyboard.
    finish(await queued(ann, OWNER));

    // The next day Ann may queue again; without a budget nobody is refused.
    t.clock.advance(resetsAt - t.clock.now() + 1000);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: ann.email, password: ann.password } });
    finish(await queued({ ...ann, accessToken: login.json().data.access_token }, LAN_PEER));
    await t.app.inject({ method: 'PUT', url: '/system/queue', payload: { peer_daily_seconds: null } });
    expect((await t.app.inject({ url: '/system/queue' })).json().data.sharing.peer_daily_seconds).toBeNull();
  });

  it('refuses budgets outside 1 s to a day', async () => {
    const { t } = await sharedApp();
    for (const bad of [0, 86_401, 1.5, 'ten'])
      expect((await t.app.inject({ method: 'PUT', url: '/system/queue', payload: { peer_daily_seconds: bad } })).statusCode).toBe(400);
  });
});
