import { create } from 'zustand';
import { setupApi } from './api';

interface SetupState {
  /** Null until the server has answered (or when it could not: then the usual sign-in shows). */
  firstRun: boolean | null;
  checked: boolean;
  check(): Promise<void>;
}

/** Whether this install has no account yet, asked once per signed-out visit. */
export const useSetup = create<SetupState>()((set) => ({
  firstRun: null,
  checked: false,
  async check() {
    try {
      set({ firstRun: (await setupApi.status()).first_run, checked: true });
    } catch {
      set({ firstRun: false, checked: true });
    }
  },
}));
