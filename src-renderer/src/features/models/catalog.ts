import { api } from '../../api/client';
import type { CatalogInstall, CatalogOverview, EntryKind } from '../../../../src-shared/api/catalog';

/** The model catalog's shapes: the server's own response schemas (src-shared/api/catalog.ts). */
export type { CatalogEntry, CatalogOverview, EntryKind, MachineCheck, StarterPack } from '../../../../src-shared/api/catalog';

export const catalogApi = {
  overview: () => api<CatalogOverview>('/system/catalog'),
  install: (id: string) => api<CatalogInstall>(`/system/catalog/entries/${encodeURIComponent(id)}/install`, { method: 'POST' }),
  installPack: (id: string) =>
    api<{ installs: CatalogInstall[] }>(`/system/catalog/packs/${encodeURIComponent(id)}/install`, { method: 'POST' }),
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
