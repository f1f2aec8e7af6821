import type Database from 'better-sqlite3';

/**
 * Keeps the data folder tidy: finished jobs (completed, failed, cancelled) older than the
 * retention period are deleted. A job another table still points at (e.g. a canvas generation,
 * whose row carries credits and usage figures) is kept, so pruning never changes what an account
 * was charged or the usage it sees; the referencing tables are read from SQLite's own foreign
 * keys, so a feature adding one is covered without this file knowing it.
 */
export interface PruneResult {
  /** Jobs deleted. */
  deleted: number;
  /** Finished jobs past the retention period kept because another table refers to them. */
  kept: number;
}

const FINISHED = `status IN ('completed', 'failed', 'cancelled') AND finished_at IS NOT NULL AND finished_at < ?`;

/** The `table.column` pairs whose foreign key points at jobs.id. */
function referencesToJobs(db: Database.Database): { table: string; column: string }[] {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  return tables.flatMap((table) =>
    (
      db.prepare(`SELECT "table" AS target, "from" AS column, "to" AS targetColumn FROM pragma_foreign_key_list(?)`).all(table) as {
        target: string;
        column: string;
        targetColumn: string | null;
      }[]
    )
      .filter((fk) => fk.target === 'jobs' && fk.targetColumn === 'id')
      .map((fk) => ({ table, column: fk.column })),
  );
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Deletes finished jobs that ended before `before` (epoch ms), in one transaction. */
export function pruneFinishedJobs(db: Database.Database, before: number): PruneResult {
  const cutoff = new Date(before).toISOString();
  const unreferenced = referencesToJobs(db)
    .map(({ table, column }) => `NOT EXISTS (SELECT 1 FROM ${quote(table)} r WHERE r.${quote(column)} = jobs.id)`)
    .join(' AND ');
  const where = unreferenced ? `${FINISHED} AND ${unreferenced}` : FINISHED;
  return db.transaction(() => {
    const old = db.prepare(`SELECT count(*) FROM jobs WHERE ${FINISHED}`).pluck().get(cutoff) as number;
    const deleted = db.prepare(`DELETE FROM jobs WHERE ${where}`).run(cutoff).changes;
    return { deleted, kept: old - deleted };
  })();
}
