import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as tar from 'tar';

/**
 * Which Chromium the end-to-end tests drive. `CHROMIUM_PATH` wins; on Linux the pinned build inside
 * the `@sparticuz/chromium` npm package (so `npm ci && npm test` needs no system browser); elsewhere
 * an installed Chrome, Edge or Chromium.
 */
export interface TestBrowser {
  executablePath: string;
  /** Where it came from, for the one line a run prints. */
  source: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const SYSTEM_CANDIDATES: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    ...[process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA]
      .filter((d): d is string => !!d)
      .flatMap((d) => [
        path.join(d, 'Google', 'Chrome', 'Application', 'chrome.exe'),
        path.join(d, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
        path.join(d, 'Chromium', 'Application', 'chrome.exe'),
      ]),
  ],
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/microsoft-edge'],
};

/**
 * The npm package ships the binary brotli-compressed; it is unpacked once per package version into
 * node_modules/.cache. The package's own `executablePath()` unpacks into a fixed /tmp path that a
 * second run may read half-written, so this writes to a private name and renames.
 */
function unpackSparticuz(): TestBrowser | null {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) return null;
  let pkgDir: string;
  try {
    // Its exports map hides package.json: resolve the entry (build/cjs/index.cjs) and step up.
    pkgDir = path.resolve(path.dirname(createRequire(path.join(root, 'package.json')).resolve('@sparticuz/chromium')), '..', '..');
  } catch {
    return null;
  }
  const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const packed = path.join(pkgDir, 'bin', 'chromium.br');
  if (!fs.existsSync(packed)) return null;
  const dir = path.join(root, 'node_modules', '.cache', 'atelier-test-browser', `sparticuz-${version}-${process.arch}`);
  const exe = path.join(dir, 'chromium');
  if (!fs.existsSync(exe)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${exe}.${process.pid}.part`;
    try {
      fs.writeFileSync(tmp, zlib.brotliDecompressSync(fs.readFileSync(packed)), { mode: 0o755 });
      fs.renameSync(tmp, exe);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  unpackSwiftShader(pkgDir, dir);
  return { executablePath: exe, source: `@sparticuz/chromium ${version}` };
}

/**
 * SwiftShader (WebGL drawn on the CPU) ships beside the binary; without it this Chromium has no
 * WebGL at all (the concert's 3D stage). Unpacked into a private folder, then moved in, GL last.
 */
function unpackSwiftShader(pkgDir: string, dir: string): void {
  const packed = path.join(pkgDir, 'bin', 'swiftshader.tar.br');
  if (fs.existsSync(path.join(dir, 'libGLESv2.so')) || !fs.existsSync(packed)) return;
  const tmp = path.join(dir, `.swiftshader.${process.pid}`);
  try {
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'swiftshader.tar'), zlib.brotliDecompressSync(fs.readFileSync(packed)));
    tar.x({ file: path.join(tmp, 'swiftshader.tar'), cwd: tmp, sync: true });
    const files = fs.readdirSync(tmp).filter((f) => f !== 'swiftshader.tar' && f !== 'libGLESv2.so');
    for (const f of [...files, 'libGLESv2.so']) fs.renameSync(path.join(tmp, f), path.join(dir, f));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function resolveTestBrowser(env: NodeJS.ProcessEnv = process.env): TestBrowser {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH points at ${env.CHROMIUM_PATH}, which does not exist`);
    return { executablePath: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  const bundled = unpackSparticuz();
  if (bundled) return bundled;
  const system = (SYSTEM_CANDIDATES[process.platform] ?? []).find((p) => fs.existsSync(p));
  if (system) return { executablePath: system, source: 'system' };
  throw new Error(
    `No browser for the end-to-end tests on ${process.platform}-${os.arch()}: install Chrome, Edge or Chromium, or set CHROMIUM_PATH to one.`,
  );
}
