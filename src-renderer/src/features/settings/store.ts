import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { settingsApi, type LanStatus, type SystemInfo } from './api';

interface SettingsState {
  lan: LanStatus | null;
  lanError: string | null;
  lanBusy: boolean;
  info: SystemInfo | null;
  infoError: string | null;
  load(): Promise<void>;
  setLanSharing(enabled: boolean): Promise<void>;
}

export const useSettings = create<SettingsState>()((set) => ({
  lan: null,
  lanError: null,
  lanBusy: false,
  info: null,
  infoError: null,

  async load() {
    await Promise.all([
      settingsApi.lan().then(
        (lan) => set({ lan, lanError: null }),
        (err: unknown) => set({ lanError: errorMessage(err) }),
      ),
      settingsApi.info().then(
        (info) => set({ info, infoError: null }),
        (err: unknown) => set({ infoError: errorMessage(err) }),
      ),
    ]);
  },

  async setLanSharing(enabled) {
    set({ lanBusy: true, lanError: null });
    try {
      set({ lan: await settingsApi.setLan(enabled) });
    } catch (err) {
      set({ lanError: errorMessage(err) });
    } finally {
      set({ lanBusy: false });
    }
  },
}));
