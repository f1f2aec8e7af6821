import { api, requestBlob } from '../../api/client';

export interface StorageView {
  data_dir: string;
  total_bytes: number;
  free_bytes: number;
  areas: { area: string; label: string; bytes: number }[];
}

export interface FfmpegBuild {
  path: string;
  version: string;
  source: 'settings' | 'env' | 'bundled' | 'npm' | 'system';
  missing: string[];
}

export interface FfmpegSetting {
  override: string | null;
  active: FfmpegBuild | null;
  found: FfmpegBuild[];
}

export interface Retention {
  days: number;
  from_settings: boolean;
}

/** The data folder's Settings (src-server/system/data/routes.ts). */
export const dataApi = {
  storage: () => api<StorageView>('/system/storage'),
  retention: () => api<Retention>('/system/settings/retention'),
  setRetention: (days: number | null) =>
    api<Retention & { pruned: number }>('/system/settings/retention', { method: 'PUT', body: { days } }),
  ffmpeg: () => api<FfmpegSetting>('/system/settings/ffmpeg'),
  setFfmpeg: (path: string | null) => api<FfmpegSetting>('/system/settings/ffmpeg', { method: 'PUT', body: { path } }),
  diagnostics: () => api<{ text: string }>('/system/diagnostics'),
  move: (path: string) =>
    api<{ from: string; to: string; copied_bytes: number; restart_required: true }>('/system/data-folder/move', {
      method: 'POST',
      body: { path },
    }),
  exportLibrary: () => requestBlob('canvas', '/system/library/export'),
  /** The archive goes as the body itself, streamed by the browser. */
  importLibrary: (archive: Blob) =>
    api<{ files: number; restart_required: true }>('/system/library/import', {
      method: 'POST',
      body: new Blob([archive], { type: 'application/gzip' }),
    }),
  importPending: () => api<{ pending: boolean }>('/system/library/import'),
};
