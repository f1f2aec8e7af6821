import { canvasApi, describeError, type ImageDetail } from '../api';
import type { Slice } from './types';

/** The open image: its detail and its public share link. */
export interface DetailSlice {
  selectedId: string | null;
  detail: ImageDetail | null;
  detailError: string | null;
  select(id: string | null): Promise<void>;
  share(id: string): Promise<string>;
  unshare(id: string): Promise<void>;
}

export const detailSlice: Slice<DetailSlice> = (set, get) => ({
  selectedId: null,
  detail: null,
  detailError: null,

  async select(id) {
    set({ selectedId: id, detailError: null, ...(id === null || get().detail?.id !== id ? { detail: null } : {}) });
    if (id === null) return;
    try {
      const detail = await canvasApi.image(id);
      if (get().selectedId === id) set({ detail });
    } catch (err) {
      if (get().selectedId === id) set({ detailError: describeError(err) });
    }
  },

  async share(id) {
    const { share_url } = await canvasApi.share(id);
    const detail = get().detail;
    if (detail?.id === id) set({ detail: { ...detail, is_public: true, share_url } });
    return share_url;
  },

  async unshare(id) {
    await canvasApi.unshare(id);
    const detail = get().detail;
    if (detail?.id === id) set({ detail: { ...detail, is_public: false, share_url: null } });
  },
});
