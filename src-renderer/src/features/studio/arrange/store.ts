import { create } from 'zustand';
import { ApiError, errorMessage, request, requestBlob } from '../../../api/client';
import type { Arrangement, ArrangementState } from '../../../../../src-shared/api/arrangement';
import type { Song } from '../api';

const base = (studioId: number) => `/api/work/studio/${studioId}/arrangement`;

export const arrangeApi = {
  get: (studioId: number) => request<ArrangementState>('studio', base(studioId)),
  put: (studioId: number, body: { version: number; arrangement: Arrangement; label: string }) =>
    request<ArrangementState>('studio', base(studioId), { method: 'PUT', body }),
  step: (studioId: number, direction: 'undo' | 'redo', version: number) =>
    request<ArrangementState>('studio', `${base(studioId)}/${direction}`, { method: 'POST', body: { version } }),
  /** The server's mix of the arrangement (WAV at `sampleRate`). */
  mix: (studioId: number, sampleRate: number) =>
    requestBlob('studio', `${base(studioId)}/mix?sampleRate=${sampleRate}`, { refused: 'The mix was refused' }),
  /** A composed song's stems as tracks and lanes, on the song's tempo. */
  openStems: (studioId: number, songId: number) =>
    request<ArrangementState>('studio', `${base(studioId)}/stems`, { method: 'POST', body: { songId } }),
  saveSong: (studioId: number, body: { title: string }) => request<Song>('studio', `${base(studioId)}/song`, { method: 'POST', body }),
};

interface ArrangeState {
  studioId: number | null;
  state: ArrangementState | null;
  error: string | null;
  /** Writes go one after another, each on the version the last one answered. */
  busy: boolean;
  load(studioId: number): Promise<void>;
  /** Shows `next` at once and stores it as the next version; on a conflict the server's document comes back. */
  edit(label: string, next: Arrangement): Promise<void>;
  step(direction: 'undo' | 'redo'): Promise<void>;
  clearError(): void;
  /** Resolves once every write sent so far has been answered. */
  settled(): Promise<void>;
}

let queue: Promise<void> = Promise.resolve();
const inTurn = (work: () => Promise<void>) => (queue = queue.then(work, work));

export const useArrange = create<ArrangeState>()((set, get) => {
  const refused = async (err: unknown) => {
    const studioId = get().studioId;
    set({
      error:
        err instanceof ApiError && err.code === 'ARRANGEMENT_CONFLICT'
          ? 'The arrangement was changed in another window; this is the latest version. Make the change again.'
          : errorMessage(err),
    });
    if (studioId !== null) set({ state: await arrangeApi.get(studioId).catch(() => get().state) });
  };
  return {
    studioId: null,
    state: null,
    error: null,
    busy: false,

    async load(studioId) {
      set({ studioId, state: get().studioId === studioId ? get().state : null, error: null });
      try {
        set({ state: await arrangeApi.get(studioId) });
      } catch (err) {
        set({ error: errorMessage(err) });
      }
    },

    edit(label, next) {
      const current = get().state;
      if (!current) return Promise.resolve();
      set({ state: { ...current, arrangement: next }, error: null });
      return inTurn(async () => {
        const { studioId, state } = get();
        if (studioId === null || !state) return;
        set({ busy: true });
        try {
          const saved = await arrangeApi.put(studioId, { version: state.version, arrangement: next, label });
          // A later optimistic edit may already be showing; keep its document, take the version.
          set((s) => ({ state: s.state && s.state.arrangement !== next ? { ...saved, arrangement: s.state.arrangement } : saved }));
        } catch (err) {
          await refused(err);
        } finally {
          set({ busy: false });
        }
      });
    },

    step(direction) {
      return inTurn(async () => {
        const { studioId, state } = get();
        if (studioId === null || !state) return;
        set({ busy: true, error: null });
        try {
          set({ state: await arrangeApi.step(studioId, direction, state.version) });
        } catch (err) {
          await refused(err);
        } finally {
          set({ busy: false });
        }
      });
    },

    clearError: () => set({ error: null }),
    settled: () => queue,
  };
});
