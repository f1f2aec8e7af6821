import fs from 'node:fs';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src-server/config';
import { originAllowed } from '../../src-server/realtime/server';
import { startServer, type RunningServer } from '../../src-server/server';
import type { ClientToServerEvents, JobSnapshot, ServerToClientEvents } from '../../src-shared/events';
import { tempDataDir } from '../helpers/app';
import { gate, waitFor } from '../jobs/helpers';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let server: RunningServer;
let dataDir: string;
let offset = 0;
const clock = { now: () => Date.now() + offset };
const sockets: ClientSocket[] = [];
const release = gate();

async function signIn(name: string): Promise<{ id: string; token: string }> {
  const user = await server.app.auth.register({ name, email: `${name}@example.com`, password: 'correct horse 42' });
  return { id: user.id, token: server.app.auth.startSession(user.id).accessToken };
}

function open(options: { token?: string; query?: Record<string, string>; origin?: string } = {}): ClientSocket {
  const socket: ClientSocket = connect(server.url, {
    path: '/socket.io/',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: options.token === undefined ? {} : { token: options.token },
    query: options.query,
    extraHeaders: options.origin ? { origin: options.origin } : undefined,
  });
  sockets.push(socket);
  return socket;
}

const connected = (socket: ClientSocket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });

const refused = (socket: ClientSocket) =>
  new Promise<Error & { data?: { code?: string } }>((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, expected a refusal')));
    socket.once('connect_error', resolve);
  });

beforeAll(async () => {
  dataDir = tempDataDir('atelier-realtime-');
  server = await startServer({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), clock, logger: false });
  server.app.jobs.register<{ label: string }, string>('test.echo', {
    handler: async (job, ctx) => {
      ctx.progress(0.5, { stage: 'halfway' });
      await release.promise;
      return job.payload.label;
    },
  });
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  release.open();
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('socket.io', () => {
  it('sends job updates to their owner only', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const aliceSocket = open({ token: alice.token });
    // A token in the query string works too (clients that cannot set `auth`).
    const bobSocket = open({ query: { token: bob.token } });
    await Promise.all([connected(aliceSocket), connected(bobSocket)]);

    const aliceGot: JobSnapshot[] = [];
    const bobGot: JobSnapshot[] = [];
    aliceSocket.on('job:update', (job) => aliceGot.push(job));
    bobSocket.on('job:update', (job) => bobGot.push(job));

    const job = server.app.jobs.enqueue({ kind: 'test.echo', ownerId: alice.id, payload: { label: 'hello' } });
    await waitFor(() => aliceGot.some((j) => j.stage === 'halfway'), 'the progress event');
    release.open();
    const done = await waitFor(() => aliceGot.find((j) => j.status === 'completed'), 'the completed event');

    expect(done).toMatchObject({ id: job.id, ownerId: alice.id, result: 'hello', progress: 1 });
    expect(done).not.toHaveProperty('payload');
    expect([...new Set(aliceGot.map((j) => j.status))]).toEqual(['queued', 'processing', 'completed']);
    // Bob's own job reaches Bob, and Alice's never did.
    const bobsJob = server.app.jobs.enqueue({ kind: 'test.echo', ownerId: bob.id, payload: { label: 'bob' } });
    await waitFor(() => bobGot.find((j) => j.status === 'completed'), "bob's completed event");
    expect(bobGot.every((j) => j.id === bobsJob.id)).toBe(true);
    expect(aliceGot.every((j) => j.id === job.id)).toBe(true);
  });

  it('refuses sockets without a valid token, saying why', async () => {
    const none = await refused(open());
    expect(none.message).toMatch(/Sign in first/);
    expect(none.data?.code).toBe('UNAUTHORIZED');

    const bad = await refused(open({ token: 'not-a-token' }));
    expect(bad.message).toBe('Access token is invalid or revoked');
    expect(bad.data?.code).toBe('INVALID_TOKEN');

    const carol = await signIn('carol');
    offset += 2 * 60 * 60 * 1000;
    try {
      const expired = await refused(open({ token: carol.token }));
      expect(expired.data?.code).toBe('TOKEN_EXPIRED');
    } finally {
      offset -= 2 * 60 * 60 * 1000;
    }

    const revoked = await signIn('dave');
    server.app.auth.revokeSession(sessionOf(revoked.token));
    expect((await refused(open({ token: revoked.token }))).data?.code).toBe('INVALID_TOKEN');
  });

  it('refuses pages from other sites but accepts its own and loopback pages', async () => {
    const erin = await signIn('erin');
    const foreign = await refused(open({ token: erin.token, origin: 'https://evil.example' }));
    expect(foreign.data?.code).toBe('ORIGIN_NOT_ALLOWED');
    const own = open({ token: erin.token, origin: server.url });
    await connected(own);

    expect(originAllowed(undefined, 'x')).toBe(true);
    expect(originAllowed('http://192.168.1.5:8000', '192.168.1.5:8000')).toBe(true);
    expect(originAllowed('http://localhost:5173', '127.0.0.1:8000')).toBe(true);
    expect(originAllowed('http://127.0.0.1:5173', '127.0.0.1:8000')).toBe(true);
    expect(originAllowed('http://[::1]:5173', '127.0.0.1:8000')).toBe(true);
    expect(originAllowed('http://192.168.1.9:8000', '192.168.1.5:8000')).toBe(false);
    expect(originAllowed('null', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('file://', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('http://localhost.evil.example', '127.0.0.1:8000')).toBe(false);
  });

  it('answers clock:ping with the server clock for offset estimation', async () => {
    const frank = await signIn('frank');
    const socket = open({ token: frank.token });
    await connected(socket);
    offset = 5_000;
    try {
      const t0 = Date.now();
      const pong = await socket.timeout(10_000).emitWithAck('clock:ping', { t0 });
      const t3 = Date.now();
      expect(pong.t0).toBe(t0);
      // The server runs 5 s ahead: the estimate lands within the round trip of that.
      const estimate = pong.t1 - (t0 + t3) / 2;
      expect(Math.abs(estimate - 5_000)).toBeLessThanOrEqual(t3 - t0 + 1);
    } finally {
      offset = 0;
    }
  });

  it('ends the sockets of a session when it is signed out, and every socket of a deleted account', async () => {
    const hana = await signIn('hana');
    const otherWindow = server.app.auth.startSession(hana.id).accessToken;
    const signedOut = open({ token: hana.token });
    const stillIn = open({ token: otherWindow });
    await Promise.all([connected(signedOut), connected(stillIn)]);

    const gone = new Promise<string>((resolve) => signedOut.once('disconnect', resolve));
    server.app.auth.revokeSession(sessionOf(hana.token));
    expect(await gone).toBe('io server disconnect');
    expect(stillIn.connected).toBe(true);

    const alsoGone = new Promise<string>((resolve) => stillIn.once('disconnect', resolve));
    await server.app.auth.deleteAccount(hana.id, 'correct horse 42');
    expect(await alsoGone).toBe('io server disconnect');
  });

  it('closes cleanly while sockets are connected', async () => {
    const gina = await signIn('gina');
    const socket = open({ token: gina.token });
    await connected(socket);
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await server.close();
    expect(await gone).toBe('io server disconnect');
  });
});

/** The session id inside an access token (its `sid` claim). */
function sessionOf(token: string): string {
  const result = server.app.auth.tokens.check(token);
  if (!result.ok) throw new Error('token does not check');
  return result.claims.sid;
}
