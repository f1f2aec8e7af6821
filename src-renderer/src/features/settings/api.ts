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

/** Owner-only routes: a LAN peer gets 403 OWNER_ONLY with the server's explanation. */
export const settingsApi = {
  lan: () => api<LanStatus>('/system/lan'),
  setLan: (enabled: boolean) => api<LanStatus>('/system/lan', { method: 'PUT', body: { enabled } }),
  info: () => api<SystemInfo>('/system/info'),
};
