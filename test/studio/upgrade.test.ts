import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src-server/db/migrate';
import { migrationsDir } from '../../src-server/paths';
import { makeTestApp, tempDataDir } from '../helpers/app';
import { studioUser } from './helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The migrations as the release before the studio tables shipped them. */
function releaseBeforeStudio(root: string): string {
  const folder = path.join(root, 'old-migrations');
  fs.cpSync(migrationsDir(), folder, { recursive: true });
  const journalPath = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag.endsWith('_studio'));
  if (at < 0) throw new Error('no studio migration in the journal');
  journal.entries = journal.entries.slice(0, at);
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe('upgrading a data folder from before the studio tables', () => {
  it('adds the studio tables, keeps the accounts, and the studio works on it', async () => {
    const dataDir = tempDataDir('atelier-studio-upgrade-');
    dirs.push(dataDir);
    const sqlite = new Database(path.join(dataDir, 'atelier.db'));
    const old = drizzle(sqlite) as ReturnType<typeof drizzle> & { $client: Database.Database };
    applyMigrations(old, releaseBeforeStudio(dataDir));
    sqlite.prepare("INSERT INTO users (id, name, password_hash, created_at, updated_at) VALUES ('u-old', 'Kept', 'h', 'x', 'x')").run();
    expect(sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'studio_studios'").get()).toBeUndefined();
    sqlite.close();

    const t = await makeTestApp({}, { dataDir });
    try {
      const tables = t.app.db.$client
        .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'studio_%' ORDER BY name")
        .all();
      expect(tables).toEqual([
        { name: 'studio_arrangements' },
        { name: 'studio_songs' },
        { name: 'studio_studios' },
        { name: 'studio_tracks' },
      ]);
      expect(t.app.db.$client.prepare("SELECT name FROM users WHERE id = 'u-old'").get()).toEqual({ name: 'Kept' });
      const alice = await studioUser(t.app);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/work/studio',
        headers: alice.headers,
        payload: { studioName: 'After upgrade' },
      });
      expect(res.statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents every studio path with its bodies and error codes', async () => {
    const t = await makeTestApp();
    try {
      const doc = (await t.app.inject({ url: '/openapi.json' })).json();
      const paths = [
        '/api/work/studio',
        '/api/work/studio/{studioid}',
        '/api/work/studio/{studioid}/reset',
        '/api/work/track/{studioid}',
        '/api/work/track/{studioid}/fail',
        '/api/work/track/{trackId}',
        '/api/work/track/{studioid}/{trackId}',
        '/api/song',
        '/api/song/{studioid}',
        '/api/song/ai/{studioid}',
        '/api/song/download/{songId}',
        '/api/song/cover',
        '/api/song/share/{songId}',
        '/api/song/shared/{token}',
        '/api/song/basic/presignedUrl',
        '/api/song/ai/presignedUrl',
        '/api/song/studios/{studioid}/basic/save',
        '/api/song/studios/{studioid}/ai/save',
        '/api/song/studios/{studioid}/ai',
        '/api/compose',
      ];
      for (const p of paths) expect(doc.paths, p).toHaveProperty([p]);
      const create = doc.paths['/api/work/track/{studioid}'].post;
      expect(create.tags).toEqual(['studio']);
      expect(create.requestBody.content['application/json'].schema.required).toEqual(['trackName', 'instrument']);
      expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404']));
      expect(doc.paths['/api/song/studios/{studioid}/ai'].post.responses['503'].description).toContain('COMPOSER_UNAVAILABLE');
      expect(doc.paths['/api/compose'].post.requestBody.content).toHaveProperty(['multipart/form-data']);
    } finally {
      await t.close();
    }
  });
});
