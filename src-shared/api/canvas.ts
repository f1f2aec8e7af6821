import { Type, type Static, type TSchema } from 'typebox';

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
