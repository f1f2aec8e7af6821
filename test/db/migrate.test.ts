import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, DatabaseTooNewError } from '../../src-server/db/migrate';
import { openDatabase } from '../../src-server/db/client';
import { migrationsDir } from '../../src-server/paths';
import { tempDataDir } from '../helpers/app';

const dirs: string[] = [];
const temp = () => {
  const d = tempDataDir('atelier-migrate-');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the real migrations plus one more, as the next release would ship it. */
function nextReleaseMigrations(): string {
  const folder = path.join(temp(), 'migrations');
  fs.cpSync(migrationsDir(), folder, { recursive: true });
  const journalPath = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8'));
  const last = journal.entries[journal.entries.length - 1];
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag: '9999_next_release' });
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  fs.writeFileSync(path.join(folder, '9999_next_release.sql'), 'ALTER TABLE `users` ADD `bio` text;');
  return folder;
}

const open = (dataDir: string) => {
  const sqlite = new Database(path.join(dataDir, 'atelier.db'));
  return drizzle(sqlite) as ReturnType<typeof drizzle> & { $client: Database.Database };
};

describe('migrations', () => {
  it('creates every table on a fresh data folder, in WAL mode', () => {
    const db = openDatabase(temp());
    const tables = db.$client
      .prepare("SELECT name FROM sqlite_master WHERE type='table'")
      .all()
      .map((r: any) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['users', 'auth_sessions', 'refresh_tokens', 'jobs', 'settings']));
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
    db.$client.close();
  });

  it('upgrades a database from an older version and keeps its rows', () => {
    const dataDir = temp();
    const old = openDatabase(dataDir);
    old.$client.prepare("INSERT INTO users (id, name, password_hash, created_at, updated_at) VALUES ('u1', 'Kept', 'h', 'x', 'x')").run();
    old.$client.close();

    const db = open(dataDir);
    applyMigrations(db, nextReleaseMigrations());
    const row = db.$client.prepare("SELECT name, bio FROM users WHERE id = 'u1'").get() as { name: string; bio: null };
    expect(row).toEqual({ name: 'Kept', bio: null });
    // Running again is a no-op.
    applyMigrations(db, nextReleaseMigrations());
    db.$client.close();
  });

  it('refuses a database written by a newer Atelier instead of damaging it', () => {
    const dataDir = temp();
    const db = open(dataDir);
    applyMigrations(db, nextReleaseMigrations());
    db.$client.close();
    expect(() => openDatabase(dataDir)).toThrow(DatabaseTooNewError);
  });
});
