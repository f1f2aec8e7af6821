import { canvasApi, describeError, type Credits, type Usage } from '../api';
import type { Slice } from './types';

export interface CreditsSlice {
  credits: Credits | null;
  usage: Usage | null;
  creditsError: string | null;
  /** The balance, and the usage figures too once they are shown. */
  loadCredits(): Promise<void>;
  loadUsage(): Promise<void>;
}

export const creditsSlice: Slice<CreditsSlice> = (set, get) => ({
  credits: null,
  usage: null,
  creditsError: null,

  async loadCredits() {
    try {
      set({ credits: await canvasApi.credits(), creditsError: null });
    } catch (err) {
      set({ creditsError: describeError(err) });
    }
    if (get().usage) await get().loadUsage();
  },

  async loadUsage() {
    try {
      set({ usage: await canvasApi.usage('month'), creditsError: null });
    } catch (err) {
      set({ creditsError: describeError(err) });
    }
  },
});
