import { Type, type Static, type TSchema } from 'typebox';
import { JOB_STATUSES } from '../events';
import { PLAN_NAMES } from './account';

/**
 * The canvas family's response shapes (`/api/v1/**`) that the server declares in its schema
 * modules: the server validates and documents its answers with them, and the UI reads their
 * Static types.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Accepted = Type.Object({
  job_id: Type.String({ format: 'uuid', description: 'Follow it with GET /queue/items/{job_id} or the `job:update` socket.io event' }),
  status: Type.Literal('queued'),
  queue_position: Type.Integer({ description: '1 = next to run in the GPU queue' }),
  estimated_wait_seconds: Type.Integer({
    description: 'Until the images are ready: the jobs ahead plus this one, from speeds measured on this machine',
  }),
  estimated_credits: Type.Integer({
    description: 'Held from your balance now; the job is charged its measured compute time (1 credit a second) and the rest is released',
  }),
  websocket_channel: Type.String({
    description:
      'The socket.io room your job events go to (`user:<your id>`); connect to /socket.io/ with your access token and listen for `job:update`',
  }),
  model: Type.String({ description: 'Atelier addition: the model the job runs (the one named, or the default when none was)' }),
});

export type Accepted = Static<typeof Accepted>;

export const ImageSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  thumbnail_url: Type.String({ description: 'Signed URL of a WebP at most 256 px on its longer side (valid 1 hour)' }),
  full_url: Type.String({ description: 'Signed URL of the PNG, its generation parameters in its text chunks (valid 1 hour)' }),
  width: Type.Integer(),
  height: Type.Integer(),
  file_size: Type.Integer({ description: 'Bytes of the PNG' }),
  is_starred: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  metadata: Type.Object({ model: Type.String(), prompt: Type.String() }),
});

export type ImageSummary = Static<typeof ImageSummary>;

export const ImageDetail = Type.Object({
  ...ImageSummary.properties,
  mime_type: Type.String(),
  is_public: Type.Boolean({ description: 'Whether a share link is active' }),
  share_url: Nullable(Type.String()),
  boards: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  metadata: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'model, model_hash, prompt, negative_prompt, steps, cfg_scale, seed, sampler, loras, strength, scale, width, height, provider (the execution provider that ran it), source_image_id (an upscale of a gallery image: that image, whose prompt it carries)',
  }),
  generation_job_id: Nullable(Type.String()),
});

export type ImageDetail = Static<typeof ImageDetail>;

export const MODEL_TYPES = ['main', 'vae', 'lora', 'controlnet', 'upscaler', 'depth'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];
export const MODEL_BASES = ['sd-1', 'sd-2', 'sdxl', 'flux'] as const;
export type ModelBase = (typeof MODEL_BASES)[number];

export const Model = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'What generation requests pass as `model`' }),
  display_name: Type.String(),
  type: Type.Enum([...MODEL_TYPES]),
  base: Nullable(Type.Enum([...MODEL_BASES])),
  description: Nullable(Type.String()),
  thumbnail_url: Nullable(Type.String({ description: 'Always null: installed models carry no preview image' })),
  min_tier: Type.Enum([...PLAN_NAMES]),
  is_available: Type.Boolean({ description: 'Installed intact and included in your plan' }),
  unavailable_reason: Nullable(Type.String({ description: 'Why not, when is_available is false' })),
  inpainting: Type.Boolean({ description: 'A 9-channel inpainting checkpoint (any checkpoint can inpaint; these do it better)' }),
  native_size: Nullable(Type.Integer({ description: 'Checkpoints: the size it was trained at, the default width and height' })),
  scale: Nullable(Type.Integer({ description: "Upscalers: the network's own factor" })),
  size_bytes: Type.Integer(),
  license: Nullable(Type.String({ description: 'The licence the model is published under, as its folder or file says; null: unknown' })),
});

export type Model = Static<typeof Model>;

export const JOB_TYPES = ['text_to_image', 'image_to_image', 'inpaint', 'upscale'] as const;
export type JobType = (typeof JOB_TYPES)[number];
export type QueueStatus = (typeof JOB_STATUSES)[number];

export const QueueItem = Type.Object({
  job_id: Type.String(),
  status: Type.Enum([...JOB_STATUSES]),
  job_type: Type.Enum([...JOB_TYPES]),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'The request as sent; source images by id, or as `base64 (N bytes)`' }),
  progress: Type.Integer({ description: 'Percent' }),
  position: Nullable(Type.Integer({ description: 'Place in the GPU queue while queued, 1 = next' })),
  estimated_credits: Type.Integer({ description: 'Held when the job was queued' }),
  credits_used: Type.Integer({ description: 'Charged on completion: its compute time, 1 credit a second' }),
  result: Nullable(
    Type.Object({
      image_id: Nullable(
        Type.String({ description: 'The first image still in the gallery; null once every image of the job was deleted' }),
      ),
      image_url: Nullable(Type.String({ description: 'Signed URL of that image (valid 1 hour)' })),
      images: Type.Array(
        Type.Object({ image_id: Type.String(), image_url: Type.String(), thumbnail_url: Type.String(), seed: Nullable(Type.Integer()) }),
      ),
      compute_seconds: Type.Number(),
      provider: Type.String({ description: 'The execution provider that ran it (cpu, cuda...)' }),
    }),
  ),
  error: Nullable(Type.Object({ code: Nullable(Type.String()), message: Type.String() })),
  queued_at: Type.String({ format: 'date-time' }),
  started_at: Nullable(Type.String({ format: 'date-time' })),
  completed_at: Nullable(Type.String({ format: 'date-time', description: 'When it completed, failed or was cancelled' })),
});

export type QueueItem = Static<typeof QueueItem>;

export const Board = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Nullable(Type.String()),
  image_count: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export type Board = Static<typeof Board>;

export const CREDIT_TRANSACTION_TYPES = ['subscription_grant', 'generation_use', 'upgrade_grant', 'purchase'] as const;

export const Transaction = Type.Object({
  id: Type.String(),
  type: Type.Enum([...CREDIT_TRANSACTION_TYPES], {
    description: "`subscription_grant`: the plan's monthly credits; `generation_use`: a completed job's compute time",
  }),
  amount: Type.Integer({ description: 'Positive when credits came in' }),
  description: Type.String(),
  balance_after: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
});

export const Credits = Type.Object({
  balance: Type.Integer(),
  reserved: Type.Integer({ description: 'Held by queued and running jobs' }),
  available: Type.Integer({ description: 'balance − reserved: what new jobs may use' }),
  transactions: Type.Array(Transaction, { description: 'Newest first' }),
});

export type Credits = Static<typeof Credits>;

export const Usage = Type.Object({
  period: Type.Enum(['day', 'week', 'month']),
  start_date: Type.String({ format: 'date' }),
  end_date: Type.String({ format: 'date' }),
  summary: Type.Object({
    total_generations: Type.Integer({ description: 'Completed generation jobs' }),
    total_credits_used: Type.Integer(),
    total_images_created: Type.Integer(),
    storage_used_bytes: Type.Integer({ description: 'Now, not over the period' }),
    api_calls: Type.Integer({ description: 'Generation requests accepted, whatever became of them' }),
  }),
  daily: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      generations: Type.Integer(),
      credits_used: Type.Integer(),
      images_created: Type.Integer(),
    }),
    {
      description: 'Every day of the period, oldest first (UTC)',
    },
  ),
  by_model: Type.Array(Type.Object({ model: Type.String(), generations: Type.Integer(), credits_used: Type.Integer() }), {
    description: 'Most credits first',
  }),
});

export type Usage = Static<typeof Usage>;

export const Recall = Type.Object({
  source: Type.Enum(['invokeai', 'a1111'], { description: 'Which chunk the settings came from: invokeai_metadata, else A1111 parameters' }),
  prompt: Nullable(Type.String()),
  negative_prompt: Nullable(Type.String()),
  seed: Nullable(Type.Number()),
  width: Nullable(Type.Number()),
  height: Nullable(Type.Number()),
  steps: Nullable(Type.Number()),
  cfg_scale: Nullable(Type.Number()),
  sampler: Nullable(
    Type.String({ description: 'As POST /generate/text-to-image names it; null when the image names one the engine does not run' }),
  ),
  sampler_label: Nullable(Type.String({ description: 'The sampler as the image names it (InvokeAI scheduler or A1111 label)' })),
  model: Nullable(Type.String()),
  vae: Nullable(Type.String()),
  loras: Type.Array(Type.Object({ name: Type.String(), weight: Type.Number() }), {
    description: "A1111's <lora:name:weight> tags are taken out of the prompt",
  }),
  strength: Nullable(Type.Number()),
});

export type Recall = Static<typeof Recall>;
