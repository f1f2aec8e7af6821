import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app';
import { oversize } from '../helpers/bodies';
import { deleteAccount, form, stageUser, storedFiles, tempFiles, type FormPart, type StageUser } from './helpers';
import { appFixture } from '../helpers/fixtures';

let t: TestApp, alice: StageUser, bob: StageUser;
const { as } = appFixture(stageUser, ['Alice', 'Bob'], (c) => ([t, alice, bob] = c));

/** A minimal valid GLB: header, one JSON chunk padded to 4 bytes, and a small BIN chunk. */
function glb(json: object = { asset: { version: '2.0' }, scenes: [{ nodes: [] }] }, lengthDelta = 0): Buffer {
  let text = JSON.stringify(json);
  while (text.length % 4) text += ' ';
  const jsonChunk = Buffer.from(text);
  const bin = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const total = 12 + 8 + jsonChunk.length + 8 + bin.length;
  const header = Buffer.alloc(12);
  header.write('glTF', 0, 'latin1');
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(total + lengthDelta, 8);
  const chunk = (type: number, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(body.length, 0);
    h.writeUInt32LE(type, 4);
    return Buffer.concat([h, body]);
  };
  return Buffer.concat([header, chunk(0x4e4f534a, jsonChunk), chunk(0x004e4942, bin)]);
}
const gltf = (version = '2.0') => Buffer.from(`\uFEFF  ${JSON.stringify({ asset: { version, generator: 'test' }, scenes: [] }, null, 2)}`);
const fbxBinary = () => {
  const version = Buffer.alloc(4);
  version.writeUInt32LE(7400);
  return Buffer.concat([Buffer.from('Kaydara FBX Binary  \0', 'latin1'), Buffer.from([0x1a, 0x00]), version, Buffer.alloc(200, 0)]);
};
const fbxAscii = () => Buffer.from('; FBX 7.4.0 project file\n; ----------------\n\nFBXHeaderExtension:  {\n\tFBXHeaderVersion: 1003\n}\n');

const image = (format: 'png' | 'jpeg' | 'webp' | 'gif', width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .toFormat(format)
    .toBuffer();

const register = (user: StageUser, body: Record<string, unknown>) => as(user).post('/api/models/register', body);
const upload = (user: StageUser, parts: FormPart[]) => as(user).post('/api/models/upload', form(parts));
const modelPart = (content: Buffer, filename = 'model.bin'): FormPart => ({ name: 'model', filename, content });
const error = (code: string, message = expect.any(String)) => ({ success: false, error: code, message });
const onDisk = (key: string) => path.join(t.dataDir, 'files', key);
const nothingStored = () => {
  expect(storedFiles(t.dataDir, 'models')).toEqual([]);
  expect(storedFiles(t.dataDir, 'thumbnails')).toEqual([]);
  expect(tempFiles(t.dataDir)).toEqual([]);
};

const spec = {
  model_name: 'Character Model 1',
  file_path: 'models/user123/character1.fbx',
  file_size: 10485760,
  thumbnail_path: 'thumbnails/user123/character1.png',
};

describe('POST /api/models/register', () => {
  it('registers metadata with 201, shaped as the spec shows', async () => {
    const res = await register(alice, spec);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      success: true,
      message: 'Model registered successfully',
      model: { id: expect.any(Number), ...spec, created_at: expect.any(String) },
    });
    const bare = await register(alice, { model_name: 'Bare', file_path: 'x.glb' });
    expect(bare.json().model).toMatchObject({ file_size: null, thumbnail_path: null });
    const nulls = await register(alice, { model_name: 'Nulls', file_path: 'y.glb', file_size: null, thumbnail_path: null });
    expect(nulls.json().model).toMatchObject({ file_size: null, thumbnail_path: null });
    // An empty file is 0 bytes, not "unknown": the nullable field must not swallow a 0.
    const empty = await register(alice, { model_name: 'Empty', file_path: 'z.glb', file_size: 0 });
    expect(empty.json().model).toMatchObject({ file_size: 0 });
  });

  it.each([
    [{ file_path: 'a' }],
    [{ model_name: 'a' }],
    [{ model_name: '', file_path: 'a' }],
    [{ model_name: 'a', file_path: null }],
    [{}],
  ])('MISSING_FIELDS for %o', async (body) => {
    const res = await register(alice, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual(error('MISSING_FIELDS', 'model_name and file_path are required'));
  });

  it('INVALID_INPUT_TYPE for fields of the wrong type, as sent (no coercion)', async () => {
    for (const body of [
      { model_name: 123, file_path: 'a' },
      { model_name: 'a', file_path: true },
      { model_name: ['a'], file_path: 'a' },
    ]) {
      const res = await register(alice, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(error('INVALID_INPUT_TYPE', 'model_name and file_path must be strings'));
    }
    expect((await register(alice, { model_name: 'a', file_path: 'b', file_size: '10' })).json()).toEqual(
      error('INVALID_INPUT_TYPE', 'file_size must be a number'),
    );
    expect((await register(alice, { model_name: 'a', file_path: 'b', thumbnail_path: 7 })).json().error).toBe('INVALID_INPUT_TYPE');
    expect((await register(alice, { model_name: 'a', file_path: 'b', file_size: -1 })).json().error).toBe('INVALID_INPUT');
  });

  it('DUPLICATE_MODEL_NAME per account', async () => {
    await register(alice, spec);
    const dup = await register(alice, { ...spec, file_path: 'other.fbx' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual(error('DUPLICATE_MODEL_NAME', 'Model name already exists for this user'));
    expect((await register(bob, spec)).statusCode).toBe(201);
  });
});

describe('reading, updating and deleting models', () => {
  let mine: any;
  let bobs: any;
  beforeEach(async () => {
    mine = (await register(alice, spec)).json().model;
    bobs = (await register(bob, { model_name: 'Bob model', file_path: 'b.glb' })).json().model;
  });

  it('lists only my models, newest first', async () => {
    const second = (await register(alice, { model_name: 'Second', file_path: 's.glb' })).json().model;
    const res = await as(alice).get('/api/models/list');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ success: true, count: 2 });
    expect(body.models.map((m: any) => m.id)).toEqual([second.id, mine.id]);
    expect(body.models[1]).toEqual({ ...mine, updated_at: expect.any(String) });
  });

  it("gets my model; someone else's is MODEL_NOT_FOUND like a missing one", async () => {
    const res = await as(alice).get(`/api/models/${mine.id}`);
    expect(res.json()).toEqual({ success: true, model: { ...mine, updated_at: expect.any(String) } });
    for (const id of [bobs.id, 9999]) {
      const other = await as(alice).get(`/api/models/${id}`);
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual(error('MODEL_NOT_FOUND', 'Model not found or access denied'));
    }
    expect((await as(alice).get('/api/models/abc')).json()).toEqual(error('INVALID_ID', 'Invalid model ID'));
  });

  it('updates only the fields sent, answering without created_at as the spec shows', async () => {
    t.clock.advance(5000);
    const res = await as(alice).put(`/api/models/${mine.id}`, { model_name: 'Updated Model Name', file_size: 11534336 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      message: 'Model updated successfully',
      model: {
        id: mine.id,
        model_name: 'Updated Model Name',
        file_path: spec.file_path,
        file_size: 11534336,
        thumbnail_path: spec.thumbnail_path,
        updated_at: expect.any(String),
      },
    });
    expect(Date.parse(res.json().model.updated_at)).toBeGreaterThan(Date.parse(mine.created_at));
    const cleared = await as(alice).put(`/api/models/${mine.id}`, { thumbnail_path: null });
    expect(cleared.json().model.thumbnail_path).toBeNull();
  });

  it('answers NO_UPDATE_FIELDS, INVALID_INPUT_TYPE, DUPLICATE_MODEL_NAME, MODEL_NOT_FOUND and INVALID_ID on update', async () => {
    const none = await as(alice).put(`/api/models/${mine.id}`, { colour: 'blue' });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual(error('NO_UPDATE_FIELDS', 'No fields to update'));
    expect((await as(alice).put(`/api/models/${mine.id}`, { model_name: 5 })).json().error).toBe('INVALID_INPUT_TYPE');
    expect((await as(alice).put(`/api/models/${mine.id}`, { model_name: '' })).json().error).toBe('MISSING_FIELDS');
    await register(alice, { model_name: 'Taken', file_path: 't.glb' });
    const dup = await as(alice).put(`/api/models/${mine.id}`, { model_name: 'Taken' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toBe('DUPLICATE_MODEL_NAME');
    expect((await as(alice).put(`/api/models/${mine.id}`, { model_name: spec.model_name })).statusCode).toBe(200);
    expect((await as(alice).put(`/api/models/${bobs.id}`, { model_name: 'Mine' })).json().error).toBe('MODEL_NOT_FOUND');
    expect((await as(alice).put('/api/models/1.5', { model_name: 'x' })).json().error).toBe('INVALID_ID');
  });

  it("deletes my model; someone else's is MODEL_NOT_FOUND", async () => {
    expect((await as(alice).delete(`/api/models/${bobs.id}`)).json().error).toBe('MODEL_NOT_FOUND');
    const res = await as(alice).delete(`/api/models/${mine.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      message: 'Model deleted successfully',
      deleted_model: { id: mine.id, model_name: spec.model_name },
    });
    expect((await as(alice).get(`/api/models/${mine.id}`)).statusCode).toBe(404);
    expect((await as(alice).delete('/api/models/x')).json().error).toBe('INVALID_ID');
  });

  it('DATABASE_ERROR with the driver code when SQLite fails', async () => {
    t.app.db.$client.exec('ALTER TABLE stage_models RENAME TO moved_models');
    const res = await as(alice).get('/api/models/list');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ success: false, error: 'DATABASE_ERROR', message: 'Database error', code: 'SQLITE_ERROR' });
    t.app.db.$client.exec('ALTER TABLE moved_models RENAME TO stage_models');
  });
});

describe('POST /api/models/upload', () => {
  it.each([
    ['glb', () => glb(), 'model/gltf-binary'],
    ['gltf', () => gltf(), 'model/gltf+json'],
    ['fbx', fbxBinary, 'application/octet-stream'],
    ['fbx', fbxAscii, 'application/octet-stream'],
  ] as const)('stores a %s file recognised by its content', async (ext, make, contentType) => {
    const bytes = make();
    const res = await upload(alice, [{ name: 'model_name', value: `Avatar ${contentType}` }, modelPart(bytes, 'upload.dat')]);
    expect(res.statusCode).toBe(201);
    const model = res.json().model;
    expect(res.json()).toEqual({
      success: true,
      message: 'Model uploaded successfully',
      model: {
        id: expect.any(Number),
        model_name: `Avatar ${contentType}`,
        file_path: expect.stringMatching(new RegExp(`^models/${alice.seq}/\\d{13}-[a-z0-9]{9}\\.${ext}$`)),
        file_size: bytes.length,
        thumbnail_path: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    expect(fs.readFileSync(onDisk(model.file_path)).equals(bytes)).toBe(true);

    const file = await as(alice).get(`/api/models/file/${model.id}`);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(bytes)).toBe(true);
    expect(file.headers['content-type']).toContain(contentType);
    expect(file.headers['content-disposition']).toContain(`.${ext}`);
    expect(file.headers['accept-ranges']).toBe('bytes');
  });

  it('normalises the thumbnail to a PNG of at most 512 px, from PNG, JPEG or WebP', async () => {
    for (const [format, width, height, expected] of [
      ['png', 64, 48, [64, 48]],
      ['jpeg', 1024, 768, [512, 384]],
      ['webp', 300, 900, [171, 512]],
    ] as const) {
      const res = await upload(alice, [
        modelPart(glb()),
        { name: 'model_name', value: `With ${format}` },
        { name: 'thumbnail', filename: 't.img', content: await image(format, width, height) },
      ]);
      expect(res.statusCode, format).toBe(201);
      const thumb = res.json().model.thumbnail_path;
      expect(thumb).toMatch(new RegExp(`^thumbnails/${alice.seq}/\\d{13}-[a-z0-9]{9}\\.png$`));
      const meta = await sharp(fs.readFileSync(onDisk(thumb))).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', ...expected]);
    }
  });

  it('INVALID_FILE_TYPE for disguised or broken models, leaving nothing on disk', async () => {
    for (const [filename, content] of [
      ['hat.glb', Buffer.from('not a model at all, just text named .glb')],
      ['short.glb', glb(undefined, 4)],
      ['v1.gltf', gltf('1.0')],
      ['noasset.gltf', Buffer.from('{"scenes": []}')],
      ['broken.gltf', Buffer.from('{"asset": {"version": "2.0"')],
      ['hat.fbx', Buffer.from('; FBX but nothing else')],
      ['picture.fbx', await image('png')],
    ] as const) {
      const res = await upload(alice, [modelPart(content, filename), { name: 'model_name', value: filename }]);
      expect(res.statusCode, filename).toBe(400);
      expect(res.json(), filename).toEqual(error('INVALID_FILE_TYPE'));
    }
    nothingStored();
  });

  it('INVALID_THUMBNAIL for a thumbnail that is not PNG, JPEG or WebP; the model is not kept either', async () => {
    for (const content of [Buffer.from('text named png'), await image('gif')]) {
      const res = await upload(alice, [
        modelPart(glb()),
        { name: 'thumbnail', filename: 't.png', content },
        { name: 'model_name', value: 'M' },
      ]);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(error('INVALID_THUMBNAIL', 'The thumbnail must be a PNG, JPEG or WebP image'));
    }
    nothingStored();
  });

  it('NO_FILE, MISSING_FIELDS and DUPLICATE_MODEL_NAME leave nothing on disk', async () => {
    const noFile = await upload(alice, [
      { name: 'model_name', value: 'x' },
      { name: 'thumbnail', filename: 't.png', content: await image('png') },
    ]);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toEqual(error('NO_FILE', 'No model file provided'));
    expect((await as(alice).post('/api/models/upload', { model_name: 'x' })).json().error).toBe('NO_FILE');

    const noName = await upload(alice, [modelPart(glb()), { name: 'thumbnail', filename: 't.png', content: await image('png') }]);
    expect(noName.statusCode).toBe(400);
    expect(noName.json()).toEqual(error('MISSING_FIELDS', 'model_name is required'));
    nothingStored();

    await register(alice, { model_name: 'Taken', file_path: 'elsewhere.glb' });
    const dup = await upload(alice, [
      modelPart(glb()),
      { name: 'model_name', value: 'Taken' },
      { name: 'thumbnail', filename: 't.png', content: await image('png') },
    ]);
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toBe('DUPLICATE_MODEL_NAME');
    nothingStored();
  });

  it('FILE_TOO_LARGE for a thumbnail over 10 MB', async () => {
    const res = await upload(alice, [
      modelPart(glb()),
      { name: 'model_name', value: 'M' },
      { name: 'thumbnail', filename: 't.png', content: oversize(10 * 1024 * 1024 + 1) },
    ]);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('FILE_TOO_LARGE');
    nothingStored();
  });
});

describe('model files', () => {
  let uploaded: any;
  beforeEach(async () => {
    uploaded = (
      await upload(alice, [
        modelPart(glb()),
        { name: 'model_name', value: 'Hero' },
        { name: 'thumbnail', filename: 't.png', content: await image('png') },
      ])
    ).json().model;
  });

  it('downloads with Range for the owner only', async () => {
    const bytes = fs.readFileSync(onDisk(uploaded.file_path));
    const part = await as(alice).get(`/api/models/file/${uploaded.id}`, { headers: { range: 'bytes=4-11' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 4-11/${bytes.length}`);
    expect(part.rawPayload.equals(bytes.subarray(4, 12))).toBe(true);
    expect((await as(alice).get(`/api/models/file/${uploaded.id}`, { headers: { range: 'bytes=99999-' } })).statusCode).toBe(416);
    const stranger = await as(bob).get(`/api/models/file/${uploaded.id}`);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error).toBe('MODEL_NOT_FOUND');
  });

  it('FILE_NOT_FOUND for a registered path this server does not hold for the owner', async () => {
    const elsewhere = (await register(alice, spec)).json().model;
    expect((await as(alice).get(`/api/models/file/${elsewhere.id}`)).json()).toEqual(
      error('FILE_NOT_FOUND', 'Model file not found on server'),
    );
    // Pointing a registration at another account's stored file grants nothing.
    const bobs = (await upload(bob, [modelPart(glb()), { name: 'model_name', value: 'Secret' }])).json().model;
    const borrowed = (await register(alice, { model_name: 'Borrowed', file_path: bobs.file_path })).json().model;
    expect((await as(alice).get(`/api/models/file/${borrowed.id}`)).json().error).toBe('FILE_NOT_FOUND');
    await as(alice).delete(`/api/models/${borrowed.id}`);
    expect(fs.existsSync(onDisk(bobs.file_path))).toBe(true);
  });

  it('deleting a model removes its file and thumbnail', async () => {
    expect(fs.existsSync(onDisk(uploaded.file_path))).toBe(true);
    expect(fs.existsSync(onDisk(uploaded.thumbnail_path))).toBe(true);
    expect((await as(alice).delete(`/api/models/${uploaded.id}`)).statusCode).toBe(200);
    nothingStored();
  });

  it('an update that stops naming a stored file removes it', async () => {
    const res = await as(alice).put(`/api/models/${uploaded.id}`, { file_path: 'models/external/v2.fbx', thumbnail_path: null });
    expect(res.statusCode).toBe(200);
    nothingStored();
  });

  it("a deleted account's model and thumbnail folders go with it", async () => {
    await upload(bob, [modelPart(glb()), { name: 'model_name', value: 'Keep' }]);
    await deleteAccount(t.app, alice);
    expect(fs.existsSync(path.join(t.dataDir, 'files', 'models', String(alice.seq)))).toBe(false);
    expect(fs.existsSync(path.join(t.dataDir, 'files', 'thumbnails', String(alice.seq)))).toBe(false);
    expect(storedFiles(t.dataDir, 'models')).toHaveLength(1);
  });
});
