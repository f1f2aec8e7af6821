#!/usr/bin/env node
// Opt-in for NVIDIA Linux users: onnxruntime-node's CUDA provider libraries are not on the npm
// registry, so the default install skips them (.npmrc). This fetches them (internet needed).
import { spawnSync } from 'node:child_process';

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error('The CUDA provider download is for Linux x64; Windows uses DirectML and macOS CoreML out of the box.');
  process.exit(1);
}
const res = spawnSync('npm', ['rebuild', 'onnxruntime-node'], {
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', npm_config_onnxruntime_node_install: 'cuda12' },
  shell: process.platform === 'win32',
});
if (res.status !== 0) {
  console.error('Could not fetch the CUDA provider (it comes from NuGet, not npm). Atelier keeps running on the CPU.');
  process.exit(res.status ?? 1);
}
console.log(
  'CUDA provider installed. Atelier will use the GPU when an NVIDIA driver with CUDA 12 is present (see Settings or GET /system/ai).',
);
