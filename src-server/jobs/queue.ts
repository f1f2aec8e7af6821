import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { and, asc, count, desc, eq, getTableColumns, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/client';
import { jobs } from '../db/schema';
import { isAppError } from '../http/errors';
import type { JobSnapshot, JobStatus } from '../../src-shared/events';
import type { ByteProgress } from '../../src-shared/jobs';
import { Throttle } from './throttle';

export type { JobSnapshot, JobStatus };

/** A job with its payload, as handlers and server code see it. */
export interface Job<Payload = unknown, Result = unknown> extends JobSnapshot<Result> {
  payload: Payload;
}

export interface ProgressInfo {
  /** Shown as the job's current step; a new stage goes out at once instead of throttled. */
  stage?: string | null;
  message?: string | null;
  /** Bytes transferred so far (downloads), kept in memory only. */
  bytes?: ByteProgress | null;
  /** A small intermediate result (data: URL or signed URL), kept in memory only. */
  preview?: string | null;
}

export interface JobContext {
  /** Aborted when the job is cancelled or the server stops: hand it to fetch, AI workers, ffmpeg. */
  signal: AbortSignal;
  /** Reports 0..1 progress; cheap, call it as often as you like (events and writes are throttled). */
  progress(fraction: number, info?: ProgressInfo): void;
}

export type JobHandler<Payload, Result> = (job: Job<Payload, Result>, ctx: JobContext) => Promise<Result>;

export interface JobKindDefinition<Payload, Result> {
  /** Jobs of one lane run one at a time, lanes in parallel. Default "default". */
  lane?: string;
  /** Runs a restart may start before the job fails as interrupted. Default 2. */
  maxAttempts?: number;
  handler: JobHandler<Payload, Result>;
}

export interface EnqueueInput<Payload> {
  kind: string;
  ownerId?: string | null;
  /** Sent by the machine's owner rather than a LAN peer; default: what the policy says of the current request. */
  fromOwner?: boolean;
  /** Any JSON value but null; the handler receives it as stored (JSON round trip). */
  payload: Payload;
  lane?: string;
  maxAttempts?: number;
}

export interface JobFilter {
  ownerId?: string;
  status?: JobStatus | JobStatus[];
  kind?: string | string[];
  lane?: string;
  /** Epoch ms; only jobs that finished at or after it ("completed today"). */
  finishedAfter?: number;
}

export interface ListOptions extends JobFilter {
  /** 1..500, default 50. */
  limit?: number;
  offset?: number;
  /** By queue order; default newest first. */
  order?: 'newest' | 'oldest';
}

/** The subset of a pino/Fastify logger the queue writes to. */
export interface QueueLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What an admission check sees of a job about to be stored. */
export interface AdmissionRequest {
  kind: string;
  lane: string;
  ownerId: string | null;
  fromOwner: boolean;
}

/**
 * Decides whether a job may join the queue (per-peer limits, budgets): throw an AppError to refuse
 * it in the caller's family format. Features add their own with `addAdmission`, so the queue never
 * imports them.
 */
export type Admission = (job: AdmissionRequest, queue: JobQueue) => void;

/** How the installation wants its lanes shared; read on every reorder, so a settings change applies at once. */
export interface QueuePolicy {
  /** The owner's queued jobs go ahead of peers' (never pre-empting a running one). */
  ownerFirst(): boolean;
  /** Whether the job being enqueued now comes from the owner; undefined when unknown (then it does). */
  currentIsOwner?(): boolean | undefined;
}

export interface JobQueueOptions {
  db: Db;
  policy?: QueuePolicy;
  /** Epoch ms; the app's clock so tests can move time. */
  now?: () => number;
  log?: QueueLog;
  /** Least time between two progress events of one job (state changes always go out at once). */
  progressEventIntervalMs?: number;
  /** Least time between two progress writes of one job to SQLite. */
  progressWriteIntervalMs?: number;
  /** How long stop() waits for handlers that ignore their signal before re-queueing them anyway. */
  stopTimeoutMs?: number;
}

/** Why a job that was running when Atelier went down, and has no attempts left, failed. */
export const INTERRUPTED_REASON = 'interrupted by a restart';
export const DEFAULT_MAX_ATTEMPTS = 2;
const MAX_LIST_LIMIT = 500;
const MAX_ERROR_LENGTH = 2000;
/** Weight of the newest run in the per-kind duration average. */
const DURATION_SMOOTHING = 0.3;
/** Progress below this says too little about a run's speed to extrapolate from it. */
const MIN_RATE_PROGRESS = 0.05;

const { payload: _payloadColumn, seq: _seqColumn, ...snapshotColumns } = getTableColumns(jobs);
type JobRow = typeof jobs.$inferSelect;
type SnapshotRow = Omit<JobRow, 'payload' | 'seq'>;
type QueuedRow = Pick<JobRow, 'id' | 'lane' | 'kind' | 'ownerId' | 'fromOwner' | 'promotedAt' | 'seq'>;
type Layout = Map<string, { position: number; wait: number | null }>;
type AnyKind = JobKindDefinition<unknown, unknown>;

interface Running {
  row: SnapshotRow;
  startedMs: number;
  controller: AbortController;
  progress: number;
  stage: string | null;
  message: string | null;
  bytes: ByteProgress | null;
  preview: string | null;
  updatedAt: string;
  events: Throttle;
  writes: Throttle;
  /** The handler has returned or thrown: later progress reports are ignored. */
  settled: boolean;
  /** The row is already cancelled; whatever the handler does next is discarded. */
  cancelled: boolean;
  /** stop() aborted it: a failure means "re-queue", not "failed". */
  stopping: boolean;
  /** stop() gave up waiting and re-queued it; the handler's end must not touch SQLite. */
  abandoned: boolean;
  done: Promise<void>;
}

/**
 * The one durable job queue: rows in SQLite's `jobs` table, handlers per kind, one running job
 * per lane. Emits `update` with a JobSnapshot on every state change and (throttled) progress.
 * Plain class: the `jobs` plugin wires it to Fastify, tests may use it directly.
 */
export class JobQueue extends EventEmitter<{ update: [JobSnapshot] }> {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly log: QueueLog;
  private readonly eventIntervalMs: number;
  private readonly writeIntervalMs: number;
  private readonly stopTimeoutMs: number;
  private readonly kinds = new Map<string, AnyKind>();
  private readonly running = new Map<string, Running>();
  /** A lane stays busy until its handler returns, even after a cancel: the GPU is not free before. */
  private readonly busyLanes = new Map<string, Running>();
  /** Seconds per kind, a moving average of completed runs, for wait estimates. */
  private readonly durations = new Map<string, number>();
  /**
   * Per lane, the turn at which each account's latest job started (a counter, so two starts in one
   * millisecond still have an order): round-robin serves the account whose turn was longest ago first.
   */
  private readonly lastServed = new Map<string, Map<string, number>>();
  private turns = 0;
  private readonly policy: QueuePolicy;
  private readonly admissions: Admission[] = [];
  private state: 'idle' | 'running' | 'stopping' = 'idle';

  /** Whether jobs are being picked up (health reports it). */
  get runState(): 'idle' | 'running' | 'stopping' {
    return this.state;
  }
  private pumpScheduled = false;

  constructor(options: JobQueueOptions) {
    super();
    this.db = options.db;
    this.policy = options.policy ?? { ownerFirst: () => true };
    this.now = options.now ?? Date.now;
    this.log = options.log ?? { warn() {}, error() {} };
    this.eventIntervalMs = options.progressEventIntervalMs ?? 100;
    this.writeIntervalMs = options.progressWriteIntervalMs ?? 1000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  /** Declares how jobs of `kind` run. Register every kind before start(): start() fails queued jobs of unknown kinds. */
  register<Payload, Result>(kind: string, definition: JobKindDefinition<Payload, Result>): void {
    if (this.kinds.has(kind)) throw new Error(`job kind "${kind}" is already registered`);
    if (definition.maxAttempts !== undefined) assertAttempts(definition.maxAttempts);
    this.kinds.set(kind, definition as unknown as AnyKind);
  }

  /** Adds a check every enqueue passes first (see Admission). */
  addAdmission(check: Admission): void {
    this.admissions.push(check);
  }

  /**
   * Stores a queued job and returns it with its position; it starts once its lane is free. Throws
   * what an admission check throws (an AppError) when the job is refused.
   */
  enqueue<Payload, Result = unknown>(input: EnqueueInput<Payload>): Job<Payload, Result> {
    const definition = this.kinds.get(input.kind);
    if (!definition) throw new Error(`no handler is registered for job kind "${input.kind}"`);
    const maxAttempts = input.maxAttempts ?? definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    assertAttempts(maxAttempts);
    const payload = asJson(input.payload);
    if (payload === null) throw new TypeError('a job payload must be a JSON value other than null');
    const lane = input.lane ?? definition.lane ?? 'default';
    const ownerId = input.ownerId ?? null;
    const fromOwner = input.fromOwner ?? this.policy.currentIsOwner?.() ?? true;
    for (const admit of this.admissions) admit({ kind: input.kind, lane, ownerId, fromOwner }, this);
    const stamp = this.iso();
    const row = this.db
      .insert(jobs)
      .values({
        id: crypto.randomUUID(),
        ownerId,
        kind: input.kind,
        lane,
        fromOwner,
        status: 'queued',
        payload,
        maxAttempts,
        createdAt: stamp,
        updatedAt: stamp,
      })
      .returning()
      .get();
    const job = this.toJob(row);
    this.publish(withoutPayload(job));
    // It may go ahead of jobs already waiting (an account's first job, the owner's): they hear so.
    this.publishQueued(lane, job.id);
    this.schedulePump();
    return job as Job<Payload, Result>;
  }

  /**
   * Moves a queued job to the front of its lane (the owner's reorder), ahead of jobs moved there
   * earlier; the running job is left alone. Returns the job afterwards, or null if there is no such job.
   */
  promote(id: string): Job | null {
    const moved = this.db
      .update(jobs)
      .set({ promotedAt: this.nextPin() })
      .where(and(eq(jobs.id, id), eq(jobs.status, 'queued')))
      .returning({ lane: jobs.lane })
      .get();
    if (moved) this.publishQueued(moved.lane);
    return this.get(id);
  }

  /**
   * Moves a queued job one place up or down its lane (the owner's reorder). The jobs from the front
   * down to the moved pair are pinned in their new order, so round-robin cannot undo the move;
   * a job already first (up) or last (down) stays. Returns the job afterwards, or null if there is none.
   */
  move(id: string, direction: 'up' | 'down'): Job | null {
    const row = this.db.select({ lane: jobs.lane, status: jobs.status }).from(jobs).where(eq(jobs.id, id)).get();
    if (!row) return null;
    if (row.status !== 'queued') return this.get(id);
    const order = this.fairOrder(row.lane, this.queuedRows(row.lane));
    const at = order.findIndex((r) => r.id === id);
    const to = direction === 'up' ? at - 1 : at + 1;
    if (to < 0 || to >= order.length) return this.get(id);
    [order[at], order[to]] = [order[to]!, order[at]!];
    const pinned = order.slice(0, Math.max(at, to) + 1);
    // Band 0 runs the latest pin first: the front job gets the highest stamp.
    const base = this.nextPin();
    this.db.transaction((tx) => {
      pinned.forEach((r, i) =>
        tx
          .update(jobs)
          .set({ promotedAt: base + (pinned.length - 1 - i) })
          .where(eq(jobs.id, r.id))
          .run(),
      );
    });
    this.publishQueued(row.lane);
    return this.get(id);
  }

  /** A pin stamp above every earlier one, so "to the front" after a move still means the front. */
  private nextPin(): number {
    const top =
      this.db
        .select({ top: sql<number | null>`max(${jobs.promotedAt})` })
        .from(jobs)
        .get()?.top ?? 0;
    return Math.max(this.now(), top + 1);
  }

  /** Every queued job's place again, after the policy changed (owner first on or off). */
  reorder(): void {
    const lanes = new Set(this.queuedRows().map((r) => r.lane));
    for (const lane of lanes) this.publishQueued(lane);
  }

  /** Whether each job was sent by the machine's owner (not part of the snapshot peers receive). */
  fromOwner(ids: string[]): [string, boolean][] {
    if (ids.length === 0) return [];
    return this.db
      .select({ id: jobs.id, fromOwner: jobs.fromOwner })
      .from(jobs)
      .where(inArray(jobs.id, ids))
      .all()
      .map((r) => [r.id, r.fromOwner]);
  }

  /** What runs before a queued job: its lane's running job, then the queued jobs ahead of it in order. Empty unless queued. */
  ahead(id: string): { id: string; kind: string; ownerId: string | null; running: boolean }[] {
    const row = this.db.select({ lane: jobs.lane, status: jobs.status }).from(jobs).where(eq(jobs.id, id)).get();
    if (!row || row.status !== 'queued') return [];
    const order = this.fairOrder(row.lane, this.queuedRows(row.lane));
    const now = this.busyLanes.get(row.lane);
    return [
      ...(now && !now.cancelled ? [{ id: now.row.id, kind: now.row.kind, ownerId: now.row.ownerId, running: true }] : []),
      ...order
        .slice(
          0,
          Math.max(
            0,
            order.findIndex((r) => r.id === id),
          ),
        )
        .map((r) => ({ id: r.id, kind: r.kind, ownerId: r.ownerId, running: false })),
    ];
  }

  /** The queued jobs of a lane in the order they will start, with their positions and waits. */
  queuedInOrder(lane: string): JobSnapshot[] {
    return this.orderedSnapshots(lane);
  }

  get<Payload = unknown, Result = unknown>(id: string): Job<Payload, Result> | null {
    const row = this.db.select().from(jobs).where(eq(jobs.id, id)).get();
    return row ? (this.toJob(row) as Job<Payload, Result>) : null;
  }

  /** The job's state without its payload, as clients get it. */
  snapshot(id: string): JobSnapshot | null {
    const row = this.db.select(snapshotColumns).from(jobs).where(eq(jobs.id, id)).get();
    return row ? this.toSnapshot(row) : null;
  }

  list(options: ListOptions = {}): Job[] {
    const limit = Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(options.limit ?? 50)));
    const offset = Math.max(0, Math.floor(options.offset ?? 0));
    const rows = this.db
      .select()
      .from(jobs)
      .where(whereOf(options))
      .orderBy(options.order === 'oldest' ? asc(jobs.seq) : desc(jobs.seq))
      .limit(limit)
      .offset(offset)
      .all();
    const layout = rows.some((r) => r.status === 'queued') ? this.layout(this.queuedRows()) : undefined;
    return rows.map((row) => this.toJob(row, layout));
  }

  count(filter: JobFilter = {}): number {
    return this.db.select({ n: count() }).from(jobs).where(whereOf(filter)).get()?.n ?? 0;
  }

  /** 1 for the next job of its lane to start; null when the job is not queued (or unknown). */
  position(id: string): number | null {
    return this.snapshot(id)?.position ?? null;
  }

  /**
   * Cancels a queued job at once; a running one is marked cancelled at once and its handler's
   * signal aborted (its lane frees when the handler returns). Finished jobs stay as they are.
   * Returns the job as it is afterwards, or null if there is no such job.
   */
  cancel(id: string, reason?: string): Job | null {
    const row = this.db.select(snapshotColumns).from(jobs).where(eq(jobs.id, id)).get();
    if (!row) return null;
    if (row.status === 'queued') {
      this.transition(id, 'queued', { status: 'cancelled', error: reason ?? null, finishedAt: this.iso() });
      this.publishQueued(row.lane);
    } else if (row.status === 'processing') {
      const entry = this.running.get(id);
      if (entry) this.abortRunning(entry, reason);
      this.transition(id, 'processing', {
        status: 'cancelled',
        progress: entry?.progress,
        stage: entry?.stage,
        message: entry?.message,
        error: reason ?? null,
        finishedAt: this.iso(),
      });
    }
    return this.get(id);
  }

  /** Cancels every queued and running job of one owner (an account being deleted). */
  cancelOwnedBy(ownerId: string, reason?: string): void {
    // The account's rows may already be gone through the foreign key: abort the handlers anyway.
    for (const entry of this.running.values()) {
      if (entry.row.ownerId === ownerId && !entry.cancelled) this.abortRunning(entry, reason);
    }
    const open = this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.ownerId, ownerId), inArray(jobs.status, ['queued', 'processing'])))
      .all();
    for (const { id } of open) this.cancel(id, reason);
  }

  /**
   * Recovers from a crash and starts running jobs: rows a previous run left `processing` are
   * re-queued while attempts remain, else failed as interrupted; queued jobs of kinds nobody
   * registered fail instead of blocking their lane forever.
   */
  start(): void {
    if (this.state !== 'idle') return;
    this.recover();
    this.loadDurations();
    this.loadLastServed();
    this.state = 'running';
    this.schedulePump();
  }

  /**
   * Stops starting jobs, aborts the running ones and waits for them. A job that ends by failing
   * (as aborted handlers do) goes back to `queued` without using up an attempt, so the next
   * start() runs it again; one that completes anyway keeps its result.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    const entries = [...this.running.values()];
    for (const entry of entries) {
      entry.stopping = true;
      entry.events.cancel();
      entry.writes.cancel();
      entry.controller.abort(new DOMException('Atelier is shutting down', 'AbortError'));
    }
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      Promise.all(entries.map((e) => e.done)).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (gaveUp) {
      for (const entry of entries) {
        if (entry.settled) continue;
        entry.abandoned = true;
        this.log.warn({ jobId: entry.row.id, kind: entry.row.kind }, 'job handler ignored its abort signal; re-queued it without waiting');
        // Forget it now, so a later start() may run the job and use its lane again.
        this.forget(entry);
        if (!entry.cancelled) this.requeue(entry);
      }
    }
    this.state = 'idle';
  }

  private recover(): void {
    const interrupted = this.db.select(snapshotColumns).from(jobs).where(eq(jobs.status, 'processing')).all();
    for (const row of interrupted) {
      if (row.attempts < row.maxAttempts) {
        this.transition(row.id, 'processing', {
          status: 'queued',
          progress: 0,
          stage: null,
          message: 'Re-queued after an interrupted run',
          startedAt: null,
        });
      } else {
        this.transition(row.id, 'processing', {
          status: 'failed',
          error: INTERRUPTED_REASON,
          errorCode: 'INTERRUPTED',
          finishedAt: this.iso(),
        });
      }
    }
    const queued = this.queuedRows();
    for (const row of queued) if (!this.kinds.has(row.kind)) this.failUnknownKind(row.id, 'queued', row.kind);
  }

  private failUnknownKind(id: string, from: JobStatus, kind: string): void {
    this.transition(id, from, {
      status: 'failed',
      error: `no handler is registered for job kind "${kind}"`,
      errorCode: 'UNKNOWN_KIND',
      finishedAt: this.iso(),
    });
  }

  /** Round-robin carries on after a restart where it left off: who was served last, from the rows. */
  private loadLastServed(): void {
    const startedAt = sql<string | null>`max(${jobs.startedAt})`;
    const rows = this.db
      .select({ lane: jobs.lane, ownerId: jobs.ownerId, startedAt, seq: sql<number>`max(${jobs.seq})` })
      .from(jobs)
      .where(sql`${jobs.startedAt} is not null`)
      .groupBy(jobs.lane, jobs.ownerId)
      .orderBy(startedAt, sql`max(${jobs.seq})`)
      .all();
    for (const r of rows) this.markServed(r.lane, r.ownerId);
  }

  private markServed(lane: string, ownerId: string | null): void {
    let served = this.lastServed.get(lane);
    if (!served) this.lastServed.set(lane, (served = new Map()));
    served.set(accountKey(ownerId), ++this.turns);
  }

  /** Seeds wait estimates from the last completed runs, so they are useful right after a restart. */
  private loadDurations(): void {
    const recent = this.db
      .select({ kind: jobs.kind, startedAt: jobs.startedAt, finishedAt: jobs.finishedAt })
      .from(jobs)
      .where(eq(jobs.status, 'completed'))
      .orderBy(desc(jobs.seq))
      .limit(200)
      .all();
    const sums = new Map<string, { total: number; n: number }>();
    for (const r of recent) {
      const seconds = r.startedAt && r.finishedAt ? (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000 : NaN;
      if (!Number.isFinite(seconds) || seconds < 0) continue;
      const sum = sums.get(r.kind) ?? { total: 0, n: 0 };
      sum.total += seconds;
      sum.n += 1;
      sums.set(r.kind, sum);
    }
    for (const [kind, { total, n }] of sums) this.durations.set(kind, total / n);
  }

  private recordDuration(kind: string, seconds: number): void {
    const previous = this.durations.get(kind);
    this.durations.set(kind, previous === undefined ? seconds : previous + (seconds - previous) * DURATION_SMOOTHING);
  }

  /** Coalesces the triggers of one tick (enqueues, ends) into one look at the lanes. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.state !== 'running') return;
    try {
      for (const [lane, rows] of byLane(this.queuedRows())) {
        if (this.busyLanes.has(lane)) continue;
        const head = this.fairOrder(lane, rows)[0];
        if (head) this.begin(head.seq);
      }
    } catch (err) {
      this.log.error({ err }, 'job queue could not start the next job');
    }
  }

  private begin(seq: number): void {
    const stamp = this.now();
    const claimed = this.db
      .update(jobs)
      .set({
        status: 'processing',
        attempts: sql`${jobs.attempts} + 1`,
        progress: 0,
        stage: null,
        message: null,
        error: null,
        errorCode: null,
        startedAt: iso(stamp),
        updatedAt: iso(stamp),
      })
      .where(and(eq(jobs.seq, seq), eq(jobs.status, 'queued')))
      .returning()
      .get();
    if (!claimed) return;
    const { payload, seq: _seq, ...row } = claimed;
    const definition = this.kinds.get(row.kind);
    if (!definition) {
      this.failUnknownKind(row.id, 'processing', row.kind);
      this.schedulePump();
      return;
    }

    const entry: Running = {
      row,
      startedMs: stamp,
      controller: new AbortController(),
      progress: 0,
      stage: null,
      message: null,
      bytes: null,
      preview: null,
      updatedAt: row.updatedAt,
      events: new Throttle(this.eventIntervalMs, () => this.publish(this.toSnapshot(entry.row))),
      writes: new Throttle(this.writeIntervalMs, () => this.writeProgress(entry)),
      settled: false,
      cancelled: false,
      stopping: false,
      abandoned: false,
      done: Promise.resolve(),
    };
    this.running.set(row.id, entry);
    this.busyLanes.set(row.lane, entry);
    this.markServed(row.lane, row.ownerId);
    const job: Job = { ...this.toSnapshot(row), payload };
    this.publish(withoutPayload(job));
    this.publishQueued(row.lane);

    const ctx: JobContext = {
      signal: entry.controller.signal,
      progress: (fraction, info) => this.onProgress(entry, fraction, info),
    };
    entry.done = Promise.resolve()
      .then(() => definition.handler(job, ctx))
      .then(
        (result) => this.settle(entry, { ok: true, result }),
        (error: unknown) => this.settle(entry, { ok: false, error }),
      )
      .catch((err: unknown) => this.log.error({ err, jobId: row.id }, "job queue could not record a job's end"))
      .finally(() => {
        this.forget(entry);
        this.schedulePump();
      });
  }

  private forget(entry: Running): void {
    if (this.running.get(entry.row.id) === entry) this.running.delete(entry.row.id);
    if (this.busyLanes.get(entry.row.lane) === entry) this.busyLanes.delete(entry.row.lane);
  }

  private onProgress(entry: Running, fraction: number, info: ProgressInfo = {}): void {
    if (entry.settled || entry.cancelled || entry.stopping) return;
    if (Number.isFinite(fraction)) entry.progress = Math.min(1, Math.max(0, fraction));
    const newStage = info.stage !== undefined && info.stage !== entry.stage;
    if (info.stage !== undefined) entry.stage = info.stage;
    if (info.message !== undefined) entry.message = info.message;
    if (info.preview !== undefined) entry.preview = info.preview;
    if (info.bytes !== undefined) entry.bytes = info.bytes;
    entry.updatedAt = this.iso();
    entry.events.request(newStage);
    entry.writes.request(newStage);
  }

  private writeProgress(entry: Running): void {
    try {
      this.db
        .update(jobs)
        .set({ progress: entry.progress, stage: entry.stage, message: entry.message, updatedAt: entry.updatedAt })
        .where(and(eq(jobs.id, entry.row.id), eq(jobs.status, 'processing')))
        .run();
    } catch (err) {
      // Progress is advisory; the job's end is written either way.
      this.log.warn({ err, jobId: entry.row.id }, 'could not store job progress');
    }
  }

  private settle(entry: Running, outcome: { ok: true; result: unknown } | { ok: false; error: unknown }): void {
    entry.settled = true;
    entry.events.cancel();
    entry.writes.cancel();
    if (entry.cancelled || entry.abandoned) return;
    const { id, kind } = entry.row;
    let failure = outcome.ok ? undefined : outcome.error;
    if (outcome.ok) {
      let result: unknown;
      try {
        result = asJson(outcome.result);
      } catch (err) {
        failure = new Error('the job finished but its result is not JSON');
        this.log.error({ err, jobId: id, kind }, 'job result could not be stored');
      }
      if (failure === undefined) {
        this.recordDuration(kind, Math.max(0, this.now() - entry.startedMs) / 1000);
        this.transition(id, 'processing', {
          status: 'completed',
          progress: 1,
          stage: entry.stage,
          message: entry.message,
          result,
          finishedAt: this.iso(),
        });
        return;
      }
    }
    if (entry.stopping) {
      this.requeue(entry);
      return;
    }
    this.log.warn({ err: failure, jobId: id, kind }, 'job failed');
    const { message, code } = describeFailure(failure);
    this.transition(id, 'processing', {
      status: 'failed',
      progress: entry.progress,
      stage: entry.stage,
      message: entry.message,
      error: message,
      errorCode: code,
      finishedAt: this.iso(),
    });
  }

  private requeue(entry: Running): void {
    this.transition(entry.row.id, 'processing', {
      status: 'queued',
      // A shutdown is not the job's fault: give the attempt back.
      attempts: sql`max(${jobs.attempts} - 1, 0)`,
      progress: 0,
      stage: null,
      message: null,
      startedAt: null,
    });
  }

  private abortRunning(entry: Running, reason: string | undefined): void {
    entry.cancelled = true;
    entry.events.cancel();
    entry.writes.cancel();
    entry.controller.abort(new DOMException(reason ?? 'Job cancelled', 'AbortError'));
  }

  /** Moves a job on only if it is still in `from`, then tells listeners. */
  private transition(id: string, from: JobStatus, patch: SQLiteUpdateSetSource<typeof jobs>): void {
    const row = this.db
      .update(jobs)
      .set({ ...patch, updatedAt: this.iso() })
      .where(and(eq(jobs.id, id), eq(jobs.status, from)))
      .returning(snapshotColumns)
      .get();
    if (row) this.publish(this.toSnapshot(row));
  }

  /** Every queued job of a lane hears its place after the order changed (`except`: already told). */
  private publishQueued(lane: string, except?: string): void {
    for (const snapshot of this.orderedSnapshots(lane)) if (snapshot.id !== except) this.publish(snapshot);
  }

  private orderedSnapshots(lane: string): JobSnapshot[] {
    const rows = this.db
      .select(snapshotColumns)
      .from(jobs)
      .where(and(eq(jobs.status, 'queued'), eq(jobs.lane, lane)))
      .all();
    const layout = this.layout(this.queuedRows(lane));
    return rows.map((row) => this.toSnapshot(row, layout)).sort((a, b) => a.position! - b.position!);
  }

  /**
   * A lane's queued jobs in the order they start: jobs the owner moved to the front (latest move
   * first); then, with "owner first" on, the owner's jobs; then round-robin between accounts, each
   * account's jobs in their own order, the account served longest ago (or never) first in each round.
   */
  private fairOrder(lane: string, rows: QueuedRow[]): QueuedRow[] {
    const ownerFirst = this.policy.ownerFirst();
    const served = this.lastServed.get(lane);
    const rounds = new Map<string, number>();
    const keyed = rows
      .slice()
      .sort((a, b) => a.seq - b.seq)
      .map((row) => {
        const band = row.promotedAt !== null ? 0 : ownerFirst && row.fromOwner ? 1 : 2;
        const account = accountKey(row.ownerId);
        const roundKey = `${band}:${account}`;
        const round = rounds.get(roundKey) ?? 0;
        rounds.set(roundKey, round + 1);
        return { row, band, round, served: served?.get(account) ?? 0 };
      });
    keyed.sort(
      (a, b) =>
        a.band - b.band ||
        (a.band === 0 ? b.row.promotedAt! - a.row.promotedAt! : 0) ||
        a.round - b.round ||
        a.served - b.served ||
        a.row.seq - b.row.seq,
    );
    return keyed.map((k) => k.row);
  }

  private publish(snapshot: JobSnapshot): void {
    try {
      this.emit('update', snapshot);
    } catch (err) {
      this.log.error({ err, jobId: snapshot.id }, 'a job update listener threw');
    }
  }

  private queuedRows(lane?: string): QueuedRow[] {
    return this.db
      .select({
        id: jobs.id,
        lane: jobs.lane,
        kind: jobs.kind,
        ownerId: jobs.ownerId,
        fromOwner: jobs.fromOwner,
        promotedAt: jobs.promotedAt,
        seq: jobs.seq,
      })
      .from(jobs)
      .where(lane === undefined ? eq(jobs.status, 'queued') : and(eq(jobs.status, 'queued'), eq(jobs.lane, lane)))
      .orderBy(asc(jobs.seq))
      .all();
  }

  /**
   * Position and estimated wait of each queued job, from every queued row of the lanes concerned
   * in fair order: what is left of the lane's running job plus the average run of each job ahead.
   */
  private layout(queued: QueuedRow[]): Layout {
    const layout: Layout = new Map();
    for (const [lane, rows] of byLane(queued)) {
      let wait = this.remainingSeconds(lane);
      this.fairOrder(lane, rows).forEach((row, i) => {
        layout.set(row.id, { position: i + 1, wait: wait === null ? null : Math.ceil(wait) });
        const average = this.durations.get(row.kind);
        wait = wait === null || average === undefined ? null : wait + average;
      });
    }
    return layout;
  }

  /** Seconds until the lane's running job should end: 0 when idle, null when nothing is known. */
  private remainingSeconds(lane: string): number | null {
    const entry = this.busyLanes.get(lane);
    return entry ? this.timeLeft(entry) : 0;
  }

  /**
   * Seconds a running job still needs: from its own progress rate once it has made some (it knows
   * its size better than history does), else from the average run of its kind; null when neither is known.
   */
  private timeLeft(entry: Running): number | null {
    const elapsed = Math.max(0, (this.now() - entry.startedMs) / 1000);
    if (entry.progress >= MIN_RATE_PROGRESS && elapsed > 0) return (elapsed * (1 - entry.progress)) / entry.progress;
    const average = this.durations.get(entry.row.kind);
    if (average !== undefined) return Math.max(0, average - elapsed);
    if (entry.progress > 0) return (elapsed * (1 - entry.progress)) / entry.progress;
    return null;
  }

  private toSnapshot(row: SnapshotRow, layout?: Layout): JobSnapshot {
    const live = row.status === 'processing' ? this.running.get(row.id) : undefined;
    const place = row.status === 'queued' ? (layout ?? this.layout(this.queuedRows(row.lane))).get(row.id) : undefined;
    return {
      id: row.id,
      kind: row.kind,
      lane: row.lane,
      ownerId: row.ownerId,
      status: row.status,
      progress: live ? live.progress : row.progress,
      stage: live ? live.stage : row.stage,
      message: live ? live.message : row.message,
      ...(live?.bytes ? { bytes: live.bytes } : {}),
      preview: live ? live.preview : null,
      position: place?.position ?? null,
      estimatedWaitSeconds: place?.wait ?? null,
      ...(live ? { estimatedRemainingSeconds: nullableCeil(this.timeLeft(live)) } : {}),
      result: row.result ?? null,
      error: row.error,
      errorCode: row.errorCode,
      attempts: row.attempts,
      maxAttempts: row.maxAttempts,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      updatedAt: live ? live.updatedAt : row.updatedAt,
    };
  }

  private toJob(row: JobRow, layout?: Layout): Job {
    const { payload, seq: _seq, ...rest } = row;
    return { ...this.toSnapshot(rest, layout), payload };
  }

  private iso(): string {
    return iso(this.now());
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const nullableCeil = (n: number | null) => (n === null ? null : Math.ceil(n));

/** The round-robin's account: the app's own jobs (no owner) take turns as one more account. */
const accountKey = (ownerId: string | null) => ownerId ?? '';

function byLane(rows: QueuedRow[]): Map<string, QueuedRow[]> {
  const lanes = new Map<string, QueuedRow[]>();
  for (const row of rows) {
    const lane = lanes.get(row.lane);
    if (lane) lane.push(row);
    else lanes.set(row.lane, [row]);
  }
  return lanes;
}

function withoutPayload({ payload: _payload, ...snapshot }: Job): JobSnapshot {
  return snapshot;
}

/** What SQLite will hand back: handlers see the same shapes on a first run and after a restart. */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value ?? null) as string | undefined;
  if (text === undefined) throw new TypeError('value is not representable as JSON');
  return JSON.parse(text);
}

function assertAttempts(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RangeError(`maxAttempts must be an integer from 1 to 100, got ${n}`);
}

/** A message for people (never a stack) and, from an AppError, its code. */
function describeFailure(error: unknown): { message: string; code: string | null } {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const message = raw.trim() === '' ? 'The job failed' : raw.trim().slice(0, MAX_ERROR_LENGTH);
  return { message, code: isAppError(error) ? error.code : null };
}

function whereOf(filter: JobFilter): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.ownerId !== undefined) conditions.push(eq(jobs.ownerId, filter.ownerId));
  if (filter.status !== undefined) {
    conditions.push(Array.isArray(filter.status) ? inArray(jobs.status, filter.status) : eq(jobs.status, filter.status));
  }
  if (filter.kind !== undefined) conditions.push(Array.isArray(filter.kind) ? inArray(jobs.kind, filter.kind) : eq(jobs.kind, filter.kind));
  if (filter.lane !== undefined) conditions.push(eq(jobs.lane, filter.lane));
  if (filter.finishedAfter !== undefined) conditions.push(gte(jobs.finishedAt, iso(filter.finishedAfter)));
  return and(...conditions);
}
