import fs from 'node:fs';
import { openDatabase, type Db } from '../../src-server/db/client';
import { JobQueue, type JobQueueOptions } from '../../src-server/jobs/queue';
import type { JobSnapshot, JobStatus } from '../../src-shared/events';
import { tempDataDir } from '../helpers/app';

/** A promise a test opens by hand: a handler that runs exactly as long as the test wants. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Polls until `check` returns something truthy; generous, since CI machines are noisy. */
export async function waitFor<T>(check: () => T | null | undefined | false, what = 'condition', ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface QueueFixture {
  dataDir: string;
  db: Db;
  queue: JobQueue;
  events: JobSnapshot[];
  /** Statuses one job went through, in order, without repeats from progress events. */
  statuses(id: string): JobStatus[];
  waitForStatus(id: string, status: JobStatus): Promise<JobSnapshot>;
}

/** A frozen clock tests move by hand, so durations and estimates are exact. */
export const clock = { t: Date.parse('2026-01-01T00:00:00.000Z'), now: () => clock.t };

const opened: QueueFixture[] = [];
const dirs = new Set<string>();

export function openQueue(dataDir = tempDataDir('atelier-jobs-'), options: Partial<JobQueueOptions> = {}): QueueFixture {
  dirs.add(dataDir);
  const db = openDatabase(dataDir);
  const queue = new JobQueue({ db, now: clock.now, progressEventIntervalMs: 0, progressWriteIntervalMs: 0, ...options });
  const events: JobSnapshot[] = [];
  queue.on('update', (s) => events.push(s));
  const fixture: QueueFixture = {
    dataDir,
    db,
    queue,
    events,
    statuses: (id) =>
      events
        .filter((e) => e.id === id)
        .map((e) => e.status)
        .filter((s, i, all) => i === 0 || all[i - 1] !== s),
    waitForStatus: (id, status) => waitFor(() => events.find((e) => e.id === id && e.status === status), `job ${id} to be ${status}`),
  };
  opened.push(fixture);
  return fixture;
}

/** Stops every queue the test opened (unless it simulated a crash) and removes their folders. */
export async function closeAll(): Promise<void> {
  for (const f of opened.splice(0)) {
    if (!f.db.$client.open) continue;
    await f.queue.stop();
    f.db.$client.close();
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export function addUser(db: Db, id: string): string {
  db.$client
    .prepare("INSERT INTO users (id, name, password_hash, created_at, updated_at) VALUES (?, ?, 'x', 'x', 'x')")
    .run(id, `User ${id}`);
  return id;
}
