import fs from 'node:fs';
import path from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type Database from 'better-sqlite3';
import { migrationsDir } from '../paths';

export class DatabaseTooNewError extends Error {}

/**
 * The one migration path, used at boot, in tests and on restore. Foreign keys are switched off
 * outside drizzle's transaction (SQLite ignores the pragma inside one) so table rebuilds work,
 * then checked as a whole afterwards.
 */
export function applyMigrations(
  db: BetterSQLite3Database<Record<string, unknown>> & { $client: Database.Database },
  folder = migrationsDir(),
): void {
  const sqlite = db.$client;
  guardAgainstNewerDatabase(sqlite, folder);
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(db, { migrationsFolder: folder });
    const broken = sqlite.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`migration left ${broken.length} rows with broken foreign keys`);
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}

/** A database written by a newer Atelier has migrations this build does not know: refuse to touch it. */
function guardAgainstNewerDatabase(sqlite: Database.Database, folder: string): void {
  const hasTable = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='__drizzle_migrations'").get();
  if (!hasTable) return;
  const journal = JSON.parse(fs.readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  const newestKnown = Math.max(0, ...journal.entries.map((e) => e.when));
  const row = sqlite.prepare('SELECT MAX(created_at) AS newest FROM __drizzle_migrations').get() as { newest: number | null };
  if (row.newest !== null && Number(row.newest) > newestKnown) {
    throw new DatabaseTooNewError(
      'This data folder was written by a newer version of Atelier; update Atelier or point ATELIER_DATA_DIR elsewhere.',
    );
  }
}
