import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { asarUnpacked, bundledBinDir, defaultDataDir, paths, resolvePaths, type RuntimePaths } from '../../src-server/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-paths-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const repo = path.resolve(import.meta.dirname, '..', '..');

function touch(file: string, text = ''): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Every folder a layout hands out, as [name, path]. */
const folders = (p: RuntimePaths) => Object.entries(p).filter(([key]) => key !== 'layout') as [string, string][];

describe('runtime paths', () => {
  it('in the repository (tests, tsx): everything under the checkout, migrations and models included', () => {
    const p = resolvePaths(pathToFileURL(path.join(repo, 'src-server', 'paths.ts')).href, {});
    expect(p.layout).toBe('dev');
    expect(p.appRoot).toBe(repo);
    expect(p.unpackedRoot).toBe(repo);
    expect(fs.readdirSync(p.migrations).some((f) => f.endsWith('.sql'))).toBe(true);
    expect(fs.existsSync(path.join(p.resources, 'models', 'basic-pitch', 'model.onnx'))).toBe(true);
    expect(fs.existsSync(path.join(p.nativeModules, 'better-sqlite3'))).toBe(true);
    expect(p.webRoot).toBe(path.join(repo, 'out', 'renderer'));
    expect(paths().appRoot).toBe(repo);
  });

  it('headless (the bundle in out/main run by Node): the same tree, workers beside the bundle', () => {
    const p = resolvePaths(path.join(repo, 'out', 'main', 'chunks', 'server-abc123.js'), {});
    expect(p.layout).toBe('headless');
    expect(p.appRoot).toBe(repo);
    expect(p.workers).toBe(path.join(repo, 'out', 'main'));
  });

  it('packaged: reads from app.asar, and what native code opens itself from app.asar.unpacked', () => {
    // The tree electron-builder.yml produces, with folders standing in for the archive.
    const resources = path.join(tmp, 'Atelier', 'resources');
    const asar = path.join(resources, 'app.asar');
    const unpacked = path.join(resources, 'app.asar.unpacked');
    touch(path.join(asar, 'package.json'), JSON.stringify({ name: 'atelier', main: 'out/main/index.js' }));
    touch(path.join(asar, 'out', 'main', 'index.js'));
    touch(path.join(asar, 'out', 'main', 'chunks', 'server-abc123.js'));
    touch(path.join(asar, 'out', 'renderer', 'index.html'));
    touch(path.join(asar, 'out', 'preload', 'index.cjs'));
    touch(path.join(asar, 'src-server', 'db', 'migrations', '0000_foundation.sql'));
    touch(path.join(asar, 'out', 'main', 'ai-worker.js'));
    touch(path.join(asar, 'out', 'main', 'compose-render-worker.js'));
    touch(path.join(unpacked, 'resources', 'models', 'basic-pitch', 'model.onnx'));
    touch(path.join(unpacked, 'resources', 'bin', `${process.platform}-${process.arch}`, 'ffmpeg'));
    for (const native of ['better-sqlite3', 'argon2', 'onnxruntime-node', 'sharp'])
      touch(path.join(unpacked, 'node_modules', native, 'package.json'));

    const p = resolvePaths(pathToFileURL(path.join(asar, 'out', 'main', 'chunks', 'server-abc123.js')).href, {});
    expect(p).toEqual({
      layout: 'packaged',
      appRoot: asar,
      unpackedRoot: unpacked,
      resources: path.join(unpacked, 'resources'),
      migrations: path.join(asar, 'src-server', 'db', 'migrations'),
      webRoot: path.join(asar, 'out', 'renderer'),
      preload: path.join(asar, 'out', 'preload', 'index.cjs'),
      workers: path.join(asar, 'out', 'main'),
      nativeModules: path.join(unpacked, 'node_modules'),
    });
    for (const [name, folder] of folders(p)) expect(fs.existsSync(folder), `${name}: ${folder}`).toBe(true);
    expect(fs.existsSync(path.join(bundledBinDir(p), 'ffmpeg'))).toBe(true);

    // Code in the unpacked copy (a native module's loader) sees the same layout.
    expect(resolvePaths(path.join(unpacked, 'node_modules', 'sharp', 'lib', 'index.js'), {})).toEqual(p);
    // A binary a package resolves inside the archive (@ffmpeg-installer's) is run from beside it.
    const npmFfmpeg = path.join(asar, 'node_modules', '@ffmpeg-installer', 'linux-x64', 'ffmpeg');
    expect(asarUnpacked(npmFfmpeg)).toBe(path.join(unpacked, 'node_modules', '@ffmpeg-installer', 'linux-x64', 'ffmpeg'));
    expect(asarUnpacked(path.join(repo, 'node_modules', 'x'))).toBe(path.join(repo, 'node_modules', 'x'));
  });

  it('ATELIER_APP_ROOT points at another tree; without any package.json above, it says where it looked', () => {
    expect(resolvePaths(path.join(tmp, 'x.js'), { ATELIER_APP_ROOT: repo }).appRoot).toBe(repo);
    expect(() => resolvePaths(path.join(os.tmpdir(), 'nowhere', 'x.js'), {})).toThrow(/could not find its own package\.json/);
  });

  it('the data folder is the per-user app-data folder Electron uses, on each platform', () => {
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/x' })).toBe(path.join('/x', 'Atelier'));
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' })).toBe(
      path.join('C:\\Users\\a\\AppData\\Roaming', 'Atelier'),
    );
    expect(defaultDataDir('darwin', {})).toBe(path.join(os.homedir(), 'Library', 'Application Support', 'Atelier'));
  });
});
