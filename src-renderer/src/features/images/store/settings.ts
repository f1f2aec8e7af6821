import { SAMPLERS, type GenerationSettings } from '../api';
import type { Slice } from './types';

const SETTINGS_KEY = 'atelier.images.settings';

export const DEFAULT_SETTINGS: GenerationSettings = {
  prompt: '',
  negative_prompt: '',
  model: '',
  width: 512,
  height: 512,
  steps: 30,
  cfg_scale: 7.5,
  sampler: 'euler_a',
  seed: -1,
  batch_size: 1,
  vae: '',
  loras: [],
};

function readSettings(): GenerationSettings {
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null') as Partial<GenerationSettings> | null;
    const merged = { ...DEFAULT_SETTINGS, ...saved };
    if (!Array.isArray(merged.loras)) merged.loras = [];
    if (typeof merged.vae !== 'string') merged.vae = '';
    return SAMPLERS.includes(merged.sampler) ? merged : { ...merged, sampler: 'euler_a' };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** The starting image of image-to-image and inpainting: a gallery image (by id) or an upload (data: URL). */
export interface SourceImage {
  ref: string;
  /** What an <img> or the canvas loads. */
  url: string;
  label: string;
}

/** The form: its settings (kept in localStorage) and its starting image. */
export interface SettingsSlice {
  settings: GenerationSettings;
  source: SourceImage | null;
  setSettings(change: Partial<GenerationSettings>): void;
  setSource(source: SourceImage | null): void;
}

export const settingsSlice: Slice<SettingsSlice> = (set, get) => ({
  settings: readSettings(),
  source: null,

  setSettings(change) {
    const settings = { ...get().settings, ...change };
    set({ settings });
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  },

  setSource(source) {
    set({ source });
  },
});
