import { and, eq, gte, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { jobs } from '../db/schema';

/**
 * Compute seconds an account's LAN jobs used since `sinceMs`: each run's start to its end (or to
 * now while it runs), whatever its kind or outcome, since a failed or cancelled run held the GPU too.
 * Jobs sent from this computer are the owner's and never count.
 */
export function peerComputeSeconds(db: Db, ownerId: string, sinceMs: number, nowMs: number): number {
  const rows = db
    .select({ startedAt: jobs.startedAt, finishedAt: jobs.finishedAt })
    .from(jobs)
    .where(
      and(
        eq(jobs.ownerId, ownerId),
        eq(jobs.fromOwner, false),
        isNotNull(jobs.startedAt),
        gte(jobs.startedAt, new Date(sinceMs).toISOString()),
      ),
    )
    .all();
  let seconds = 0;
  for (const r of rows) {
    const start = Date.parse(r.startedAt!);
    const end = r.finishedAt ? Date.parse(r.finishedAt) : nowMs;
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) seconds += (end - start) / 1000;
  }
  return seconds;
}

/** The start of the machine's local day containing `ms`, and of the next one: budgets reset at the owner's midnight. */
export function localDay(ms: number): { start: number; next: number } {
  const d = new Date(ms);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const next = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  return { start, next };
}

/** "1 h 5 min", "12 min", "40 s": a duration for people. */
export function spokenDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h > 0 ? `${h} h${m ? ` ${m} min` : ''}` : `${m} min`;
}
