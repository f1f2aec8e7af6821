import { Type, type Static } from 'typebox';
import { Accepted } from '../../../../src-shared/api/canvas';
import { MAX_BATCH } from '../../../ai/diffusion/pipeline';
import { Nullable } from '../http';
import { MAX_FEATHER } from './mask';
import { A1111_SAMPLER_LABELS, SAMPLERS } from './service';

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
const Cfg = Type.Optional(
  Type.Number({ minimum: 0, maximum: 30, default: 7.5, description: 'Classifier-free guidance; 1 or less turns it off' }),
);
const Sampler = Type.Optional(
  Type.Enum([...Object.keys(SAMPLERS), ...Object.values(A1111_SAMPLER_LABELS)], {
    default: 'euler_a',
    description: `Sampler (scheduler), by name or A1111's label: ${Object.entries(A1111_SAMPLER_LABELS)
      .map(([name, label]) => `${name} (${label})`)
      .join(', ')}`,
  }),
);
const Seed = Type.Optional(
  Type.Integer({
    minimum: -1,
    maximum: 0xffff_ffff,
    default: -1,
    description: '-1: a random seed (the image metadata records the one used); image n of a batch uses seed + n',
  }),
);
const Batch = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH, default: 1, description: `Images to make (1-${MAX_BATCH})` }));
const Loras = Type.Optional(
  Type.Array(
    Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), weight: Type.Optional(Type.Number({ minimum: -10, maximum: 10 })) }),
    {
      maxItems: 16,
      description:
        'Installed LoRAs (GET /models?type=lora) merged into the model for this generation, each with its weight (default 1; 0 leaves the model as it is). A LoRA for another base is refused with `INVALID_PARAMETERS`',
    },
  ),
);
const ControlNet = Type.Optional(
  Nullable(
    Type.Object(
      {
        model: Type.String({
          minLength: 1,
          maxLength: 200,
          description: "An installed ControlNet (GET /models?type=controlnet) for the model's base",
        }),
        image: Type.String({
          minLength: 1,
          maxLength: 16 * 1024 * 1024,
          description: 'The control image: an image id from your gallery, or a base64 PNG/JPEG/WebP; resized to the output size',
        }),
        weight: Type.Optional(Type.Number({ minimum: 0, maximum: 2, description: 'conditioning_scale (default 1)' })),
        begin_step_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Default 0' })),
        end_step_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Default 1' })),
        preprocessor: Type.Optional(
          Type.Enum(['none', 'canny', 'depth'], {
            description:
              "`canny`: edges found here (OpenCV's Canny) from the image; `depth`: its depth map by the installed Depth Anything model (GET /models?type=depth; none installed: `MODEL_NOT_FOUND`); default `none`",
          }),
        ),
        low_threshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'Canny, default 100' })),
        high_threshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'Canny, default 200' })),
      },
      {
        description:
          "A ControlNet steering the steps from begin_step_percent to end_step_percent. The model needs its ControlNet UNet (controlnet/model.onnx, OnnxStack/Amuse's layout); none installed: `MODEL_NOT_FOUND`",
      },
    ),
  ),
);
const Board = Type.Optional(Type.String({ format: 'uuid', description: 'A board of yours the images are added to' }));
const ImageRef = (what: string) =>
  Type.String({
    minLength: 1,
    maxLength: 16 * 1024 * 1024,
    description: `${what}: an image id from your gallery, or a base64 PNG/JPEG/WebP (a data: URL too)`,
  });

const Conditioned = (what: string, min: number) =>
  Type.Optional(
    Type.Integer({
      minimum: min,
      maximum: 16384,
      description: `SDXL size conditioning: ${what}. SDXL models only (refused for others); unset fields default to the output size and no crop, as diffusers does`,
    }),
  );
/** SDXL's micro-conditioning (diffusers' original_size, crops_coords_top_left, target_size; InvokeAI's sdxl_compel_prompt fields). */
export const SdxlSize = {
  original_width: Conditioned('the width the model is told the source image had', 1),
  original_height: Conditioned('the height the model is told the source image had', 1),
  crop_top: Conditioned('the top of the crop taken from that source', 0),
  crop_left: Conditioned('the left of the crop taken from that source', 0),
  target_width: Conditioned('the width the model aims for', 1),
  target_height: Conditioned('the height the model aims for', 1),
};
export const SDXL_SIZE_FIELDS = Object.keys(SdxlSize) as (keyof typeof SdxlSize)[];

const Vae = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: "A VAE from GET /models?type=vae that decodes (and encodes) instead of the model's own; default the model's",
  }),
);

/** The fields text-to-image, image-to-image and inpaint share, in the order the docs list them. */
const WhatToDraw = { prompt: Prompt, negative_prompt: Negative, model: ModelName, vae: Vae };
const HowToSample = {
  steps: Steps,
  cfg_scale: Cfg,
  sampler: Sampler,
  seed: Seed,
  batch_size: Batch,
  loras: Loras,
  controlnet: ControlNet,
  save_to_board: Board,
  ...SdxlSize,
};

export const TextToImageBody = Type.Object(
  {
    ...WhatToDraw,
    width: Side('Width'),
    height: Side('Height'),
    ...HowToSample,
  },
  { additionalProperties: false },
);

const Strength = (fallback: number) =>
  Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: fallback,
      description: `How much of the source to redraw, (0, 1]; default ${fallback}`,
    }),
  );

export const ImageToImageBody = Type.Object(
  {
    ...WhatToDraw,
    source_image: ImageRef('The starting image'),
    strength: Strength(0.75),
    width: Side("Width (default: the source scaled into the model's bounds)"),
    height: Side("Height (default: the source scaled into the model's bounds)"),
    ...HowToSample,
  },
  { additionalProperties: false },
);

const Feather = (fallback: number) =>
  Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_FEATHER,
      default: fallback,
      description: `Pixels (at the output size) the redrawn area reaches past the mask, blended into the source along a linear ramp so the seam fades; 0: a hard edge. Default ${fallback}`,
    }),
  );

export const InpaintBody = Type.Object(
  {
    ...WhatToDraw,
    source_image: ImageRef('The image to paint into'),
    mask_image: ImageRef('The mask, same aspect as the source: white (≥ 50% grey) where the image is redrawn'),
    mask_feather: Feather(0),
    strength: Strength(1),
    width: Side("Width (default: the source scaled into the model's bounds)"),
    height: Side("Height (default: the source scaled into the model's bounds)"),
    ...HowToSample,
  },
  { additionalProperties: false },
);

/** Most pixels one side may grow by in one outpaint. */
export const MAX_EXTENSION = 1024;
const Grow = (side: string) =>
  Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_EXTENSION,
      multipleOf: 8,
      default: 0,
      description: `Pixels added on the ${side}, a multiple of 8 (default 0)`,
    }),
  );

export const OutpaintBody = Type.Object(
  {
    ...WhatToDraw,
    source_image: ImageRef('The image to extend'),
    extend: Type.Object(
      { left: Grow('left'), right: Grow('right'), top: Grow('top'), bottom: Grow('bottom') },
      {
        additionalProperties: false,
        description:
          'How far the canvas grows on each side; at least one side. The extended size must be one the model makes (multiples of 8 within its bounds)',
      },
    ),
    mask_feather: Feather(16),
    strength: Strength(1),
    ...HowToSample,
  },
  { additionalProperties: false },
);

export const UpscaleBody = Type.Object(
  {
    image: ImageRef('The image to enlarge'),
    scale: Type.Optional(Type.Union([Type.Literal(2), Type.Literal(4)], { default: 2, description: 'Enlargement factor' })),
    model: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'An upscaler from GET /models?type=upscaler; default the first installed' }),
    ),
    save_to_board: Board,
  },
  { additionalProperties: false },
);

export { Accepted };

export type TextToImage = Static<typeof TextToImageBody>;
export type ImageToImage = Static<typeof ImageToImageBody>;
export type Inpaint = Static<typeof InpaintBody>;
export type Outpaint = Static<typeof OutpaintBody>;
export type Upscale = Static<typeof UpscaleBody>;
