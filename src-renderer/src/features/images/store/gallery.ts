import { canvasApi, describeError, GALLERY_PAGE, type GalleryFilter, type ImageSummary } from '../api';
import type { Slice } from './types';

/** The gallery: page by page, filtered by board or star; starring and deleting its images. */
export interface GallerySlice {
  images: ImageSummary[];
  page: number;
  hasMore: boolean;
  loadingImages: boolean;
  galleryError: string | null;
  filter: GalleryFilter;
  /** Page 1 again (after a filter change or a new image). */
  reloadGallery(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(change: Partial<GalleryFilter>): void;
  toggleStar(id: string, starred: boolean): Promise<void>;
  deleteImage(id: string): Promise<void>;
  /** Opens the image `by` places from the selected one (the first or last when none is), within the loaded gallery; its id, or null when the gallery is empty. */
  step(by: number): string | null;
}

export const gallerySlice: Slice<GallerySlice> = (set, get) => ({
  images: [],
  page: 0,
  hasMore: true,
  loadingImages: false,
  galleryError: null,
  filter: { boardId: null, starred: false },

  async reloadGallery() {
    set({ images: [], page: 0, hasMore: true });
    await get().loadMore();
  },

  async loadMore() {
    const { page, hasMore, loadingImages, filter } = get();
    if (!hasMore || loadingImages) return;
    set({ loadingImages: true });
    try {
      const rows = await canvasApi.images(filter, page + 1);
      // A filter changed while this page was on its way: its rows belong to the old view.
      if (get().filter !== filter) return;
      const known = new Set(get().images.map((i) => i.id));
      set({
        images: [...get().images, ...rows.filter((r) => !known.has(r.id))],
        page: page + 1,
        hasMore: rows.length === GALLERY_PAGE,
        galleryError: null,
      });
    } catch (err) {
      set({ galleryError: describeError(err), hasMore: false });
    } finally {
      if (get().filter === filter) set({ loadingImages: false });
    }
  },

  setFilter(change) {
    set({ filter: { ...get().filter, ...change }, images: [], page: 0, hasMore: true, loadingImages: false });
    void get().loadMore();
  },

  async toggleStar(id, starred) {
    const answer = await canvasApi.star(id, starred);
    const { filter, images, detail } = get();
    set({
      images:
        filter.starred && !answer.is_starred
          ? images.filter((i) => i.id !== id)
          : images.map((i) => (i.id === id ? { ...i, is_starred: answer.is_starred } : i)),
      detail: detail?.id === id ? { ...detail, is_starred: answer.is_starred } : detail,
    });
  },

  step(by) {
    const { images, selectedId, select } = get();
    if (images.length === 0) return null;
    const at = images.findIndex((i) => i.id === selectedId);
    const next = images[at === -1 ? (by > 0 ? 0 : images.length - 1) : Math.max(0, Math.min(images.length - 1, at + by))]!;
    void select(next.id);
    return next.id;
  },

  async deleteImage(id) {
    await canvasApi.deleteImage(id);
    set({ images: get().images.filter((i) => i.id !== id), ...(get().selectedId === id ? { selectedId: null, detail: null } : {}) });
    if (get().source?.ref === id) set({ source: null });
    // Its boards each hold one image fewer.
    if (get().boards?.some((b) => b.image_count > 0)) await get().loadBoards();
  },
});
