import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinySd, writeTinyUpscaler } from '../../src-server/ai/diffusion/tiny/generate';
import { writeTinyMusicgen } from '../../src-server/ai/musicgen/tiny/generate';
import { loadModelCatalog, validateCatalog, CatalogFileError, downloadsOf } from '../../src-server/system/catalog/catalog';
import { bearer, makeTestApp, signUp, type TestApp, settled } from '../helpers/app';
import { pinnedEntry, serveHfRepos, writeCatalog, type HfRepoServer } from '../helpers/hf-repo';
import { requests } from '../helpers/inject';

// The model catalog installed through the model installer from a Hugging Face-style repository
// server on 127.0.0.1 (`<repo>/resolve/<revision>/<file>`): resume after a dropped connection, a
// wrong checksum refused with nothing left behind, a download too big for the disk refused before
// its first byte, pause and cancel.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-catalog-'));
const sd1 = path.join(root, 'repos', 'sd1');
const x4 = path.join(root, 'repos', 'x4');
const musicgen = path.join(root, 'repos', 'musicgen');
let hub: HfRepoServer;
let catalogFile: string;

const base = { licence: { name: 'MIT', url: 'https://example.com/mit', commercial: true }, min_memory_gb: 0.001, revision: 'r1' };
/** The tiny ×4 upscaler's entry, as the catalog lists it. */
const x4Entry = {
  ...base,
  id: 'tiny-x4',
  name: 'Tiny ×4',
  kind: 'upscaler',
  repo: 'test/tiny-x4',
  enables: 'upscale',
  area: '/images',
} as const;

beforeAll(async () => {
  await writeTinySd(sd1, { base: 'sd1' });
  await writeTinyUpscaler(x4, { scale: 4 });
  await writeTinyMusicgen(musicgen);
  hub = await serveHfRepos({
    'test/tiny-sd1': { folder: sd1, revision: 'r1' },
    'test/tiny-x4': { folder: x4, revision: 'r1' },
    'test/tiny-musicgen': { folder: musicgen, revision: 'r1' },
    'test/broken-sd1': { folder: sd1, revision: 'r1' },
  });
  const tinySd = pinnedEntry(sd1, {
    ...base,
    id: 'tiny-sd1',
    name: 'Tiny SD',
    kind: 'checkpoint',
    repo: 'test/tiny-sd1',
    enables: 'images',
    area: '/images',
  });
  const broken = pinnedEntry(sd1, {
    ...base,
    id: 'broken-sd1',
    name: 'Broken',
    kind: 'checkpoint',
    repo: 'test/broken-sd1',
    enables: 'images',
    area: '/images',
  });
  // One file's sha256 is wrong: the download must be refused.
  const unet = broken.files.find((f) => f.path === 'unet/model.onnx')!;
  unet.sha256 = 'f'.repeat(64);
  const huge = pinnedEntry(x4, { ...x4Entry, id: 'huge-x4', name: 'Huge' });
  huge.files[0]!.size = 1e15; // a petabyte: no disk here holds it
  catalogFile = writeCatalog(path.join(root, 'catalog.json'), {
    packs: [
      { id: 'images', title: 'Images', enables: 'make images', entries: ['tiny-sd1', 'tiny-x4'] },
      { id: 'music', title: 'Music', enables: 'compose', entries: ['tiny-musicgen'] },
    ],
    entries: [
      tinySd,
      pinnedEntry(x4, x4Entry),
      pinnedEntry(musicgen, {
        ...base,
        id: 'tiny-musicgen',
        name: 'Tiny MusicGen',
        kind: 'musicgen',
        repo: 'test/tiny-musicgen',
        enables: 'compose',
        area: '/compose',
      }),
      broken,
      huge,
    ],
  });
});
afterAll(async () => {
  await hub?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function setUp() {
  t = await makeTestApp({ catalogFile, catalogUrl: hub.url });
  const user = await signUp(t.app);
  return { app: t.app, dataDir: t.dataDir, owner: requests(() => t!.app).as({ headers: bearer(user.accessToken) }) };
}

const partsUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.part')) : [];

describe('the model catalog file', () => {
  it('the bundled catalog is valid and names every starter pack the first run offers', () => {
    const c = loadModelCatalog(null);
    expect(c.version).toBeGreaterThanOrEqual(1);
    expect(c.packs.map((p) => p.id)).toEqual(['images', 'music', 'stories']);
    const music = c.entries.find((e) => e.id === 'musicgen-small')!;
    expect(music.licence.commercial).toBe(false);
    expect(downloadsOf(music, 'https://huggingface.co')[0]!.url).toBe(
      'https://huggingface.co/Xenova/musicgen-small/resolve/main/config.json',
    );
  });

  it('refuses a catalog with a path escaping the model folder or a pack naming no entry', () => {
    const good = JSON.parse(fs.readFileSync(catalogFile, 'utf8'));
    const escaping = structuredClone(good);
    escaping.entries[0].files[0].path = '../../etc/passwd';
    expect(() => validateCatalog(escaping, 'x')).toThrow(CatalogFileError);
    const dangling = structuredClone(good);
    dangling.packs[0].entries.push('nowhere');
    expect(() => validateCatalog(dangling, 'x')).toThrow(/names "nowhere"/);
  });
});

describe('pinning the catalog (scripts/pin-catalog.mjs)', () => {
  it('replaces a branch with its commit and fills in each file size and sha256 from the Hub', async () => {
    const commit = 'c0ffee'.padEnd(40, '0');
    const pinHub = await serveHfRepos({ 'test/tiny-x4': { folder: x4, revision: 'main', commit } });
    const unpinned = path.join(root, 'unpinned.json');
    const entry = pinnedEntry(x4, { ...x4Entry, revision: 'main' });
    const expected = structuredClone(entry.files);
    for (const f of entry.files) Object.assign(f, { size: null, sha256: null });
    writeCatalog(unpinned, { packs: [], entries: [entry] });
    try {
      const { execFile } = await import('node:child_process');
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ['scripts/pin-catalog.mjs', '--file', unpinned],
          { env: { ...process.env, ATELIER_CATALOG_URL: pinHub.url } },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      const pinned = validateCatalog(JSON.parse(fs.readFileSync(unpinned, 'utf8')), unpinned);
      expect(pinned.entries[0]!.revision).toBe(commit);
      expect(pinned.entries[0]!.files).toEqual(expected);
    } finally {
      await pinHub.close();
    }
  });
});

describe('GET /system/catalog', () => {
  it('lists packs and entries with size, licence, source and status, beside the machine check', async () => {
    const { owner } = await setUp();
    const res = await owner.get('/system/catalog');
    expect(res.statusCode).toBe(200);
    const data = res.json().data;
    expect(data.base_url).toBe(hub.url);
    expect(data.machine.execution_providers.available).toContain('cpu');
    expect(data.machine.free_disk_bytes).toBeGreaterThan(0);
    expect(typeof data.machine.ffmpeg.found).toBe('boolean');
    const sd = data.entries.find((e: { id: string }) => e.id === 'tiny-sd1');
    expect(sd).toMatchObject({
      status: 'available',
      pinned: true,
      repo: 'test/tiny-sd1',
      revision: 'r1',
      licence: { name: 'MIT' },
      misfit: [],
    });
    expect(sd.size_bytes).toBeGreaterThan(1000);
    const huge = data.entries.find((e: { id: string }) => e.id === 'huge-x4');
    expect(huge.misfit.join(' ')).toMatch(/free disk/);
    expect(data.packs.find((p: { id: string }) => p.id === 'images')).toMatchObject({ entries: ['tiny-sd1', 'tiny-x4'], misfit: [] });
  });

  it('says whether this is a first run: no account yet', async () => {
    t = await makeTestApp({ catalogFile, catalogUrl: hub.url });
    const anon = requests(() => t!.app).anon();
    expect((await anon.get('/system/setup')).json().data).toEqual({ first_run: true });
    await signUp(t.app);
    expect((await anon.get('/system/setup')).json().data).toEqual({ first_run: false });
  });
});

describe('installing from the catalog', () => {
  it('installs a pack from the repository server, resuming a dropped connection with Range, with progress per file and overall', async () => {
    const { app, dataDir, owner } = await setUp();
    hub.stall.set('unet/model.onnx', 5000);
    const res = await owner.post('/system/catalog/packs/images/install');
    expect(res.statusCode).toBe(202);
    const installs = res.json().data.installs as { job_id: string; id: string }[];
    expect(installs.map((i) => i.id)).toEqual(['tiny-sd1', 'tiny-x4']);
    // Held mid-UNet: the listing shows that file, its place, its bytes, and the overall bytes.
    type Listed = {
      id: string;
      file: string | null;
      file_index: number | null;
      files: number;
      file_received_bytes: number;
      received_bytes: number;
      total_bytes: number | null;
    };
    const deadline = Date.now() + 20_000;
    let mid: Listed | undefined;
    while (!mid) {
      const listed = (await owner.get('/system/models')).json().data.installs as Listed[];
      mid = listed.find((i) => i.id === 'tiny-sd1' && i.file === 'unet/model.onnx' && i.file_received_bytes === 5000);
      if (Date.now() > deadline) throw new Error(`never saw the UNet at 5000 bytes: ${JSON.stringify(listed)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const entry = JSON.parse(fs.readFileSync(catalogFile, 'utf8')).entries[0] as { files: { path: string; size: number }[] };
    expect(mid.files).toBe(entry.files.length);
    expect(mid.file_index).toBe(entry.files.findIndex((f) => f.path === 'unet/model.onnx'));
    expect(mid.total_bytes).toBe(entry.files.reduce((a, f) => a + f.size, 0));
    expect(mid.received_bytes).toBeGreaterThan(5000);
    expect(mid.received_bytes).toBeLessThan(mid.total_bytes!);
    // The connection drops; the installer resumes with Range.
    hub.release();
    for (const i of installs) expect((await settled(app, i.job_id)).status).toBe('completed');
    // The UNet was asked for again from byte 5000 on.
    const unetAsks = hub.requests.filter((r) => r.path === '/test/tiny-sd1/resolve/r1/unet/model.onnx');
    expect(unetAsks.map((r) => r.range)).toEqual([null, 'bytes=5000-']);
    const catalog = (await owner.get('/system/catalog')).json().data;
    for (const id of ['tiny-sd1', 'tiny-x4']) expect(catalog.entries.find((e: { id: string }) => e.id === id).status).toBe('installed');
    const models = (await owner.get('/system/models')).json().data.models as { id: string; is_available: boolean; display_name: string }[];
    expect(models.find((m) => m.id === 'tiny-sd1')).toMatchObject({ is_available: true, display_name: 'Tiny SD' });
    expect(models.find((m) => m.id === 'tiny-x4')?.is_available).toBe(true);
    expect(partsUnder(path.join(dataDir, 'models'))).toEqual([]);
    // Installed already: asking again is a clear 409, not a second download.
    expect((await owner.post('/system/catalog/entries/tiny-sd1/install')).json().error.code).toBe('MODEL_EXISTS');
  });

  it('installs a non-diffusion entry into its engine folder (MusicGen)', async () => {
    const { app, dataDir, owner } = await setUp();
    const res = await owner.post('/system/catalog/entries/tiny-musicgen/install');
    expect(res.statusCode).toBe(202);
    expect((await settled(app, res.json().data.job_id)).status).toBe('completed');
    const folder = path.join(dataDir, 'models', 'musicgen', 'tiny-musicgen');
    expect(fs.existsSync(path.join(folder, 'config.json'))).toBe(true);
    const music = (await owner.get('/system/models')).json().data.music.models as { id: string; is_available: boolean }[];
    expect(music.find((m) => m.id === 'tiny-musicgen')?.is_available).toBe(true);
  });

  it('refuses a file whose sha256 does not match, and leaves no partial file and no model', async () => {
    const { app, dataDir, owner } = await setUp();
    const res = await owner.post('/system/catalog/entries/broken-sd1/install');
    expect(res.statusCode).toBe(202);
    const job = await settled(app, res.json().data.job_id);
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('CHECKSUM_MISMATCH');
    expect(fs.existsSync(path.join(dataDir, 'models', 'diffusion', 'broken-sd1'))).toBe(false);
    const staged = path.join(dataDir, 'models', '.downloads', 'diffusion-broken-sd1');
    expect(fs.existsSync(path.join(staged, 'unet', 'model.onnx'))).toBe(false);
    expect(partsUnder(staged)).toEqual([]);
  });

  it('refuses a download the disk cannot hold before its first byte', async () => {
    const { dataDir, owner } = await setUp();
    const before = hub.requests.length;
    const res = await owner.post('/system/catalog/entries/huge-x4/install');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('NOT_ENOUGH_SPACE');
    expect(res.json().error.message).toMatch(/needs 1\.0 PB/);
    expect(hub.requests.length).toBe(before);
    expect(fs.existsSync(path.join(dataDir, 'models', '.downloads'))).toBe(false);
  });

  it('pauses a download keeping its partial files, resumes it from them, and cancel with discard deletes them', async () => {
    const { app, dataDir, owner } = await setUp();
    hub.stall.set('unet/model.onnx', 4000);
    const first = (await owner.post('/system/catalog/entries/tiny-sd1/install')).json().data.job_id as string;
    const staged = path.join(dataDir, 'models', '.downloads', 'diffusion-tiny-sd1');
    const unetPart = path.join(staged, 'unet', 'model.onnx.part');
    const deadline = Date.now() + 20_000;
    while (!(fs.existsSync(unetPart) && fs.statSync(unetPart).size >= 4000)) {
      if (Date.now() > deadline) throw new Error('the UNet never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const paused = await owner.post(`/system/models/installs/${first}/cancel`);
    expect(paused.json().data.status).toBe('cancelled');
    hub.release();
    await settled(app, first);
    expect(fs.statSync(unetPart).size).toBe(4000);

    // Resume: the same entry again asks only for the rest.
    hub.stall.set('unet/model.onnx', 1000);
    const second = (await owner.post('/system/catalog/entries/tiny-sd1/install')).json().data.job_id as string;
    await new Promise((r) => setTimeout(r, 200));
    expect(hub.requests.filter((r) => r.path.endsWith('/tiny-sd1/resolve/r1/unet/model.onnx')).at(-1)?.range).toBe('bytes=4000-');
    const cancelled = await owner.post(`/system/models/installs/${second}/cancel`, { discard: true });
    expect(cancelled.json().data.status).toBe('cancelled');
    hub.release();
    await settled(app, second);
    await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(staged)).toBe(false);
  });
});
