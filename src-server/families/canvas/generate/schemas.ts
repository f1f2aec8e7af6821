import { Type, type Static } from 'typebox';
import { MAX_BATCH } from '../../../ai/diffusion/pipeline';
import { Nullable } from '../http';
import { SAMPLERS } from './service';

const Prompt = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'What to draw' });
const Negative = Type.Optional(Type.String({ maxLength: 2000, description: 'What to avoid; default none' }));
const ModelName = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description:
      'A `name` (or `id`) from GET /models of type `main`. Default: the model chosen in Settings, else the best installed one your plan allows; the answer and the job name the one used',
  }),
);
const Side = (what: string) =>
  Type.Optional(
    Type.Integer({
      minimum: 8,
      maximum: 4096,
      multipleOf: 8,
      description: `${what} in pixels, a multiple of 8 within the model's bounds: half its native size up to twice it (SDXL 1.5×). Default: the model's native size`,
    }),
  );
const Steps = Type.Optional(Type.Integer({ minimum: 1, maximum: 150, default: 30, description: 'Denoising steps (1-150)' }));
const Cfg = Type.Optional(Type.Number({ minimum: 0, maximum: 30, default: 7.5, description: 'Classifier-free guidance; 1 or less turns it off' }));
const Sampler = Type.Optional(Type.Enum(Object.keys(SAMPLERS), { default: 'euler_a', description: 'Sampler (scheduler)' }));
const Seed = Type.Optional(Type.Integer({ minimum: -1, maximum: 0xffff_ffff, default: -1, description: '-1: a random seed (the image metadata records the one used); image n of a batch uses seed + n' }));
const Batch = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH, default: 1, description: `Images to make (1-${MAX_BATCH})` }));
const Loras = Type.Optional(
  Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), weight: Type.Optional(Type.Number({ minimum: -10, maximum: 10 })) }), {
    maxItems: 16,
    description: 'Not supported by the local engine: a non-empty list is refused with `INVALID_PARAMETERS`',
  }),
);
const ControlNet = Type.Optional(
  Nullable(
    Type.Object(
      { model: Type.String({ maxLength: 200 }), image: Type.String(), weight: Type.Optional(Type.Number()) },
      { description: 'Not supported by the local engine: refused with `INVALID_PARAMETERS`' },
    ),
  ),
);
const Board = Type.Optional(Type.String({ format: 'uuid', description: 'A board of yours the images are added to' }));
const ImageRef = (what: string) =>
  Type.String({ minLength: 1, maxLength: 16 * 1024 * 1024, description: `${what}: an image id from your gallery, or a base64 PNG/JPEG/WebP (a data: URL too)` });

/** The fields text-to-image, image-to-image and inpaint share, in the order the docs list them. */
const WhatToDraw = { prompt: Prompt, negative_prompt: Negative, model: ModelName };
const HowToSample = { steps: Steps, cfg_scale: Cfg, sampler: Sampler, seed: Seed, batch_size: Batch, loras: Loras, controlnet: ControlNet, save_to_board: Board };

export const TextToImageBody = Type.Object(
  {
    ...WhatToDraw,
    width: Side('Width'),
    height: Side('Height'),
    ...HowToSample,
  },
  { additionalProperties: false },
);

const Strength = (fallback: number) => Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, default: fallback, description: `How much of the source to redraw, (0, 1]; default ${fallback}` }));

export const ImageToImageBody = Type.Object(
  {
    ...WhatToDraw,
    source_image: ImageRef('The starting image'),
    strength: Strength(0.75),
    width: Side('Width (default: the source scaled into the model\'s bounds)'),
    height: Side('Height (default: the source scaled into the model\'s bounds)'),
    ...HowToSample,
  },
  { additionalProperties: false },
);

export const InpaintBody = Type.Object(
  {
    ...WhatToDraw,
    source_image: ImageRef('The image to paint into'),
    mask_image: ImageRef('The mask, same aspect as the source: white (≥ 50% grey) where the image is redrawn'),
    strength: Strength(1),
    width: Side('Width (default: the source scaled into the model\'s bounds)'),
    height: Side('Height (default: the source scaled into the model\'s bounds)'),
    ...HowToSample,
  },
  { additionalProperties: false },
);

export const UpscaleBody = Type.Object(
  {
    image: ImageRef('The image to enlarge'),
    scale: Type.Optional(Type.Union([Type.Literal(2), Type.Literal(4)], { default: 2, description: 'Enlargement factor' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'An upscaler from GET /models?type=upscaler; default the first installed' })),
    save_to_board: Board,
  },
  { additionalProperties: false },
);

export type TextToImage = Static<typeof TextToImageBody>;
export type ImageToImage = Static<typeof ImageToImageBody>;
export type Inpaint = Static<typeof InpaintBody>;
export type Upscale = Static<typeof UpscaleBody>;

export const Accepted = Type.Object({
  job_id: Type.String({ format: 'uuid', description: 'Follow it with GET /queue/items/{job_id} or the `job:update` socket.io event' }),
  status: Type.Literal('queued'),
  queue_position: Type.Integer({ description: '1 = next to run in the GPU queue' }),
  estimated_wait_seconds: Type.Integer({ description: 'Until the images are ready: the jobs ahead plus this one, from speeds measured on this machine' }),
  estimated_credits: Type.Integer({ description: 'Held from your balance now; the job is charged its measured compute time (1 credit a second) and the rest is released' }),
  websocket_channel: Type.String({ description: 'The socket.io room your job events go to (`user:<your id>`); connect to /socket.io/ with your access token and listen for `job:update`' }),
  model: Type.String({ description: 'Atelier addition: the model the job runs (the one named, or the default when none was)' }),
});
