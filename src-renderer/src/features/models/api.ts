import { api } from '../../api/client';

/** The job kind of URL installs (src-server/system/models/service.ts). */
export const INSTALL_JOB = 'system.model-install';

export type ModelType = 'checkpoint' | 'upscaler' | 'vae';
export type ExecutionProvider = 'cuda' | 'dml' | 'coreml' | 'cpu';

export interface InstalledModel {
  id: string;
  type: ModelType;
  display_name: string;
  description: string | null;
  base: 'sd1' | 'sd2' | 'sdxl' | null;
  precision: 'fp16' | 'fp32' | null;
  inpainting: boolean;
  sample_size: number | null;
  scale: number | null;
  min_tier: string;
  size_bytes: number;
  is_available: boolean;
  /** Why it cannot be used: missing files, Git LFS pointers... */
  problem: string | null;
  path: string;
}

export interface InstallView {
  job_id: string;
  id: string;
  type: ModelType;
  source: string;
  status: 'queued' | 'processing';
  position: number | null;
  progress: number;
  file: string | null;
  received_bytes: number;
  total_bytes: number | null;
}

/** A model a composing engine uses (MusicGen folders, the bundled basic-pitch and Silero VAD). */
export interface MusicModel {
  id: string;
  engine: 'musicgen' | 'arranger';
  role: string;
  path: string;
  size_bytes: number | null;
  is_available: boolean;
  problem: string | null;
  variants: string[];
}

export interface ModelsOverview {
  models: InstalledModel[];
  music: { musicgen_folder: string; models: MusicModel[] };
  execution_providers: { available: ExecutionProvider[]; preferred: ExecutionProvider; forced: boolean };
  installs: InstallView[];
}

export interface UrlInstallRequest {
  url: string;
  id: string;
  type: ModelType;
  sha256?: string;
}

export interface UrlInstallAccepted {
  job_id: string;
  id: string;
  type: ModelType;
  status: string;
  position: number | null;
}

/** Owner-only routes (loopback): a LAN peer gets 403 OWNER_ONLY with the server's explanation. */
export const modelsApi = {
  overview: () => api<ModelsOverview>('/system/models'),
  installFolder: (path: string, id?: string) =>
    api<InstalledModel>('/system/models/install', { method: 'POST', body: { source: 'folder', path, ...(id ? { id } : {}) } }),
  installUrl: (r: UrlInstallRequest) =>
    api<UrlInstallAccepted>('/system/models/install', { method: 'POST', body: { source: 'url', ...r } }),
  cancel: (jobId: string) =>
    api<{ job_id: string; status: string }>(`/system/models/installs/${encodeURIComponent(jobId)}/cancel`, { method: 'POST' }),
  remove: (type: ModelType, id: string) =>
    api<{ id: string; type: ModelType; removed: true }>(`/system/models/${type}/${encodeURIComponent(id)}`, { method: 'DELETE' }),
};

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}
