import { create } from 'zustand';
import { loader } from '../../lib/load';
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
  load: loader(set, 'overview', 'error', () => catalogApi.overview()),
}));
