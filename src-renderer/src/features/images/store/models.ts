import { canvasApi, describeError, type CanvasModel } from '../api';
import { DEFAULT_SETTINGS } from './settings';
import type { Slice } from './types';

export interface ModelsSlice {
  models: CanvasModel[] | null;
  modelsError: string | null;
  loadModels(): Promise<void>;
}

export const modelsSlice: Slice<ModelsSlice> = (set, get) => ({
  models: null,
  modelsError: null,

  async loadModels() {
    try {
      const models = await canvasApi.models();
      set({ models, modelsError: null });
      // Keep the chosen model while it can still be used; else the first usable one, at its native size.
      const usable = models.filter((m) => m.type === 'main' && m.is_available);
      const current = usable.find((m) => m.name === get().settings.model);
      const first = usable[0];
      if (!current && first) {
        const size = first.native_size ?? DEFAULT_SETTINGS.width;
        get().setSettings({ model: first.name, width: size, height: size });
      }
    } catch (err) {
      set({ modelsError: describeError(err) });
    }
  },
});
