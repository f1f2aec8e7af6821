import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { JobSnapshot } from '../../src-server/jobs/queue';
import { buildApp } from '../../src-server/app';
import { loadConfig, type AtelierConfig } from '../../src-server/config';

export interface TestApp {
  app: FastifyInstance;
  dataDir: string;
  clock: { now: () => number; advance(ms: number): void };
  close(): Promise<void>;
}

export function tempDataDir(prefix = 'atelier-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The production factory on a real SQLite file in a fresh temp folder, with a movable clock. */
export async function makeTestApp(
  overrides: Partial<AtelierConfig> = {},
  opts: { dataDir?: string; keep?: boolean; setup?: (app: FastifyInstance) => Promise<void> | void } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? tempDataDir();
  let offset = 0;
  const clock = { now: () => Date.now() + offset, advance: (ms: number) => void (offset += ms) };
  // dataLocationFile null: a test never points this machine's real Atelier at another data folder.
  const config = loadConfig(
    {},
    { dataDir, dataLocationFile: null, logLevel: 'silent', rateLimitMax: 100_000, authRateLimitMax: 100_000, ...overrides },
  );
  const app = await buildApp({ config, clock, logger: false });
  await opts.setup?.(app);
  await app.ready();
  return {
    app,
    dataDir,
    clock,
    async close() {
      await app.close();
      if (!opts.keep && !opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A server restart on one data folder: `before` runs on a first app, which then closes; `after`
 * runs on a second app started on the same folder, with what `before` answered. Both apps are
 * closed and the folder removed after, whatever fails.
 */
export async function acrossRestart<T>(
  prefix: string,
  before: (first: TestApp) => Promise<T>,
  after: (second: TestApp, kept: T) => Promise<void>,
): Promise<void> {
  const dataDir = tempDataDir(prefix);
  let first: TestApp | null = null;
  let second: TestApp | null = null;
  try {
    first = await makeTestApp({}, { dataDir });
    const kept = await before(first);
    await first.close();
    first = null;
    second = await makeTestApp({}, { dataDir });
    await after(second, kept);
  } finally {
    await first?.close();
    await second?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A job kind that occupies the GPU lane until released, so later jobs stay queued: `register(app)`
 * in makeTestApp's setup, then `hold(app)` enqueues one. An unstarted hold is cancelled on release.
 */
export function gpuHold(): {
  register(app: FastifyInstance): void;
  hold(app: FastifyInstance): { jobId: string; release(): void };
} {
  const kind = 'test.hold-gpu';
  const releases = new Map<string, () => void>();
  return {
    register(app) {
      app.jobs.register<Record<string, never>, null>(kind, {
        lane: 'gpu',
        handler: (job, { signal }) =>
          new Promise((resolve) => {
            releases.set(job.id, () => resolve(null));
            signal.addEventListener('abort', () => resolve(null));
          }),
      });
    },
    hold(app) {
      const job = app.jobs.enqueue({ kind, payload: {} });
      return { jobId: job.id, release: () => (releases.get(job.id) ?? (() => app.jobs.cancel(job.id)))() };
    },
  };
}

/** What `/health` answers on an app with nothing queued or running. */
export const IDLE_HEALTH = {
  status: 'healthy',
  database: 'connected',
  redis: 'not_used',
  celery: 'running',
  queue: { queued: 0, processing: 0 },
  ai_workers: 'idle',
};

export interface SignedIn {
  id: string;
  accessToken: string;
  refreshToken: string;
  email: string;
  password: string;
}

let counter = 0;
/** Registers through the canvas family and signs in, as a client would. */
export async function signUp(app: FastifyInstance, fields: { email?: string; password?: string; name?: string } = {}): Promise<SignedIn> {
  counter += 1;
  const email = fields.email ?? `user${counter}-${Date.now()}@example.com`;
  const password = fields.password ?? 'correct horse 42';
  const reg = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, name: fields.name ?? `User ${counter}` },
  });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const data = login.json().data;
  return { id: data.user.id, accessToken: data.access_token, refreshToken: data.refresh_token, email, password };
}

/** Waits until the job reaches a final state; returns its snapshot. */
export async function settled(app: FastifyInstance, jobId: string, timeoutMs = 60_000): Promise<JobSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = app.jobs.snapshot(jobId);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
