import { api } from '../../api/client';
import type { MachineCheck } from '../../../../src-shared/api/system';

/** The model catalog (src-server/system/catalog): entries, starter packs, and this machine. */
export type EntryKind = 'checkpoint' | 'upscaler' | 'musicgen' | 'chat' | 'voice' | 'speech';

export interface CatalogEntry {
  id: string;
  name: string;
  kind: EntryKind;
  repo: string;
  revision: string;
  source_url: string;
  licence: { name: string; url: string; commercial: boolean };
  enables: string;
  area: string;
  size_bytes: number;
  pinned: boolean;
  min_memory_gb: number;
  status: 'installed' | 'installing' | 'available';
  job_id: string | null;
  misfit: string[];
}

export interface StarterPack {
  id: string;
  title: string;
  enables: string;
  entries: string[];
  size_bytes: number;
  misfit: string[];
  commercial: boolean;
}

export type { MachineCheck } from '../../../../src-shared/api/system';

export interface CatalogOverview {
  version: number;
  updated: string;
  base_url: string;
  machine: MachineCheck;
  packs: StarterPack[];
  entries: CatalogEntry[];
}

interface Queued {
  job_id: string;
  id: string;
  status: string;
  position: number | null;
}

export const catalogApi = {
  overview: () => api<CatalogOverview>('/system/catalog'),
  install: (id: string) => api<Queued>(`/system/catalog/entries/${encodeURIComponent(id)}/install`, { method: 'POST' }),
  installPack: (id: string) => api<{ installs: Queued[] }>(`/system/catalog/packs/${encodeURIComponent(id)}/install`, { method: 'POST' }),
  /** Pause keeps the partial files (installing again resumes); cancel with `discard` deletes them. */
  stop: (jobId: string, discard: boolean) =>
    api<{ job_id: string; status: string }>(`/system/models/installs/${encodeURIComponent(jobId)}/cancel`, {
      method: 'POST',
      body: discard ? { discard: true } : {},
    }),
};

/** The bundled catalog's entry each area needs first (src-server/system/catalog/catalog.json). */
export const AREA_ENTRIES = { images: 'sd-turbo', compose: 'musicgen-small', stories: 'qwen2.5-1.5b-instruct' } as const;

/** Where the Models screen shows one catalog entry: areas that need a model link here. */
export const catalogEntryPath = (id: string) => `/models?entry=${encodeURIComponent(id)}`;

/** `<file> (<n>/<files>): …` from an install job's message: which file of how many. */
export function fileOfMessage(message: string | null): { file: string; index: number; files: number } | null {
  const m = /^(.*) \((\d+)\/(\d+)\): /.exec(message ?? '');
  return m ? { file: m[1]!, index: Number(m[2]), files: Number(m[3]) } : null;
}

export const KIND_LABELS: Record<EntryKind, string> = {
  checkpoint: 'Image model',
  upscaler: 'Upscaler',
  musicgen: 'Music model',
  chat: 'Chat model',
  voice: 'Voices',
  speech: 'Speech recognition',
};
