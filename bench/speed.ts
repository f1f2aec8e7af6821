// Issue #15 and #19 figures: the owner's loopback requests under the default limiter, the audio
// library's first page with thousands of rows, and a peer's single job behind another's batch.
// `npx tsx bench/speed.ts` (after `npm run build`); `npm run bench` runs it too.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { buildApp } from '../src-server/app';
import { loadConfig } from '../src-server/config';
import { openDatabase } from '../src-server/db/client';
import { stageAudioFiles, users } from '../src-server/db/schema';
import { JobQueue } from '../src-server/jobs/queue';
import { median, pct, runAlone, startServer, stop, type Print } from './lib';

const LIBRARY_ROWS = 6908;
const LIST_REQUESTS = 40;
const BATCH = 20;
const JOB_MS = 25;

/** The owner's script on loopback against the default 1,200-a-minute limiter: how many answers are 429. */
async function loopbackRefusals(print: Print): Promise<void> {
  const server = await startServer({ ATELIER_RATE_LIMIT: '1200' });
  try {
    const account = { email: 'owner@bench.local', password: 'bench password 1', name: 'Owner' };
    const post = (url: string, body: unknown) =>
      fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post('/api/v1/auth/register', account);
    const login = (await (await post('/api/v1/auth/login', account)).json()) as { data: { access_token: string } };
    // The studio's account route: what a script or the UI calls, counted by the general limiter.
    const result = await autocannon({
      url: `${server.url}/api/users`,
      connections: 8,
      duration: 10,
      headers: { authorization: `Bearer ${login.data.access_token}` },
    });
    const total = result.requests.total;
    print(
      'owner on loopback, default limiter: requests in 10 s / refused (%)',
      `${total} / ${((100 * result.non2xx) / Math.max(1, total)).toFixed(1)}`,
    );
  } finally {
    await stop(server);
  }
}

/** GET /api/audio/list with a library of 6,908 songs: the first page's time and size. */
async function audioListPage(print: Print): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-list-'));
  try {
    const config = loadConfig({}, { dataDir, logLevel: 'silent', rateLimitMax: 1e7, authRateLimitMax: 1e7 });
    const app = await buildApp({ config, logger: false });
    await app.ready();
    const email = 'lib@bench.local';
    const password = 'bench password 1';
    await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password, name: 'Library' } });
    const signedIn = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })).json().data;
    const userId = signedIn.user.id as string;
    const headers = { authorization: `Bearer ${signedIn.access_token as string}` };
    const createdAt = new Date().toISOString();
    const rows = Array.from({ length: LIBRARY_ROWS }, (_, i) => ({
      title: `Song number ${i} with a title of ordinary length`,
      artist: `Artist ${i % 300}`,
      filePath: `audio/${1_700_000_000_000 + i}-${crypto.randomBytes(5).toString('hex')}.mp3`,
      fileSize: 4_000_000 + i,
      duration: 180 + (i % 120),
      format: 'mp3' as const,
      uploadedBy: userId,
      createdAt,
    }));
    for (let i = 0; i < rows.length; i += 500)
      app.db
        .insert(stageAudioFiles)
        .values(rows.slice(i, i + 500))
        .run();
    await app.close();

    const server = await startServer({}, dataDir);
    try {
      const times: number[] = [];
      let bytes = 0;
      let count = 0;
      for (let i = 0; i < LIST_REQUESTS; i++) {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/audio/list`, { headers });
        const body = await res.text();
        times.push(performance.now() - t0);
        if (!res.ok) throw new Error(`/api/audio/list: ${res.status} ${body.slice(0, 200)}`);
        bytes = body.length;
        count = (JSON.parse(body) as { count: number }).count;
      }
      print(
        `GET /api/audio/list, ${LIBRARY_ROWS} rows: first page median / p90 (ms, target < 50)`,
        `${median(times).toFixed(1)} / ${pct(times, 90).toFixed(1)}`,
      );
      print('GET /api/audio/list first page: files / bytes', `${count} / ${bytes}`);
    } finally {
      await stop(server);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Two LAN peers share the GPU lane: one queues a batch of 20, the other one job right after. The
 * single job's wait is measured; FIFO (the order before #19) would have made it wait for the whole batch.
 */
async function peerWaitBehindBatch(print: Print): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-queue-'));
  const db = openDatabase(dataDir);
  const queue = new JobQueue({ db, policy: { ownerFirst: () => true } });
  try {
    for (const id of ['batch', 'single']) {
      db.insert(users).values({ id, name: id, passwordHash: 'x', createdAt: 'x', updatedAt: 'x' }).run();
    }
    const startedAt = new Map<string, number>();
    queue.register<{ name: string }, null>('render', {
      lane: 'gpu',
      handler: async (job) => {
        startedAt.set(job.payload.name, performance.now());
        await new Promise((r) => setTimeout(r, JOB_MS));
        return null;
      },
    });
    queue.start();
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) queue.enqueue({ kind: 'render', ownerId: 'batch', fromOwner: false, payload: { name: `batch${i}` } });
    const enqueuedAt = performance.now();
    queue.enqueue({ kind: 'render', ownerId: 'single', fromOwner: false, payload: { name: 'single' } });
    while (startedAt.size < BATCH + 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, JOB_MS * 2));
    const batchMs = Math.max(...[...startedAt.entries()].filter(([k]) => k !== 'single').map(([, v]) => v)) + JOB_MS - t0;
    print(
      `peer's single job behind another peer's batch of ${BATCH} (${JOB_MS} ms jobs): wait (ms)`,
      (startedAt.get('single')! - enqueuedAt).toFixed(0),
    );
    print(`the batch's run time: that job's wait in first-in first-out order (ms)`, batchMs.toFixed(0));
  } finally {
    await queue.stop();
    db.$client.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runSpeedBench(print: Print): Promise<void> {
  await loopbackRefusals(print);
  await audioListPage(print);
  await peerWaitBehindBatch(print);
}

runAlone(import.meta.url, runSpeedBench);
