import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RotatingLogFile } from '../../src-server/log-file';
import { listFfmpegs, setFfmpegOverride } from '../../src-server/media/ffmpeg';
import { scrub } from '../../src-server/system/diagnostics';
import { bearer, makeTestApp, signUp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';

// A tidy data folder: retention in Settings, sizes by area, the ffmpeg override checked by running
// it, rotating logs, and diagnostics without personal data.

vi.setConfig({ testTimeout: 30_000 });

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  setFfmpegOverride(null);
});

async function setUp() {
  t = await makeTestApp();
  const user = await signUp(t.app, { email: 'ada.lovelace@example.com' });
  return { app: t.app, dataDir: t.dataDir, owner: requests(() => t!.app).as({ headers: bearer(user.accessToken) }), user };
}

describe('retention in Settings', () => {
  it('defaults to ATELIER_JOB_RETENTION_DAYS, prunes at once when shortened, and goes back with null', async () => {
    const { app, owner } = await setUp();
    expect((await owner.get('/system/settings/retention')).json().data).toEqual({ days: 30, from_settings: false });
    const at = (daysAgo: number) => new Date(app.clock.now() - daysAgo * 86_400_000).toISOString();
    app.db.$client
      .prepare(
        `INSERT INTO jobs (id, kind, status, payload, created_at, updated_at, finished_at) VALUES (?, 'test.old', 'completed', '{}', ?, ?, ?)`,
      )
      .run('job-ten-days', at(11), at(10), at(10));
    const put = await owner.put('/system/settings/retention', { days: 7 });
    expect(put.json().data).toEqual({ days: 7, from_settings: true, pruned: 1 });
    expect(app.db.$client.prepare(`SELECT count(*) FROM jobs WHERE id = 'job-ten-days'`).pluck().get()).toBe(0);
    expect((await owner.put('/system/settings/retention', { days: -1 })).statusCode).toBe(400);
    expect((await owner.put('/system/settings/retention', { days: null })).json().data).toMatchObject({ days: 30, from_settings: false });
  });
});

describe('data folder size by area', () => {
  it('counts images, models and the rest separately', async () => {
    const { dataDir, owner } = await setUp();
    fs.mkdirSync(path.join(dataDir, 'files', 'canvas', 'u1'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'files', 'canvas', 'u1', 'a.png'), Buffer.alloc(12_345));
    fs.mkdirSync(path.join(dataDir, 'models', 'upscalers', 'x'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'models', 'upscalers', 'x', 'model.onnx'), Buffer.alloc(54_321));
    const data = (await owner.get('/system/storage')).json().data as {
      total_bytes: number;
      free_bytes: number;
      areas: { area: string; bytes: number }[];
    };
    const area = (name: string) => data.areas.find((a) => a.area === name)!.bytes;
    expect(area('images')).toBe(12_345);
    expect(area('models')).toBe(54_321);
    expect(area('database')).toBeGreaterThan(0);
    expect(data.areas.reduce((s, a) => s + a.bytes, 0)).toBe(data.total_bytes);
    expect(data.free_bytes).toBeGreaterThan(0);
  });
});

describe('the ffmpeg override', () => {
  it('shows which ffmpeg runs, refuses a file that is not ffmpeg, and takes one that runs', async () => {
    const { dataDir, owner } = await setUp();
    const before = (await owner.get('/system/settings/ffmpeg')).json().data;
    expect(before.override).toBeNull();
    const builds = await listFfmpegs();
    if (builds.length) expect(before.active).toMatchObject({ version: builds[0]!.version });

    const fake = path.join(dataDir, 'not-ffmpeg');
    fs.writeFileSync(fake, '#!/bin/sh\necho hello\n', { mode: 0o755 });
    const refused = await owner.put('/system/settings/ffmpeg', { path: fake });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('FFMPEG_INVALID');
    expect((await owner.put('/system/settings/ffmpeg', { path: 'relative/ffmpeg' })).json().error.code).toBe('VALIDATION_ERROR');
    expect((await owner.get('/system/settings/ffmpeg')).json().data.override).toBeNull();

    if (!builds.length) return; // no ffmpeg on this machine to choose
    const chosen = builds.at(-1)!.ffmpeg;
    const taken = (await owner.put('/system/settings/ffmpeg', { path: chosen })).json().data;
    expect(taken.override).toBe(chosen);
    expect(taken.active).toMatchObject({ path: chosen, source: 'settings' });
    expect((await owner.get('/system/info')).json().data.ffmpeg).toMatchObject({ path: chosen, source: 'settings' });
    expect((await owner.put('/system/settings/ffmpeg', { path: null })).json().data.override).toBeNull();
  });
});

describe('logs', () => {
  it('roll over by size and keep a fixed number of files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-logs-'));
    try {
      const log = new RotatingLogFile(dir, 100, 2);
      for (let i = 0; i < 20; i++) log.writeLine(`line ${String(i).padStart(2, '0')} ${'x'.repeat(20)}\n`);
      expect(fs.readdirSync(dir).sort()).toEqual(['atelier.1.log', 'atelier.2.log', 'atelier.log']);
      for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(100);
      expect(fs.readFileSync(path.join(dir, 'atelier.log'), 'utf8')).toContain('line 19');
      expect(fs.readFileSync(path.join(dir, 'atelier.2.log'), 'utf8')).not.toContain('line 00');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('"Copy diagnostics" has versions, providers, ffmpeg, disk and the last log lines, but no e-mail, token or home folder', async () => {
    const { dataDir, owner, user } = await setUp();
    const jwt = user.accessToken;
    const log = new RotatingLogFile(path.join(dataDir, 'logs'));
    log.writeLine(`{"level":30,"msg":"Atelier listening on http://127.0.0.1:8000"}\n`);
    log.writeLine(`{"level":40,"msg":"sign-in failed for ada.lovelace@example.com"}\n`);
    log.writeLine(`{"level":30,"req":{"headers":{"authorization":"Bearer ${jwt}"}},"msg":"request"}\n`);
    log.writeLine(`{"level":30,"url":"/files/canvas/a.png?exp=1&sig=abcdef0123456789","msg":"download"}\n`);
    log.writeLine(`{"level":30,"body":{"password":"correct horse 42"},"msg":"${os.homedir()}/Pictures/x.png"}\n`);
    const text = (await owner.get('/system/diagnostics')).json().data.text as string;
    expect(text).toMatch(/^Atelier 0\.1\.0/);
    expect(text).toMatch(/Execution providers: .*cpu/);
    expect(text).toMatch(/ffmpeg: /);
    expect(text).toMatch(/Disk: .* GB free/);
    expect(text).toContain('Atelier listening on http://127.0.0.1:8000');
    expect(text).toContain('sign-in failed for <email>');
    for (const secret of ['ada.lovelace@example.com', jwt, 'abcdef0123456789', 'correct horse 42', os.homedir()])
      expect(text).not.toContain(secret);
    expect(scrub('Basic YWRhOnB3')).toBe('Basic <token>');
  });
});

describe('moving the data folder', () => {
  it('copies everything, then points the next start at the copy; the old folder stays', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-move-'));
    const locationFile = path.join(base, 'default', 'location.json');
    t = await makeTestApp({ dataLocationFile: locationFile });
    await signUp(t.app, { email: 'mover@example.com' });
    const owner = requests(() => t!.app).as({ headers: bearer((await signUp(t!.app)).accessToken) });
    fs.mkdirSync(path.join(t.dataDir, 'files', 'canvas', 'u1'), { recursive: true });
    fs.writeFileSync(path.join(t.dataDir, 'files', 'canvas', 'u1', 'a.png'), Buffer.alloc(4321, 7));
    try {
      // Not into a folder that already holds something, nor inside the data folder itself.
      const busy = path.join(base, 'busy');
      fs.mkdirSync(busy);
      fs.writeFileSync(path.join(busy, 'x'), 'x');
      expect((await owner.post('/system/data-folder/move', { path: busy })).json().error.code).toBe('TARGET_NOT_EMPTY');
      expect((await owner.post('/system/data-folder/move', { path: path.join(t.dataDir, 'inner') })).json().error.code).toBe(
        'VALIDATION_ERROR',
      );
      expect(fs.existsSync(locationFile)).toBe(false);

      const target = path.join(base, 'new-disk', 'Atelier');
      const res = await owner.post('/system/data-folder/move', { path: target });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ from: t.dataDir, to: target, restart_required: true });
      expect(fs.readFileSync(path.join(target, 'files', 'canvas', 'u1', 'a.png')).length).toBe(4321);
      expect(fs.existsSync(path.join(t.dataDir, 'files', 'canvas', 'u1', 'a.png'))).toBe(true);
      expect(JSON.parse(fs.readFileSync(locationFile, 'utf8'))).toEqual({ path: target });
      const { default: Database } = await import('better-sqlite3');
      const copy = new Database(path.join(target, 'atelier.db'), { readonly: true });
      expect(copy.prepare(`SELECT count(*) FROM users WHERE email = 'mover@example.com'`).pluck().get()).toBe(1);
      copy.close();
      // The next start reads the pointer.
      const { readDataLocation } = await import('../../src-server/data-location');
      expect(readDataLocation(locationFile)).toBe(target);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('is refused up front when the disk lacks room, or when ATELIER_DATA_DIR fixes the folder', async () => {
    const { app, owner, dataDir } = await setUp();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-move-'));
    try {
      const { moveDataFolder } = await import('../../src-server/system/data/move');
      const target = path.join(base, 'small-disk');
      await expect(
        moveDataFolder({
          from: dataDir,
          to: target,
          locationFile: path.join(base, 'location.json'),
          sqlite: app.db.$client,
          free: () => 1000,
        }),
      ).rejects.toMatchObject({ code: 'NOT_ENOUGH_SPACE' });
      expect(fs.existsSync(target)).toBe(false);
      expect(fs.existsSync(path.join(base, 'location.json'))).toBe(false);
      // The test app is started as with ATELIER_DATA_DIR: no pointer to write.
      expect((await owner.post('/system/data-folder/move', { path: target })).json().error.code).toBe('DATA_DIR_FIXED');
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('library export and import', () => {
  it('exports the database and files as one archive, and an import replaces the library at the next start', async () => {
    const source = await makeTestApp();
    const other = await makeTestApp({}, { keep: true });
    try {
      await signUp(source.app, { email: 'exported@example.com' });
      fs.mkdirSync(path.join(source.dataDir, 'files', 'studio', 'u1'), { recursive: true });
      fs.writeFileSync(path.join(source.dataDir, 'files', 'studio', 'u1', 'song.wav'), Buffer.alloc(2048, 3));
      fs.mkdirSync(path.join(source.dataDir, 'models', 'upscalers', 'big'), { recursive: true });
      fs.writeFileSync(path.join(source.dataDir, 'models', 'upscalers', 'big', 'model.onnx'), Buffer.alloc(1000));
      const sourceOwner = requests(() => source.app).as({ headers: bearer((await signUp(source.app)).accessToken) });
      const exported = await sourceOwner.get('/system/library/export');
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toBe('application/gzip');
      expect(exported.headers['content-disposition']).toMatch(/attachment; filename="atelier-library-\d{4}-\d{2}-\d{2}\.tar\.gz"/);
      const archive = exported.rawPayload;
      expect(fs.readdirSync(path.join(source.dataDir, 'tmp')).filter((n) => n.startsWith('export-'))).toEqual([]);

      const auth = bearer((await signUp(other.app, { email: 'before@example.com' })).accessToken);
      const owner = requests(() => other.app).as({ headers: auth });
      // Garbage is refused and leaves nothing behind.
      const bad = await other.app.inject({
        method: 'POST',
        url: '/system/library/import',
        headers: { ...auth, 'content-type': 'application/gzip' },
        payload: Buffer.from('not an archive at all'),
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error.code).toBe('INVALID_LIBRARY');
      expect(fs.readdirSync(other.dataDir).filter((n) => n.startsWith('.import'))).toEqual([]);

      const res = await other.app.inject({
        method: 'POST',
        url: '/system/library/import',
        headers: { ...auth, 'content-type': 'application/gzip' },
        payload: archive,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual({ files: 1, restart_required: true });
      expect((await owner.get('/system/library/import')).json().data).toEqual({ pending: true });
      // Until the restart, this library is untouched.
      expect(other.app.db.$client.prepare(`SELECT count(*) FROM users WHERE email = 'exported@example.com'`).pluck().get()).toBe(0);
    } finally {
      await source.close();
      await other.close();
    }
    const restarted = await makeTestApp({}, { dataDir: other.dataDir });
    try {
      const db = restarted.app.db.$client;
      expect(db.prepare(`SELECT count(*) FROM users WHERE email = 'exported@example.com'`).pluck().get()).toBe(1);
      expect(db.prepare(`SELECT count(*) FROM users WHERE email = 'before@example.com'`).pluck().get()).toBe(0);
      expect(fs.readFileSync(path.join(other.dataDir, 'files', 'studio', 'u1', 'song.wav')).length).toBe(2048);
      // Models are not part of the library; the replaced library is kept aside.
      expect(fs.existsSync(path.join(other.dataDir, 'models', 'upscalers', 'big'))).toBe(false);
      const aside = fs.readdirSync(other.dataDir).filter((n) => n.startsWith('.before-import-'));
      expect(aside).toHaveLength(1);
      expect(fs.existsSync(path.join(other.dataDir, aside[0]!, 'atelier.db'))).toBe(true);
    } finally {
      await restarted.close();
      fs.rmSync(other.dataDir, { recursive: true, force: true });
    }
  });
});
