import { api } from '../../api/client';
import type { InstalledModel, ModelsOverview, ModelType, UrlInstallAccepted } from '../../../../src-shared/api/system';

/** The job kind of URL installs (src-server/system/models/service.ts). */
export const INSTALL_JOB = 'system.model-install';

export type {
  InstalledModel,
  InstallKind,
  InstallView,
  ModelsOverview,
  ModelType,
  MusicModel,
  UrlInstallAccepted,
} from '../../../../src-shared/api/system';
export type { ExecutionProvider } from '../../../../src-shared/ai';

export interface UrlInstallRequest {
  url: string;
  id: string;
  type: ModelType;
  sha256?: string;
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
