import { SAMPLERS, type Accepted, type GenerationSettings, type JobType } from '../api';
import { EMPTY_HISTORY } from '../canvas/geometry';
import type { Slice } from './types';

const SETTINGS_KEY = 'atelier.images.settings';
const HISTORY_KEY = 'atelier.images.prompts';
/** Prompts kept in the history, newest first. */
export const PROMPT_HISTORY_SIZE = 20;

export type Mode = 'text' | 'image' | 'inpaint';

/** A prompt sent before, with its negative prompt. */
export interface PastPrompt {
  prompt: string;
  negative_prompt: string;
}

function readHistory(): PastPrompt[] {
  try {
    const saved = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(saved) ? saved.filter((p): p is PastPrompt => typeof p?.prompt === 'string').slice(0, PROMPT_HISTORY_SIZE) : [];
  } catch {
    return [];
  }
}

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

/** The form: its mode, settings (kept in localStorage), starting image and the prompts sent before. */
export interface SettingsSlice {
  mode: Mode;
  settings: GenerationSettings;
  source: SourceImage | null;
  promptHistory: PastPrompt[];
  setMode(mode: Mode): void;
  setSettings(change: Partial<GenerationSettings>): void;
  /** A new starting image; the mask painted over the old one goes. */
  setSource(source: SourceImage | null): void;
  rememberPrompt(p: PastPrompt): void;
  /** Sends a generation made from the form: the job is followed in the viewer and its prompt joins the history. */
  queueFromForm(request: () => Promise<Accepted>, type: JobType, params: Record<string, unknown>): Promise<Accepted>;
}

export const settingsSlice: Slice<SettingsSlice> = (set, get) => ({
  mode: 'text',
  settings: readSettings(),
  source: null,
  promptHistory: readHistory(),

  setMode(mode) {
    set({ mode, ...(mode === 'inpaint' ? { centre: 'canvas' as const } : {}) });
  },

  rememberPrompt(p) {
    const promptHistory = [p, ...get().promptHistory.filter((h) => h.prompt !== p.prompt)].slice(0, PROMPT_HISTORY_SIZE);
    set({ promptHistory });
    localStorage.setItem(HISTORY_KEY, JSON.stringify(promptHistory));
  },

  setSettings(change) {
    const settings = { ...get().settings, ...change };
    set({ settings });
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  },

  async queueFromForm(request, type, params) {
    const accepted = await request();
    const { settings, jobQueued, rememberPrompt, setCentre } = get();
    jobQueued(accepted, type, params);
    rememberPrompt({ prompt: settings.prompt.trim(), negative_prompt: settings.negative_prompt });
    setCentre('viewer');
    return accepted;
  },

  setSource(source) {
    set({ source, strokes: EMPTY_HISTORY, sourceSize: null });
  },
});
