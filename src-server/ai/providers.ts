import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from './protocol';
import { ortBinDir } from './models';

export interface ProviderChoice {
  /** Providers this machine can run, best first; always ends with `cpu`. */
  available: ExecutionProvider[];
  /** What sessions ask for first unless their spec says otherwise. */
  preferred: ExecutionProvider;
  /** The order sessions try; a failed accelerator falls back to the next. */
  order: ExecutionProvider[];
  /** True when ATELIER_EXECUTION_PROVIDER chose `preferred`. */
  forced: boolean;
}

export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}

export interface DetectOptions {
  platform?: NodeJS.Platform;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  /** onnxruntime-node's native folder for this platform. */
  binDir?: string;
  exists?: (file: string) => boolean;
  /** Whether an NVIDIA driver is loaded. */
  nvidiaDriver?: () => boolean;
}

const CUDA_LIBRARIES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

function hasNvidiaDriver(): boolean {
  if (fs.existsSync('/proc/driver/nvidia/version')) return true;
  // WSL2 and some containers expose the GPU without /proc/driver/nvidia; nvidia-smi still answers there.
  const smi = spawnSync('nvidia-smi', ['-L'], { timeout: 3000, stdio: 'ignore' });
  return smi.status === 0;
}

function safeBinDir(platform: NodeJS.Platform, arch: string): string | null {
  try {
    return ortBinDir(platform, arch);
  } catch {
    return null;
  }
}

/**
 * Decides which execution provider sessions ask for. CUDA's provider libraries are an opt-in
 * download (npm run cuda:install) and need an NVIDIA driver; DirectML ships with the Windows
 * build and CoreML with the macOS one. Nothing here loads onnxruntime, so the main thread stays
 * free of native code; whether the accelerator really works is learnt when a worker creates a
 * session, which falls back to the CPU and says why.
 */
export function chooseProviders(opts: DetectOptions = {}): ProviderChoice {
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const env = opts.env ?? process.env;
  const exists = opts.exists ?? fs.existsSync;
  const binDir = opts.binDir ?? safeBinDir(platform, arch);

  const available: ExecutionProvider[] = [];
  if (
    platform === 'linux' &&
    binDir &&
    CUDA_LIBRARIES.every((lib) => exists(path.join(binDir, lib))) &&
    (opts.nvidiaDriver ?? hasNvidiaDriver)()
  ) {
    available.push('cuda');
  }
  if (platform === 'win32' && binDir && exists(path.join(binDir, 'DirectML.dll'))) available.push('dml');
  if (platform === 'darwin') available.push('coreml');
  available.push('cpu');

  const raw = (env.ATELIER_EXECUTION_PROVIDER ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'auto') {
    return { available, preferred: available[0]!, order: [...available], forced: false };
  }
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(raw)) {
    throw new ProviderConfigError(`ATELIER_EXECUTION_PROVIDER must be one of auto, ${EXECUTION_PROVIDERS.join(', ')}; got "${raw}"`);
  }
  const forced = raw as ExecutionProvider;
  return { available, preferred: forced, order: forced === 'cpu' ? ['cpu'] : [forced, 'cpu'], forced: true };
}
