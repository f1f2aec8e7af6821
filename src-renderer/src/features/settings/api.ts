import { api } from '../../api/client';

import type { LanStatus, QueueSharing, QueueView, SystemInfo } from '../../../../src-shared/api/system';

export type { LanStatus, QueuedJobView, QueueSharing, QueueView, SystemInfo } from '../../../../src-shared/api/system';

/** Owner-only routes: a LAN peer gets 403 OWNER_ONLY with the server's explanation. */
export const settingsApi = {
  lan: () => api<LanStatus>('/system/lan'),
  setLan: (enabled: boolean) => api<LanStatus>('/system/lan', { method: 'PUT', body: { enabled } }),
  info: () => api<SystemInfo>('/system/info'),
  queue: () => api<QueueView>('/system/queue'),
  setSharing: (patch: Partial<QueueSharing>) => api<QueueSharing>('/system/queue', { method: 'PUT', body: patch }),
  cancelJob: (id: string) => api<unknown>(`/system/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  runJobNext: (id: string) => api<unknown>(`/system/jobs/${encodeURIComponent(id)}/promote`, { method: 'POST' }),
};
