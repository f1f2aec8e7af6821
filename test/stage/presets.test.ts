import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestApp } from '../helpers/app';
import { accessory, deleteAccount, stageUser, storedFiles, type StageUser } from './helpers';
import { appFixture } from '../helpers/fixtures';

let t: TestApp, alice: StageUser, bob: StageUser;
const { as } = appFixture(stageUser, ['Alice', 'Bob'], (c) => ([t, alice, bob] = c));
afterEach(() => vi.restoreAllMocks());

const save = (user: StageUser, body: Record<string, unknown>) => as(user).post('/api/accessory-presets/save', body);
const onDisk = (filePath: string) => path.join(t.dataDir, 'files', filePath);
const error = (code: string, message = expect.any(String)) => ({ success: false, error: code, message });

describe('POST /api/accessory-presets/save', () => {
  it("saves the preset row and its accessories as a JSON file under the owner's folder", async () => {
    const res = await save(alice, { presetName: 'My Preset 1', accessories: [accessory()], description: 'A cool preset', isPublic: false });
    expect(res.statusCode).toBe(200);
    const preset = res.json().preset;
    expect(res.json()).toEqual({
      success: true,
      preset: {
        id: expect.any(Number),
        user_id: alice.seq,
        preset_name: 'My Preset 1',
        description: 'A cool preset',
        file_path: expect.stringMatching(new RegExp(`^presets/accessories/${alice.seq}/\\d{13}-[a-z0-9]{9}\\.json$`)),
        is_public: false,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    expect(JSON.parse(fs.readFileSync(onDisk(preset.file_path), 'utf8'))).toEqual([accessory()]);
  });

  it('defaults description to null and isPublic to false, and keeps only the documented accessory fields', async () => {
    const res = await save(alice, { presetName: 'Bare', accessories: [{ ...accessory(), colour: 'red' }] });
    expect(res.json().preset).toMatchObject({ description: null, is_public: false });
    expect(JSON.parse(fs.readFileSync(onDisk(res.json().preset.file_path), 'utf8'))).toEqual([accessory()]);
  });

  it.each([
    [{ accessories: [] }],
    [{ presetName: 'x' }],
    [{ presetName: '', accessories: [] }],
    [{ presetName: '   ', accessories: [] }],
    [{ presetName: null, accessories: [] }],
    [{ presetName: 'x', accessories: null }],
  ])('MISSING_FIELDS for %o', async (body) => {
    const res = await save(alice, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('MISSING_FIELDS', 'presetName and accessories are required'));
  });

  it('INVALID_ACCESSORIES when accessories is not an array or an item is malformed', async () => {
    for (const accessories of ['hat', { socketName: 'Head' }, 5]) {
      const res = await save(alice, { presetName: 'x', accessories });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(error('INVALID_ACCESSORIES', 'accessories must be an array'));
    }
    const bad = [
      { ...accessory(), socketName: undefined },
      { ...accessory(), relativeLocation: { x: 0, y: 0 } },
      { ...accessory(), relativeRotation: { pitch: 'up', yaw: 0, roll: 0 } },
      { ...accessory(), modelUrl: {} },
      'hat',
    ];
    for (const item of bad) {
      const res = await save(alice, { presetName: 'x', accessories: [accessory(), item] });
      expect(res.statusCode, JSON.stringify(item)).toBe(400);
      expect(res.json().error).toBe('INVALID_ACCESSORIES');
      expect(res.json().message).toMatch(/^accessories\[1\]/);
    }
    expect(storedFiles(t.dataDir, 'presets')).toEqual([]);
  });

  it('DUPLICATE_PRESET_NAME for the same owner only; nothing extra stored', async () => {
    expect((await save(alice, { presetName: 'Dup', accessories: [] })).statusCode).toBe(200);
    const dup = await save(alice, { presetName: 'Dup', accessories: [accessory()] });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual(error('DUPLICATE_PRESET_NAME', 'A preset with this name already exists'));
    expect(storedFiles(t.dataDir, 'presets')).toHaveLength(1);
    expect((await save(bob, { presetName: 'Dup', accessories: [] })).statusCode).toBe(200);
  });

  it('SAVE_FAILED when the file cannot be written, and no row is left', async () => {
    vi.spyOn(t.app.storage, 'put').mockRejectedValueOnce(new Error('ENOSPC: no space left on device'));
    const res = await save(alice, { presetName: 'x', accessories: [] });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(error('SAVE_FAILED', 'Failed to save preset'));
    expect((await as(alice).get('/api/accessory-presets/list')).json().count).toBe(0);
  });
});

describe('reading presets', () => {
  let mine: any;
  let minePublic: any;
  let bobsPublic: any;
  let bobsPrivate: any;
  beforeEach(async () => {
    mine = (await save(alice, { presetName: 'Mine', accessories: [accessory()] })).json().preset;
    minePublic = (await save(alice, { presetName: 'Mine public', accessories: [], isPublic: true })).json().preset;
    bobsPublic = (await save(bob, { presetName: 'Bob public', accessories: [accessory('Hand_R', 3)], isPublic: true })).json().preset;
    bobsPrivate = (await save(bob, { presetName: 'Bob private', accessories: [] })).json().preset;
  });

  it("lists my presets, and others' public ones with includePublic=true", async () => {
    const own = await as(alice).get('/api/accessory-presets/list');
    expect(own.json()).toEqual({ success: true, count: 2, presets: [minePublic, mine] });
    expect((await as(alice).get('/api/accessory-presets/list?includePublic=false')).json().count).toBe(2);
    const all = await as(alice).get('/api/accessory-presets/list?includePublic=true');
    expect(all.json()).toEqual({ success: true, count: 3, presets: [bobsPublic, minePublic, mine] });
    expect(all.json().presets).not.toContainEqual(bobsPrivate);
  });

  it('LIST_FAILED when the database fails', async () => {
    t.app.db.$client.exec('ALTER TABLE stage_accessory_presets RENAME TO moved_presets');
    const res = await as(alice).get('/api/accessory-presets/list');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(error('LIST_FAILED', 'Failed to list presets'));
    t.app.db.$client.exec('ALTER TABLE moved_presets RENAME TO stage_accessory_presets');
  });

  it('gets a preset with its accessories: mine, or a public one', async () => {
    const res = await as(alice).get(`/api/accessory-presets/${mine.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, preset: { ...mine, accessories: [accessory()] } });
    const other = await as(alice).get(`/api/accessory-presets/${bobsPublic.id}`);
    expect(other.json().preset.accessories).toEqual([accessory('Hand_R', 3)]);
  });

  it("ACCESS_DENIED for someone else's private preset, PRESET_NOT_FOUND and INVALID_ID", async () => {
    const denied = await as(alice).get(`/api/accessory-presets/${bobsPrivate.id}`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual(error('ACCESS_DENIED', 'Access denied'));
    const missing = await as(alice).get('/api/accessory-presets/9999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(error('PRESET_NOT_FOUND', 'Preset not found'));
    for (const id of ['abc', '0', '1.5', '-3']) {
      const bad = await as(alice).get(`/api/accessory-presets/${id}`);
      expect(bad.statusCode, id).toBe(400);
      expect(bad.json()).toEqual(error('INVALID_ID', 'Invalid preset ID'));
    }
  });

  it("FILE_NOT_FOUND when a preset's JSON file is gone", async () => {
    fs.rmSync(onDisk(mine.file_path));
    const res = await as(alice).get(`/api/accessory-presets/${mine.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('FILE_NOT_FOUND');
  });
});

describe('PUT /api/accessory-presets/:id', () => {
  let preset: any;
  beforeEach(async () => {
    preset = (await save(alice, { presetName: 'Original', accessories: [accessory()], description: 'old' })).json().preset;
  });

  it('changes only the fields sent; new accessories replace the file in place', async () => {
    t.clock.advance(60_000);
    const res = await as(alice).put(`/api/accessory-presets/${preset.id}`, { presetName: 'Updated Preset Name', isPublic: true });
    expect(res.statusCode).toBe(200);
    const updated = res.json().preset;
    expect(updated).toEqual({ ...preset, preset_name: 'Updated Preset Name', is_public: true, updated_at: expect.any(String) });
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(preset.updated_at));

    const next = [accessory('Head', 20), accessory('Spine', 1)];
    const again = await as(alice).put(`/api/accessory-presets/${preset.id}`, { accessories: next, description: null });
    expect(again.json().preset).toMatchObject({ file_path: preset.file_path, description: null, preset_name: 'Updated Preset Name' });
    expect(JSON.parse(fs.readFileSync(onDisk(preset.file_path), 'utf8'))).toEqual(next);
    expect((await as(alice).get(`/api/accessory-presets/${preset.id}`)).json().preset.accessories).toEqual(next);
  });

  it("ACCESS_DENIED for someone else's preset, public or not", async () => {
    const shared = (await save(bob, { presetName: 'Shared', accessories: [], isPublic: true })).json().preset;
    for (const id of [preset.id, shared.id]) {
      const res = await as(id === preset.id ? bob : alice).put(`/api/accessory-presets/${id}`, { presetName: 'Mine now' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual(error('ACCESS_DENIED', 'Access denied'));
    }
  });

  it('answers the preset codes: DUPLICATE_PRESET_NAME, MISSING_FIELDS, INVALID_ACCESSORIES, PRESET_NOT_FOUND, INVALID_ID', async () => {
    await save(alice, { presetName: 'Taken', accessories: [] });
    const dup = await as(alice).put(`/api/accessory-presets/${preset.id}`, { presetName: 'Taken' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toBe('DUPLICATE_PRESET_NAME');
    // Keeping its own name is no conflict.
    expect((await as(alice).put(`/api/accessory-presets/${preset.id}`, { presetName: 'Original' })).statusCode).toBe(200);

    expect((await as(alice).put(`/api/accessory-presets/${preset.id}`, {})).json().error).toBe('MISSING_FIELDS');
    expect((await as(alice).put(`/api/accessory-presets/${preset.id}`, { presetName: ' ' })).json().error).toBe('MISSING_FIELDS');
    const notArray = await as(alice).put(`/api/accessory-presets/${preset.id}`, { accessories: 'hat' });
    expect(notArray.json()).toEqual(error('INVALID_ACCESSORIES', 'accessories must be an array'));
    expect((await as(alice).put(`/api/accessory-presets/${preset.id}`, { accessories: [{}] })).json().error).toBe('INVALID_ACCESSORIES');
    expect((await as(alice).put('/api/accessory-presets/9999', { isPublic: true })).json().error).toBe('PRESET_NOT_FOUND');
    expect((await as(alice).put('/api/accessory-presets/x', { isPublic: true })).json().error).toBe('INVALID_ID');
    // The refused accessories never reached the file.
    expect(JSON.parse(fs.readFileSync(onDisk(preset.file_path), 'utf8'))).toEqual([accessory()]);
  });

  it('SAVE_FAILED when the new accessories cannot be written', async () => {
    vi.spyOn(t.app.storage, 'put').mockRejectedValueOnce(new Error('EIO'));
    const res = await as(alice).put(`/api/accessory-presets/${preset.id}`, { accessories: [] });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(error('SAVE_FAILED', 'Failed to save preset'));
  });
});

describe('DELETE /api/accessory-presets/:id', () => {
  it('deletes the row and its file; only the owner may', async () => {
    const preset = (await save(alice, { presetName: 'Gone soon', accessories: [], isPublic: true })).json().preset;
    const denied = await as(bob).delete(`/api/accessory-presets/${preset.id}`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toBe('ACCESS_DENIED');

    const res = await as(alice).delete(`/api/accessory-presets/${preset.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Preset deleted successfully' });
    expect(fs.existsSync(onDisk(preset.file_path))).toBe(false);
    expect((await as(alice).get(`/api/accessory-presets/${preset.id}`)).json().error).toBe('PRESET_NOT_FOUND');
    expect((await as(alice).delete(`/api/accessory-presets/${preset.id}`)).statusCode).toBe(404);
    expect((await as(alice).delete('/api/accessory-presets/nope')).json().error).toBe('INVALID_ID');
  });

  it("a deleted account's presets and their folder go with it", async () => {
    await save(alice, { presetName: 'A', accessories: [] });
    await save(bob, { presetName: 'B', accessories: [] });
    await deleteAccount(t.app, alice);
    expect(storedFiles(t.dataDir, 'presets/accessories').map((f) => f.split(path.sep)[0])).toEqual([String(bob.seq)]);
    expect(fs.existsSync(path.join(t.dataDir, 'files', 'presets', 'accessories', String(alice.seq)))).toBe(false);
  });
});
