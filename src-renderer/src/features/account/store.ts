import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { useAuth } from '../auth/store';
import { accountApi, type ProfilePatch } from './api';

type Outcome = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done' } | { kind: 'failed'; message: string };

interface AccountState {
  save: Outcome;
  deletion: Outcome;
  saveProfile(patch: ProfilePatch): Promise<void>;
  deleteAccount(password: string): Promise<void>;
  /** Forgets the last outcome of one action (or both), e.g. when its form is edited again. */
  reset(which?: 'save' | 'deletion'): void;
}

export const useAccount = create<AccountState>()((set) => ({
  save: { kind: 'idle' },
  deletion: { kind: 'idle' },

  async saveProfile(patch) {
    set({ save: { kind: 'busy' } });
    try {
      useAuth.getState().setUser(await accountApi.update(patch));
      set({ save: { kind: 'done' } });
    } catch (err) {
      set({ save: { kind: 'failed', message: errorMessage(err) } });
    }
  },

  async deleteAccount(password) {
    set({ deletion: { kind: 'busy' } });
    try {
      await accountApi.remove(password);
      set({ deletion: { kind: 'idle' }, save: { kind: 'idle' } });
      useAuth.getState().endSession('Your account and everything in it were deleted.');
    } catch (err) {
      set({ deletion: { kind: 'failed', message: errorMessage(err) } });
    }
  },

  reset(which) {
    if (which !== 'deletion') set({ save: { kind: 'idle' } });
    if (which !== 'save') set({ deletion: { kind: 'idle' } });
  },
}));
