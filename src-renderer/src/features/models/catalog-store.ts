import { create } from 'zustand';
import { errorMessage } from '../../api/client';
import { catalogApi, type CatalogOverview } from './catalog';

interface CatalogState {
  overview: CatalogOverview | null;
  error: string | null;
  load(): Promise<void>;
}

/** The catalog as last read: the Models screen and the first run share it. */
export const useCatalog = create<CatalogState>()((set) => ({
  overview: null,
  error: null,
  async load() {
    try {
      set({ overview: await catalogApi.overview(), error: null });
    } catch (err) {
      set({ error: errorMessage(err) });
    }
  },
}));
