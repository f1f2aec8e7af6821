import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinySd, writeTinyUpscaler } from '../../src-server/ai/diffusion/tiny/generate';
import { loadConfig } from '../../src-server/config';
import { startServer, type RunningServer } from '../../src-server/server';
import { INSTALL_JOB } from '../../src-server/system/models/service';
import type { ClientToServerEvents, JobSnapshot, ServerToClientEvents } from '../../src-shared/events';
import { writeTinyMusicgen } from '../../src-server/ai/musicgen/tiny/generate';
import { bearer, makeTestApp, signUp, tempDataDir, type TestApp, settled } from '../helpers/app';
import { requests } from '../helpers/inject';
import { filesOf, rangesOf, serveFiles, type FileServer } from '../helpers/file-server';

// The Models area's API on the production app: installs from folders of tiny generated models,
// and from a real HTTP server on 127.0.0.1 that can drop or stall a response and honours Range.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-system-models-'));
const sources = path.join(root, 'sources');
const sd1 = path.join(sources, 'sd1');
const x2 = path.join(sources, 'x2');

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The sources folder, and extra documents by path (manifests). */
async function serve(dir: string): Promise<FileServer & { docs: Map<string, string> }> {
  const docs = new Map<string, string>();
  const server = await serveFiles((pathname, res) => {
    const rel = pathname.slice(1);
    const doc = docs.get(rel);
    if (doc === undefined) return { file: path.join(dir, rel), key: rel };
    res.writeHead(200, { 'content-type': 'application/json' }).end(doc);
    return null;
  });
  return { ...server, docs };
}

/** A manifest of a source folder: relative paths (resolved against the manifest's URL), sizes, sha256. */
function manifestOf(folder: string, edit: (f: { path: string; url?: string; sha256: string; size: number }) => object | null = (f) => f) {
  const files = filesOf(path.join(sources, folder))
    .map((p) => {
      const bytes = fs.readFileSync(path.join(sources, folder, p));
      return edit({ path: p, sha256: sha256(bytes), size: bytes.length });
    })
    .filter((f) => f !== null);
  return JSON.stringify({ display_name: `Tiny ${folder}`, files });
}

let files: FileServer & { docs: Map<string, string> };
beforeAll(async () => {
  await writeTinySd(sd1, { base: 'sd1' });
  await writeTinyUpscaler(x2, { scale: 2 });
  files = await serve(sources);
  files.docs.set('sd1/manifest.json', manifestOf('sd1'));
});
afterAll(async () => {
  await files.close();
  fs.rmSync(root, { recursive: true, force: true });
});

let t: TestApp | null = null;
let running: RunningServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  await running?.close();
  running = null;
});

async function appWithUser() {
  t = await makeTestApp();
  const user = await signUp(t.app);
  const headers = bearer(user.accessToken);
  const owner = requests(() => t!.app).as({ headers });
  return { app: t.app, dataDir: t.dataDir, user, owner };
}

async function until<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const err = (code: string, message: RegExp = /./) => ({ success: false, error: { code, message: expect.stringMatching(message) } });

describe('/system/models', () => {
  it('needs a signed-in user on this computer, and lists nothing but the execution providers at first', async () => {
    const { app, owner } = await appWithUser();
    const anonymous = await app.inject({ url: '/system/models' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual(err('UNAUTHORIZED'));
    const peer = await owner.get('/system/models', { remoteAddress: '192.168.1.20' });
    expect(peer.statusCode).toBe(403);
    expect(peer.json().error.code).toBe('OWNER_ONLY');
    const peerInstall = await owner.post('/system/models/install', { source: 'folder', path: sd1 }, { remoteAddress: '192.168.1.20' });
    expect(peerInstall.statusCode).toBe(403);

    const res = await owner.get('/system/models');
    expect(res.statusCode).toBe(200);
    const data = res.json().data;
    expect(data.models).toEqual([]);
    expect(data.installs).toEqual([]);
    expect(data.execution_providers.available.at(-1)).toBe('cpu');
    expect(data.execution_providers.available).toContain(data.execution_providers.preferred);
  });

  it('installs from a folder (type and id from the folder), lists type, base, size and problems, and removes with a confirmation of what went', async () => {
    const { dataDir, owner } = await appWithUser();
    const sd = await owner.post('/system/models/install', { source: 'folder', path: sd1, id: 'tiny-sd1' });
    expect(sd.statusCode).toBe(201);
    expect(sd.json().data).toMatchObject({
      id: 'tiny-sd1',
      type: 'checkpoint',
      base: 'sd1',
      precision: 'fp32',
      is_available: true,
      problem: null,
      sample_size: 64,
    });
    const up = await owner.post('/system/models/install', { source: 'folder', path: x2 });
    expect(up.statusCode).toBe(201);
    expect(up.json().data).toMatchObject({ id: 'x2', type: 'upscaler', scale: 2, is_available: true });

    const listed = (await owner.get('/system/models')).json().data.models;
    expect(listed.map((m: { id: string; type: string }) => [m.type, m.id])).toEqual([
      ['checkpoint', 'tiny-sd1'],
      ['upscaler', 'x2'],
    ]);
    const onDisk = filesOf(sd1).reduce((n, p) => n + fs.statSync(path.join(sd1, p)).size, 0);
    expect(listed[0].size_bytes).toBe(onDisk);

    // Wrong inputs, each with its own code; nothing is copied for any of them.
    expect((await owner.post('/system/models/install', { source: 'folder', path: sd1, id: 'tiny-sd1' })).json()).toEqual(
      err('MODEL_EXISTS', /already installed/),
    );
    expect((await owner.post('/system/models/install', { source: 'folder', path: path.join(root, 'nowhere') })).json()).toEqual(
      err('PATH_NOT_FOUND', /does not exist/),
    );
    const relative = await owner.post('/system/models/install', { source: 'folder', path: 'models/sd1' });
    expect([relative.statusCode, relative.json().error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const notModel = await owner.post('/system/models/install', { source: 'folder', path: path.join(sd1, 'tokenizer'), id: 'junk' });
    expect([notModel.statusCode, notModel.json()]).toEqual([422, err('NOT_A_MODEL', /is not a model/)]);
    const brokenSource = path.join(root, 'broken-sd1');
    fs.cpSync(sd1, brokenSource, { recursive: true });
    fs.rmSync(path.join(brokenSource, 'unet', 'model.onnx'));
    const broken = await owner.post('/system/models/install', { source: 'folder', path: brokenSource });
    expect([broken.statusCode, broken.json()]).toEqual([422, err('INVALID_MODEL', /unet\/model\.onnx is missing/)]);
    const badId = await owner.post('/system/models/install', { source: 'folder', path: sd1, id: '../up' });
    expect([badId.statusCode, badId.json().error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const mixed = await owner.post('/system/models/install', { source: 'folder', path: sd1, url: 'http://127.0.0.1/x' });
    expect(mixed.json()).toEqual(err('VALIDATION_ERROR', /body\.url does not apply to source "folder"/));
    expect((await owner.post('/system/models/install', { source: 'folder' })).json()).toEqual(
      err('VALIDATION_ERROR', /body\.path is required/),
    );
    expect((await owner.post('/system/models/install', { source: 'disk', path: sd1 })).statusCode).toBe(400);
    expect(fs.readdirSync(path.join(dataDir, 'models', 'diffusion'))).toEqual(['tiny-sd1']);

    // A model that breaks after its install stays listed, with what is wrong.
    fs.rmSync(path.join(dataDir, 'models', 'diffusion', 'tiny-sd1', 'vae_decoder', 'model.onnx'));
    const after = (await owner.get('/system/models')).json().data.models[0];
    expect(after).toMatchObject({
      id: 'tiny-sd1',
      is_available: false,
      problem: expect.stringMatching(/vae_decoder\/model\.onnx is missing/),
    });

    const removed = await owner.delete('/system/models/checkpoint/tiny-sd1');
    expect(removed.json()).toEqual({ success: true, data: { id: 'tiny-sd1', type: 'checkpoint', removed: true } });
    expect((await owner.delete('/system/models/checkpoint/tiny-sd1')).json()).toEqual(err('MODEL_NOT_FOUND'));
    // A type this server does not have names no model: 404, like any path that names nothing.
    expect((await owner.delete('/system/models/lora/x2')).statusCode).toBe(404);
    expect((await owner.get('/system/models')).json().data.models.map((m: { id: string }) => m.id)).toEqual(['x2']);
  });

  it('installs from a manifest URL as a job, resuming a dropped connection with Range, with byte progress', async () => {
    const { app, dataDir, owner } = await appWithUser();
    const updates: JobSnapshot[] = [];
    app.jobs.on('update', (j) => updates.push(j));
    const unet = fs.statSync(path.join(sd1, 'unet', 'model.onnx')).size;
    files.drop.set('sd1/unet/model.onnx', 20_000);

    const res = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/sd1/manifest.json`,
      id: 'tiny-sd1',
      type: 'checkpoint',
    });
    expect(res.statusCode).toBe(202);
    const accepted = res.json().data;
    expect(accepted).toMatchObject({ job_id: expect.any(String), id: 'tiny-sd1', type: 'checkpoint' });
    const job = await settled(app, accepted.job_id);
    expect(job).toMatchObject({ kind: INSTALL_JOB, status: 'completed', result: { id: 'tiny-sd1', type: 'checkpoint' } });
    expect(rangesOf(files, 'sd1/unet/model.onnx')).toEqual(['bytes=20000-']);

    const total = filesOf(sd1).reduce((n, p) => n + fs.statSync(path.join(sd1, p)).size, 0);
    const downloads = updates.filter((u) => u.id === accepted.job_id && u.stage === 'download');
    expect(downloads.length).toBeGreaterThan(0);
    const last = downloads.at(-1)!;
    expect(last.message).toMatch(new RegExp(`: \\d+/${total} bytes$`));
    const received = downloads.map((u) => Number(/: (\d+)\//.exec(u.message!)![1]));
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(unet).toBeGreaterThan(20_000);

    const model = (await owner.get('/system/models')).json().data.models[0];
    // The files as served, plus the manifest's display name kept beside them.
    const meta = fs.statSync(path.join(dataDir, 'models', 'diffusion', 'tiny-sd1', 'atelier-model.json')).size;
    expect(model).toMatchObject({ id: 'tiny-sd1', display_name: 'Tiny sd1', base: 'sd1', is_available: true, size_bytes: total + meta });
    expect((await owner.get('/system/models')).json().data.installs).toEqual([]);
    // Already there: refused before anything is queued.
    const again = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/sd1/manifest.json`,
      id: 'tiny-sd1',
      type: 'checkpoint',
    });
    expect([again.statusCode, again.json()]).toEqual([409, err('MODEL_EXISTS')]);
  });

  it('fails a download whose file does not match its sha256, and accepts a single .onnx upscaler that does', async () => {
    const { app, dataDir, owner } = await appWithUser();
    files.docs.set(
      'bad/manifest.json',
      manifestOf('sd1', (f) => ({ ...f, url: `/sd1/${f.path}`, sha256: f.path === 'unet/model.onnx' ? '0'.repeat(64) : f.sha256 })),
    );
    const res = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/bad/manifest.json`,
      id: 'bad-sum',
      type: 'checkpoint',
    });
    expect(res.statusCode).toBe(202);
    const job = await settled(app, res.json().data.job_id);
    expect(job).toMatchObject({
      status: 'failed',
      errorCode: 'CHECKSUM_MISMATCH',
      error: expect.stringMatching(/unet\/model\.onnx does not match its sha256/),
    });
    expect(fs.existsSync(path.join(dataDir, 'models', 'diffusion', 'bad-sum'))).toBe(false);

    const onnx = fs.readFileSync(path.join(x2, 'model.onnx'));
    const wrong = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/x2/model.onnx`,
      id: 'up-x2',
      type: 'upscaler',
      sha256: sha256('other'),
    });
    expect((await settled(app, wrong.json().data.job_id)).errorCode).toBe('CHECKSUM_MISMATCH');
    const right = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/x2/model.onnx`,
      id: 'up-x2',
      type: 'upscaler',
      sha256: sha256(onnx),
    });
    expect((await settled(app, right.json().data.job_id)).status).toBe('completed');
    expect((await owner.get('/system/models')).json().data.models).toMatchObject([
      { id: 'up-x2', type: 'upscaler', scale: 2, is_available: true, size_bytes: onnx.length },
    ]);

    // A manifest that does not match the sha256 given for it is refused before anything is queued.
    const manifestSum = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/sd1/manifest.json`,
      id: 'm',
      type: 'checkpoint',
      sha256: '1'.repeat(64),
    });
    expect([manifestSum.statusCode, manifestSum.json()]).toEqual([422, err('CHECKSUM_MISMATCH')]);
    // A checkpoint is never one .onnx file.
    const single = await owner.post('/system/models/install', {
      source: 'url',
      url: `${files.url}/sd1/unet/model.onnx`,
      id: 'one',
      type: 'checkpoint',
    });
    expect([single.statusCode, single.json().error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('says what went wrong for a 404, an unreachable server, a manifest that is not one, and an incomplete model', async () => {
    const { app, owner } = await appWithUser();
    const fromUrl = (url: string, id: string) => owner.post('/system/models/install', { source: 'url', url, id, type: 'checkpoint' });
    const missing = await fromUrl(`${files.url}/nothing/manifest.json`, 'a');
    expect([missing.statusCode, missing.json()]).toEqual([422, err('DOWNLOAD_FAILED', /answered 404/)]);

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const unreachable = await fromUrl(`http://127.0.0.1:${port}/m.json`, 'a');
    expect([unreachable.statusCode, unreachable.json()]).toEqual([
      422,
      err('DOWNLOAD_FAILED', /Could not fetch the manifest: 127\.0\.0\.1:\d+ refused the connection: nothing answers at that address/),
    ]);

    files.docs.set('junk/manifest.json', '<html>hello</html>');
    const junk = await fromUrl(`${files.url}/junk/manifest.json`, 'a');
    expect([junk.statusCode, junk.json()]).toEqual([422, err('INVALID_MANIFEST', /not JSON/)]);
    expect(
      (await owner.post('/system/models/install', { source: 'url', url: 'ftp://example.com/m.json', id: 'a', type: 'checkpoint' })).json(),
    ).toEqual(err('VALIDATION_ERROR', /http/));
    expect(
      (await owner.post('/system/models/install', { source: 'url', url: `${files.url}/sd1/manifest.json`, type: 'checkpoint' })).json(),
    ).toEqual(err('VALIDATION_ERROR', /body\.id is required/));

    // A listed file that is not on the server: the job fails with the server's answer.
    files.docs.set(
      'gone/manifest.json',
      manifestOf('sd1', (f) => ({ ...f, url: f.path === 'unet/model.onnx' ? '/sd1/unet/missing.onnx' : `/sd1/${f.path}` })),
    );
    const gone = await fromUrl(`${files.url}/gone/manifest.json`, 'gone');
    expect(await settled(app, gone.json().data.job_id)).toMatchObject({
      status: 'failed',
      errorCode: 'DOWNLOAD_FAILED',
      error: expect.stringMatching(/answered 404/),
    });

    // Every file downloads, but the model lacks its UNet: refused with what is missing.
    files.docs.set(
      'partial/manifest.json',
      manifestOf('sd1', (f) => (f.path.startsWith('unet/') ? null : { ...f, url: `/sd1/${f.path}` })),
    );
    const partial = await fromUrl(`${files.url}/partial/manifest.json`, 'partial');
    expect(await settled(app, partial.json().data.job_id)).toMatchObject({
      status: 'failed',
      errorCode: 'INVALID_MODEL',
      error: expect.stringMatching(/unet\/ is missing/),
    });
    expect((await owner.get('/system/models')).json().data.models).toEqual([]);
  });

  it('pushes progress to the owner over socket.io, cancels a download, and resumes it from its partial files on the next install', async () => {
    const dataDir = tempDataDir('atelier-models-socket-');
    running = await startServer({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), logger: false });
    const app = running.app;
    const user = await signUp(app);
    const headers = bearer(user.accessToken);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(running.url, {
      path: '/socket.io/',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: user.accessToken },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const got: JobSnapshot[] = [];
      socket.on('job:update', (j) => got.push(j));
      files.stall.set('sd1/unet/model.onnx', 10_000);
      const body = { source: 'url', url: `${files.url}/sd1/manifest.json`, id: 'tiny-sd1', type: 'checkpoint' };
      const first = await app.inject({ method: 'POST', url: '/system/models/install', headers, payload: body });
      expect(first.statusCode).toBe(202);
      const jobId = first.json().data.job_id as string;

      // The stalled file has sent its first 10000 bytes: the socket says so, and so does the listing.
      const stalled = await until('progress past the stall', () =>
        got.find((j) => j.id === jobId && j.stage === 'download' && /^unet\/model\.onnx .*: \d+\/\d+ bytes$/.test(j.message ?? '')),
      );
      expect(stalled).toMatchObject({ kind: INSTALL_JOB, status: 'processing' });
      const installs = (await app.inject({ url: '/system/models', headers })).json().data.installs;
      expect(installs).toMatchObject([
        {
          job_id: jobId,
          id: 'tiny-sd1',
          type: 'checkpoint',
          status: 'processing',
          file: 'unet/model.onnx',
          total_bytes: expect.any(Number),
        },
      ]);
      expect(installs[0].received_bytes).toBeGreaterThan(10_000);
      const twice = await app.inject({ method: 'POST', url: '/system/models/install', headers, payload: body });
      expect([twice.statusCode, twice.json().error.code]).toEqual([409, 'INSTALL_IN_PROGRESS']);

      const other = await signUp(app);
      const foreign = await app.inject({
        method: 'POST',
        url: `/system/models/installs/${jobId}/cancel`,
        headers: bearer(other.accessToken),
      });
      expect(foreign.statusCode).toBe(403);
      const cancelled = await app.inject({ method: 'POST', url: `/system/models/installs/${jobId}/cancel`, headers });
      expect(cancelled.json()).toEqual({ success: true, data: { job_id: jobId, status: 'cancelled' } });
      await until('the cancel over the socket', () => got.find((j) => j.id === jobId && j.status === 'cancelled'));
      expect((await app.inject({ method: 'POST', url: `/system/models/installs/${jobId}/cancel`, headers })).json().error.code).toBe(
        'INSTALL_FINISHED',
      );
      files.release();

      const second = await app.inject({ method: 'POST', url: '/system/models/install', headers, payload: body });
      expect(second.statusCode).toBe(202);
      const done = await settled(app, second.json().data.job_id);
      expect(done.status).toBe('completed');
      // The second run asked only for what the first had not got.
      const resumed = rangesOf(files, 'sd1/unet/model.onnx').at(-1);
      expect(resumed).toMatch(/^bytes=\d+-$/);
      expect(Number(/=(\d+)-/.exec(resumed!)![1])).toBeGreaterThanOrEqual(10_000);
      await until('completion over the socket', () => got.find((j) => j.id === done.id && j.status === 'completed'));
      expect((await app.inject({ url: '/system/models', headers })).json().data.models).toMatchObject([
        { id: 'tiny-sd1', is_available: true },
      ]);
    } finally {
      socket.disconnect();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("lists the composing engines' models: MusicGen folders (usable or with their problem) and the bundled basic-pitch and Silero VAD", async () => {
    const { dataDir, owner } = await appWithUser();
    const before = (await owner.get('/system/models')).json().data.music;
    expect(before.musicgen_folder).toBe(path.join(dataDir, 'models', 'musicgen'));
    expect(before.models.map((m: { id: string }) => m.id)).toEqual(['basic-pitch', 'silero-vad']);
    expect(before.models.find((m: { id: string }) => m.id === 'silero-vad')).toMatchObject({
      engine: 'arranger',
      is_available: true,
      problem: null,
    });

    await writeTinyMusicgen(path.join(before.musicgen_folder, 'tiny-musicgen'));
    fs.mkdirSync(path.join(before.musicgen_folder, 'half-copied'), { recursive: true });
    const after = (await owner.get('/system/models')).json().data.music.models as {
      id: string;
      is_available: boolean;
      problem: string | null;
      variants: string[];
      size_bytes: number | null;
    }[];
    expect(after.find((m) => m.id === 'tiny-musicgen')).toMatchObject({ is_available: true, problem: null, variants: ['fp32'] });
    expect(after.find((m) => m.id === 'tiny-musicgen')!.size_bytes).toBeGreaterThan(0);
    expect(after.find((m) => m.id === 'half-copied')).toMatchObject({
      is_available: false,
      problem: expect.stringContaining('config.json'),
    });
  });
});
