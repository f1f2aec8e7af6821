import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseProviders, ProviderConfigError } from '../../src-server/ai/providers';
import { ortBinDir, sileroVadModelPath } from '../../src-server/ai/models';

const cpuOnlyLinux = process.platform === 'linux' && !fs.existsSync(path.join(ortBinDir(), 'libonnxruntime_providers_cuda.so'));
const bin = '/ort/bin';
const cudaLibs = new Set([path.join(bin, 'libonnxruntime_providers_cuda.so'), path.join(bin, 'libonnxruntime_providers_shared.so')]);

describe('chooseProviders', () => {
  it('prefers CUDA on Linux only with both the provider libraries and an NVIDIA driver', () => {
    const linux = { platform: 'linux' as const, env: {}, binDir: bin };
    expect(chooseProviders({ ...linux, exists: (f) => cudaLibs.has(f), nvidiaDriver: () => true })).toEqual({
      available: ['cuda', 'cpu'],
      preferred: 'cuda',
      order: ['cuda', 'cpu'],
      forced: false,
    });
    expect(chooseProviders({ ...linux, exists: (f) => cudaLibs.has(f), nvidiaDriver: () => false }).preferred).toBe('cpu');
    expect(chooseProviders({ ...linux, exists: () => false, nvidiaDriver: () => true }).preferred).toBe('cpu');
  });

  it('prefers DirectML on Windows and CoreML on macOS', () => {
    expect(chooseProviders({ platform: 'win32', env: {}, binDir: bin, exists: (f) => f === path.join(bin, 'DirectML.dll') }).order).toEqual(
      ['dml', 'cpu'],
    );
    expect(chooseProviders({ platform: 'darwin', env: {}, binDir: bin, exists: () => false }).order).toEqual(['coreml', 'cpu']);
  });

  it('obeys ATELIER_EXECUTION_PROVIDER, keeping the CPU as the fallback', () => {
    const base = { platform: 'linux' as const, binDir: bin, exists: (f: string) => cudaLibs.has(f), nvidiaDriver: () => true };
    expect(chooseProviders({ ...base, env: { ATELIER_EXECUTION_PROVIDER: 'cpu' } })).toMatchObject({
      preferred: 'cpu',
      order: ['cpu'],
      forced: true,
      available: ['cuda', 'cpu'],
    });
    expect(chooseProviders({ ...base, env: { ATELIER_EXECUTION_PROVIDER: ' WebGPU ' } })).toMatchObject({
      preferred: 'webgpu',
      order: ['webgpu', 'cpu'],
      forced: true,
    });
    expect(chooseProviders({ ...base, env: { ATELIER_EXECUTION_PROVIDER: 'auto' } })).toMatchObject({ preferred: 'cuda', forced: false });
  });

  it('rejects an unknown forced provider with a message naming the valid ones', () => {
    expect(() => chooseProviders({ env: { ATELIER_EXECUTION_PROVIDER: 'tpu' } })).toThrow(ProviderConfigError);
    expect(() => chooseProviders({ env: { ATELIER_EXECUTION_PROVIDER: 'tpu' } })).toThrow(
      /one of auto, cpu, cuda, dml, coreml, webgpu; got "tpu"/,
    );
  });

  it.runIf(cpuOnlyLinux)('finds only the CPU on Linux without the CUDA provider libraries', () => {
    expect(chooseProviders({ env: {} })).toEqual({ available: ['cpu'], preferred: 'cpu', order: ['cpu'], forced: false });
  });
});

describe('bundled model files', () => {
  it('locates the silero weights and onnxruntime-node binaries despite package exports', () => {
    expect(fs.existsSync(sileroVadModelPath())).toBe(true);
    expect(fs.existsSync(path.join(ortBinDir(), 'onnxruntime_binding.node'))).toBe(true);
  });
});
