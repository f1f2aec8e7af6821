import { create } from 'zustand';
import type { JobSnapshot } from '../../../src-shared/events';

/**
 * Every job the signed-in user owns, as the socket last reported it (`job:update`). The socket
 * feeds it (socket.ts); components read one job with useJob(id), stores react to a kind with
 * onJobs(kind, listener). An event may come before the 202 answer that names its job: it is kept.
 */
interface JobsState {
  byId: Record<string, JobSnapshot>;
}

export const useJobs = create<JobsState>()(() => ({ byId: {} }));

/** `previous`: the job's snapshot before this update, or null for its first. */
type Listener = (job: JobSnapshot, previous: JobSnapshot | null) => void;
const listeners = new Map<string, Set<Listener>>();

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
/** Finished jobs kept for late readers; open ones are always kept. */
const KEEP_FINISHED = 100;

/** Called by the socket for every `job:update`. */
export function receiveJob(job: JobSnapshot): void {
  const previous = useJobs.getState().byId[job.id] ?? null;
  useJobs.setState((s) => {
    const byId = { ...s.byId, [job.id]: job };
    const finished = Object.values(byId).filter((j) => FINISHED.has(j.status));
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) delete byId[old.id];
    return { byId };
  });
  for (const listener of listeners.get(job.kind) ?? []) listener(job, previous);
}

/** Forgets every job (signed out). */
export function clearJobs(): void {
  useJobs.setState({ byId: {} });
}

/** The latest snapshot of one job, or null until the socket has reported it. */
export function useJob(id: string | null): JobSnapshot | null {
  return useJobs((s) => (id ? (s.byId[id] ?? null) : null));
}

/** Calls `listener` with every update of a job of `kind`; answers the unsubscribe. */
export function onJobs(kind: string, listener: Listener): () => void {
  const set = listeners.get(kind) ?? new Set<Listener>();
  set.add(listener);
  listeners.set(kind, set);
  return () => void set.delete(listener);
}

/** A job's progress in one shape: structured when the server sends it, read from the message before. */
export interface JobProgress {
  /** What it is doing now ("download", "step 12/30"), or null. */
  stage: string | null;
  /** 0..1. */
  fraction: number;
  /** Bytes moved so far and in all (null when unknown); null when the job moves no bytes. */
  bytes: { file: string | null; received: number; total: number | null } | null;
  message: string | null;
}

/** The shape src-shared's structured job progress takes (stage, fraction, bytes, message); read where `progress` carries it. */
interface StructuredProgress {
  stage?: string | null;
  fraction: number;
  bytes?: { file?: string | null; received?: number; done?: number; total?: number | null } | null;
  message?: string | null;
}

const isStructured = (p: unknown): p is StructuredProgress =>
  typeof p === 'object' && p !== null && typeof (p as StructuredProgress).fraction === 'number';

/** Bytes from a message the server wrote as `<file> (<n>/<files>): <received>/<total or ?> bytes` (installs before structured progress). */
function bytesInMessage(message: string | null): JobProgress['bytes'] {
  const m = /^(.*) \(\d+\/\d+\): (\d+)\/(\d+|\?) bytes$/.exec(message ?? '');
  if (!m) return null;
  return { file: m[1]!, received: Number(m[2]), total: m[3] === '?' ? null : Number(m[3]) };
}

export function progressOf(job: JobSnapshot): JobProgress {
  const raw: unknown = job.progress;
  const p = isStructured(raw) ? raw : null;
  const message = p?.message ?? job.message;
  const bytes = p?.bytes
    ? { file: p.bytes.file ?? null, received: p.bytes.received ?? p.bytes.done ?? 0, total: p.bytes.total ?? null }
    : bytesInMessage(message);
  return { stage: p?.stage ?? job.stage, fraction: p ? p.fraction : (raw as number), bytes, message };
}
