import { Type, type Static, type TSchema } from 'typebox';

/**
 * The model catalog's answers (`/system/catalog/**`): the server validates and documents them with
 * these schemas, and the Models screen and the first run read their Static types.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Diffusion models and upscalers go through the model catalog's checks; the rest into their engine's folder. */
export const ENTRY_KINDS = ['checkpoint', 'upscaler', 'musicgen', 'chat', 'voice', 'speech'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** What the first run and the catalog check before offering models: accelerator, memory, disk, ffmpeg. */
export const MachineCheck = Type.Object({
  execution_providers: Type.Object({ available: Type.Array(Type.String()), preferred: Type.String() }),
  gpu: Type.Boolean({ description: 'A GPU execution provider is there; without one models run on the CPU' }),
  memory_bytes: Type.Integer(),
  free_disk_bytes: Type.Integer({ description: 'Free space on the disk holding the data folder' }),
  ffmpeg: Type.Object({
    found: Type.Boolean(),
    version: Nullable(Type.String()),
    source: Nullable(Type.String()),
    path: Nullable(Type.String()),
  }),
});
export type MachineCheck = Static<typeof MachineCheck>;

export const CatalogEntry = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Enum([...ENTRY_KINDS]),
  repo: Type.String({ description: 'The Hugging Face repository it comes from' }),
  revision: Type.String(),
  source_url: Type.String(),
  licence: Type.Object({ name: Type.String(), url: Type.String(), commercial: Type.Boolean() }),
  enables: Type.String(),
  area: Type.String({ description: 'The app area it serves, e.g. /images' }),
  size_bytes: Type.Integer(),
  pinned: Type.Boolean({ description: 'Every file has a size and sha256 in the catalog, so downloads are checked byte for byte' }),
  min_memory_gb: Type.Number(),
  status: Type.Enum(['installed', 'installing', 'available']),
  job_id: Nullable(Type.String()),
  misfit: Type.Array(Type.String(), { description: 'Why it does not fit this machine; empty when it does' }),
});
export type CatalogEntry = Static<typeof CatalogEntry>;

export const StarterPack = Type.Object({
  id: Type.String(),
  title: Type.String(),
  enables: Type.String(),
  entries: Type.Array(Type.String()),
  size_bytes: Type.Integer(),
  misfit: Type.Array(Type.String()),
  commercial: Type.Boolean({ description: 'Every model in it may be used commercially' }),
});
export type StarterPack = Static<typeof StarterPack>;

export const CatalogOverview = Type.Object({
  version: Type.Integer(),
  updated: Type.String(),
  base_url: Type.String({ description: 'Where files download from (ATELIER_CATALOG_URL)' }),
  machine: MachineCheck,
  packs: Type.Array(StarterPack),
  entries: Type.Array(CatalogEntry),
});
export type CatalogOverview = Static<typeof CatalogOverview>;

/** An install the catalog queued. */
export const CatalogInstall = Type.Object({
  job_id: Type.String(),
  id: Type.String(),
  status: Type.String(),
  position: Nullable(Type.Integer()),
});
export type CatalogInstall = Static<typeof CatalogInstall>;
