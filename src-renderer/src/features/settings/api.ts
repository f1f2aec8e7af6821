import { api } from '../../api/client';

export interface LanStatus {
  enabled: boolean;
  port: number | null;
  /** Web UI addresses LAN peers open, e.g. http://192.168.1.20:8000/app/ */
  addresses: string[];
  /** HOST already binds every interface, so the toggle has nothing to change. */
  bound_to_all_interfaces: boolean;
}

export interface SystemInfo {
  version: string;
  data_dir: string;
  web_ui: boolean;
  ffmpeg: { found: boolean; path: string | null; version: string | null; source: string | null };
}

export interface QueueSharing {
  owner_first: boolean;
  /** Jobs one listener may have waiting at once; null for no limit. */
  peer_max_queued: number | null;
  /** Compute seconds each listener's jobs may run per day; null for no budget. */
  peer_daily_seconds: number | null;
}

export interface QueuedJobView {
  id: string;
  kind: string;
  status: string;
  owner: { id: string; name: string } | null;
  /** Sent from this computer rather than by a listener on the network. */
  from_owner: boolean;
  position: number | null;
  estimated_wait_seconds: number | null;
}

export interface QueueView {
  sharing: QueueSharing;
  lanes: { lane: string; running: QueuedJobView | null; queued: QueuedJobView[] }[];
}

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
