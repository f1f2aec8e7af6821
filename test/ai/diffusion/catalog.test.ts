import { createHash } from 'node:crypto';
import { PLAN_ORDER } from '../../../src-server/auth/plans';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError, ModelCatalog, type DownloadFile, type DownloadProgress } from '../../../src-server/ai/diffusion/catalog';
import { writeTinySd, writeTinyUpscaler } from '../../../src-server/ai/diffusion/tiny/generate';
import { filesOf, rangesOf, serveFolder, type FileServer } from '../../helpers/file-server';

// The models catalog on a real data folder, with downloads from a real HTTP server on 127.0.0.1
// that honours Range and can cut a response short.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-catalog-'));
const sources = path.join(root, 'sources');
const sd1 = path.join(sources, 'sd1');
const sdxl = path.join(sources, 'sdxl');
const up4 = path.join(sources, 'up4');

let server: FileServer;
beforeAll(async () => {
  await writeTinySd(sd1, { base: 'sd1' });
  await writeTinySd(sdxl, { base: 'sdxl', fp16: true, inpainting: true, sampleSize: 16 });
  await writeTinyUpscaler(up4, { scale: 4 });
  server = await serveFolder(sources);
});
afterAll(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const manifest = (folder: string): DownloadFile[] =>
  filesOf(path.join(sources, folder)).map((p) => {
    const bytes = fs.readFileSync(path.join(sources, folder, p));
    return { url: `${server.url}/${folder}/${p}`, path: p, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });

describe('ModelCatalog', () => {
  it('installs from folders, lists type, base, tier and availability, and removes', async () => {
    const catalog = new ModelCatalog(path.join(root, 'data-folders'), PLAN_ORDER);
    expect(catalog.list()).toEqual([]);
    await catalog.installFromFolder(sd1, { id: 'tiny-sd15', type: 'checkpoint' });
    await catalog.installFromFolder(sdxl, {
      id: 'tiny-sdxl-inpaint',
      type: 'checkpoint',
      meta: { display_name: 'Tiny SDXL', min_tier: 'pro' },
    });
    await catalog.installFromFolder(path.join(up4, 'model.onnx'), { id: 'tiny-esrgan-x4', type: 'upscaler' });
    const list = catalog.list();
    expect(list.map((e) => [e.id, e.type, e.base, e.precision, e.inpainting, e.sample_size, e.scale, e.min_tier, e.is_available])).toEqual([
      ['tiny-sd15', 'checkpoint', 'sd1', 'fp32', false, 64, null, 'free', true],
      ['tiny-sdxl-inpaint', 'checkpoint', 'sdxl', 'fp16', true, 128, null, 'pro', true],
      ['tiny-esrgan-x4', 'upscaler', null, 'fp32', false, null, 4, 'free', true],
    ]);
    expect(list[1]!.display_name).toBe('Tiny SDXL');
    expect(list[0]!.size_bytes).toBeGreaterThan(10_000);
    expect(catalog.list({ base: 'sdxl' }).map((e) => e.id)).toEqual(['tiny-sdxl-inpaint']);
    expect(catalog.list({ type: 'upscaler' }).map((e) => e.id)).toEqual(['tiny-esrgan-x4']);

    await expect(catalog.installFromFolder(sd1, { id: 'tiny-sd15', type: 'checkpoint' })).rejects.toMatchObject({ code: 'exists' });
    await expect(catalog.installFromFolder(sd1, { id: '../escape', type: 'checkpoint' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    // Not a model: refused, and nothing is left behind (no staging folder, no entry).
    await expect(catalog.installFromFolder(path.join(sd1, 'tokenizer'), { id: 'junk', type: 'checkpoint' })).rejects.toMatchObject({
      code: 'invalid_model',
      message: expect.stringMatching(/unet\/ is missing/),
    });
    expect(fs.readdirSync(path.join(catalog.root, 'diffusion'))).toEqual(['tiny-sd15', 'tiny-sdxl-inpaint']);

    // A model broken after install is listed as unavailable, with the reason.
    fs.rmSync(path.join(catalog.root, 'diffusion', 'tiny-sd15', 'unet', 'model.onnx'));
    const broken = catalog.get('checkpoint', 'tiny-sd15');
    expect([broken.is_available, broken.problem]).toEqual([false, expect.stringMatching(/unet\/model.onnx is missing/)]);

    await catalog.remove('checkpoint', 'tiny-sd15');
    expect(catalog.list().map((e) => e.id)).toEqual(['tiny-sdxl-inpaint', 'tiny-esrgan-x4']);
    await expect(catalog.remove('checkpoint', 'tiny-sd15')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('downloads over HTTP, resumes an interrupted file with Range, and checks sha256', async () => {
    const catalog = new ModelCatalog(path.join(root, 'data-download'), PLAN_ORDER);
    const files = manifest('sd1');
    const unet = files.find((f) => f.path === 'unet/model.onnx')!;
    server.drop.set('sd1/unet/model.onnx', 20_000);
    const progress: DownloadProgress[] = [];
    const first = catalog.installFromUrl({ id: 'net-sd15', type: 'checkpoint', files, onProgress: (p) => progress.push(p) });
    await expect(first).rejects.toBeInstanceOf(CatalogError);
    await expect(first).rejects.toMatchObject({
      code: 'download_failed',
      message: expect.stringMatching(/unet\/model.onnx .*20000 of \d+ bytes/),
    });
    expect(catalog.list()).toEqual([]);

    const second: DownloadProgress[] = [];
    const entry = await catalog.installFromUrl({ id: 'net-sd15', type: 'checkpoint', files, onProgress: (p) => second.push(p) });
    expect([entry.is_available, entry.base]).toEqual([true, 'sd1']);
    expect(rangesOf(server, 'sd1/unet/model.onnx')).toEqual(['bytes=20000-']);
    const total = files.reduce((s, f) => s + f.size!, 0);
    expect(second[0]!.receivedBytes).toBeGreaterThanOrEqual(20_000);
    expect(second.at(-1)).toMatchObject({ receivedBytes: total, totalBytes: total });
    expect(fs.readFileSync(path.join(entry.path, 'unet', 'model.onnx'))).toEqual(fs.readFileSync(path.join(sd1, 'unet', 'model.onnx')));
    expect(fs.existsSync(path.join(catalog.root, '.downloads'))).toBe(false);
    expect(unet.size).toBeGreaterThan(20_000);
  });

  it('discards a file whose sha256 does not match, and refuses an incomplete model', async () => {
    const catalog = new ModelCatalog(path.join(root, 'data-bad'), PLAN_ORDER);
    const files = manifest('up4').map((f) => ({ ...f, sha256: '0'.repeat(64) }));
    await expect(catalog.installFromUrl({ id: 'bad-x4', type: 'upscaler', files })).rejects.toMatchObject({
      code: 'checksum_mismatch',
      message: expect.stringMatching(/model.onnx does not match its sha256/),
    });
    expect(fs.readdirSync(path.join(catalog.root, '.downloads', 'upscalers-bad-x4'))).toEqual([]);

    const withoutVae = manifest('sd1').filter((f) => !f.path.startsWith('vae_decoder/'));
    await expect(catalog.installFromUrl({ id: 'partial', type: 'checkpoint', files: withoutVae })).rejects.toMatchObject({
      code: 'invalid_model',
      message: expect.stringMatching(/vae_decoder\/ is missing/),
    });
    await expect(
      catalog.installFromUrl({ id: 'x', type: 'checkpoint', files: [{ url: `${server.url}/nope`, path: 'a' }] }),
    ).rejects.toMatchObject({ code: 'download_failed', message: expect.stringMatching(/404/) });
    await expect(
      catalog.installFromUrl({ id: 'x', type: 'checkpoint', files: [{ url: `${server.url}/a`, path: '../a' }] }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(catalog.list()).toEqual([]);
  });
});
