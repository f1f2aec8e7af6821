import { Type, type Static, type TSchema } from 'typebox';
import { EXECUTION_PROVIDERS } from '../ai';

/**
 * Atelier's own routes (`/system/**`): the server validates and documents its answers with these
 * schemas, and the Settings and Models screens read their Static types, so the two cannot drift.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MODEL_TYPES = ['checkpoint', 'upscaler', 'vae', 'lora', 'controlnet', 'depth'] as const;
/** What an install job installs: a model type, or a catalog kind installed into its engine's folder. */
export const INSTALL_KINDS = [...MODEL_TYPES, 'musicgen', 'chat', 'voice', 'speech'] as const;

export const ModelTypeSchema = Type.Enum([...MODEL_TYPES], {
  description:
    '`checkpoint` (a diffusion model), `upscaler`, `vae` (a VAE exported on its own: vae_decoder/, vae_encoder/), `lora` (one .safetensors file, kohya or diffusers/peft keys), `controlnet` (an ONNX ControlNet giving down/mid block residuals) or `depth` (a Depth Anything ONNX export: pixel_values → predicted_depth)',
});

export const InstalledModel = Type.Object({
  id: Type.String({ description: 'The folder name; what generation requests pass as `model`' }),
  type: ModelTypeSchema,
  display_name: Type.String(),
  description: Nullable(Type.String()),
  base: Nullable(Type.Enum(['sd1', 'sd2', 'sdxl'], { description: 'Checkpoints, LoRAs and ControlNets: SD 1.x, SD 2.x or SDXL' })),
  license: Nullable(Type.String({ description: "The model's licence, as its atelier-model.json or file metadata says; null: unknown" })),
  precision: Nullable(Type.Enum(['fp16', 'fp32'])),
  inpainting: Type.Boolean(),
  sample_size: Nullable(Type.Integer({ description: 'Checkpoints: the native image size' })),
  scale: Nullable(Type.Number({ description: "Upscalers: the network's own factor" })),
  min_tier: Type.String(),
  size_bytes: Type.Integer({ description: 'Size on disk' }),
  is_available: Type.Boolean({ description: 'Complete and readable' }),
  problem: Nullable(Type.String({ description: 'Why it cannot be used: missing files, Git LFS pointers, short external data...' })),
  path: Type.String(),
});

export const MusicModel = Type.Object({
  id: Type.String(),
  engine: Type.Enum(['musicgen', 'arranger'], { description: 'The composing engine that uses it (`engine` of the compose routes)' }),
  role: Type.String(),
  path: Type.String(),
  size_bytes: Nullable(Type.Integer()),
  is_available: Type.Boolean(),
  problem: Nullable(Type.String()),
  variants: Type.Array(Type.String(), { description: 'MusicGen: weight variants present (fp32, fp16, quantized)' }),
});

export const Music = Type.Object({
  musicgen_folder: Type.String({
    description: 'Where a MusicGen ONNX export (the Xenova/musicgen-small layout) goes, one folder per model',
  }),
  models: Type.Array(MusicModel),
});

export const Install = Type.Object({
  job_id: Type.String({
    description: 'Follow it as `job:update` (kind `system.model-install`); cancel with POST .../installs/{job_id}/cancel',
  }),
  id: Type.String(),
  type: Type.Enum([...INSTALL_KINDS], {
    description: 'A model type, or a catalog kind installed into its engine folder (`musicgen`, `chat`, `voice`, `speech`)',
  }),
  catalog: Nullable(Type.String({ description: 'The model catalog entry it installs (GET /system/catalog)' })),
  source: Type.String(),
  status: Type.Enum(['queued', 'processing']),
  position: Nullable(Type.Integer({ description: 'Place among waiting downloads, 1 = next' })),
  progress: Type.Number({ description: '0..1' }),
  file: Nullable(Type.String({ description: 'The file downloading now' })),
  file_index: Nullable(Type.Integer({ description: 'Its place among `files`, from 0' })),
  files: Type.Integer(),
  file_received_bytes: Type.Integer({ description: 'That file on disk so far' }),
  file_total_bytes: Nullable(Type.Integer()),
  received_bytes: Type.Integer({ description: 'On disk so far, resumed bytes included' }),
  total_bytes: Nullable(Type.Integer({ description: 'Once every file size is known' })),
});

export const Providers = Type.Object({
  available: Type.Array(Type.Enum([...EXECUTION_PROVIDERS]), {
    description: 'Execution providers this machine can run, best first; always ends with cpu',
  }),
  preferred: Type.Enum([...EXECUTION_PROVIDERS]),
  forced: Type.Boolean({ description: 'Whether ATELIER_EXECUTION_PROVIDER chose it' }),
});

export const ModelsOverview = Type.Object({
  models: Type.Array(InstalledModel),
  music: Music,
  execution_providers: Providers,
  installs: Type.Array(Install),
});

export const UrlInstallAccepted = Type.Object({
  job_id: Type.String(),
  id: Type.String(),
  type: ModelTypeSchema,
  status: Type.String(),
  position: Nullable(Type.Integer()),
});

export const QueueSharing = Type.Object({
  owner_first: Type.Boolean({ description: "The owner's queued jobs go ahead of LAN peers' (a running job is never interrupted)" }),
  peer_max_queued: Nullable(
    Type.Integer({ minimum: 1, maximum: 1000, description: 'Jobs one listener may have waiting at once; null for no limit' }),
  ),
  peer_daily_seconds: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: 86_400,
      description:
        "Compute seconds each LAN listener's jobs may run per day (the machine's local day); past it new jobs get 429 COMPUTE_BUDGET. Null for no budget",
    }),
  ),
});

export const QueuedJob = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  owner: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  from_owner: Type.Boolean({ description: 'Sent from this computer rather than by a LAN peer' }),
  position: Nullable(Type.Integer()),
  estimated_wait_seconds: Nullable(Type.Integer()),
});

export const QueueLane = Type.Object({ lane: Type.String(), running: Nullable(QueuedJob), queued: Type.Array(QueuedJob) });

export const QueueView = Type.Object({ sharing: QueueSharing, lanes: Type.Array(QueueLane) });

export const LanStatus = Type.Object({
  enabled: Type.Boolean(),
  port: Type.Union([Type.Integer(), Type.Null()]),
  addresses: Type.Array(Type.String(), { description: 'Web UI addresses LAN peers can open' }),
  bound_to_all_interfaces: Type.Boolean(),
});

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

export const SystemInfo = Type.Object({
  version: Type.String(),
  data_dir: Type.String(),
  web_ui: Type.Boolean({ description: 'Whether the built web UI is there to serve at /app/' }),
  ffmpeg: Type.Object({
    found: Type.Boolean(),
    path: Type.Union([Type.String(), Type.Null()]),
    version: Type.Union([Type.String(), Type.Null()]),
    source: Type.Union([Type.String(), Type.Null()], {
      description: 'env (ATELIER_FFMPEG_PATH), bundled (installer), npm, or system (PATH)',
    }),
    missing: Type.Array(Type.String(), { description: 'Filters and encoders Atelier uses that this ffmpeg lacks' }),
  }),
});

export type ModelType = (typeof MODEL_TYPES)[number];
export type InstallKind = (typeof INSTALL_KINDS)[number];
export type InstalledModel = Static<typeof InstalledModel>;
export type MusicModel = Static<typeof MusicModel>;
export type InstallView = Static<typeof Install>;
export type ModelsOverview = Static<typeof ModelsOverview>;
export type UrlInstallAccepted = Static<typeof UrlInstallAccepted>;
export type QueueSharing = Static<typeof QueueSharing>;
export type QueuedJobView = Static<typeof QueuedJob>;
export type QueueView = Static<typeof QueueView>;
export type LanStatus = Static<typeof LanStatus>;
export type SystemInfo = Static<typeof SystemInfo>;
export type MachineCheck = Static<typeof MachineCheck>;
