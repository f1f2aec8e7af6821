import { Type, type Static, type TSchema } from 'typebox';
import { Id, Nullable, PageQuery } from '../http';
import { ImageToImageBody, TextToImageBody, UpscaleBody } from '../generate/schemas';
import { MAX_DEFINITION_BYTES } from './service';

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: '1-100 characters, trimmed' });
const Description = Type.String({ maxLength: 1000 });
const Definition = Type.Record(Type.String(), Type.Unknown(), {
  description: `An InvokeAI workflow as its editor saves it (format 3: \`{name, nodes, edges, meta, ...}\`), stored exactly as sent; a JSON object of at most ${MAX_DEFINITION_BYTES} bytes. POST /generate/workflow runs the node types listed in its description`,
});
const IsPublic = Type.Boolean({
  description: 'Public workflows are listed to, readable and runnable by every account; only the owner changes or deletes them',
});

export const WorkflowSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Nullable(Type.String()),
  is_public: Type.Boolean(),
  is_mine: Type.Boolean({ description: "False for another account's public workflow" }),
  owner_id: Type.String({ format: 'uuid' }),
  definition_size: Type.Integer({
    description: 'Bytes of the stored definition, counted in your storage (`breakdown.workflows` of GET /storage/usage)',
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const WorkflowDetail = Type.Object({ ...WorkflowSummary.properties, definition: Definition });

export const WorkflowParams = Type.Object({ workflow_id: Id('Workflow') });

export const WorkflowsQuery = Type.Object(
  {
    ...PageQuery(100),
    mine: Type.Optional(Type.Boolean({ default: false, description: "Only your own workflows, leaving out others' public ones" })),
  },
  { additionalProperties: false },
);

export const CreateWorkflowBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Nullable(Description)),
    definition: Type.Optional(Definition),
    workflow: Type.Optional({
      ...Definition,
      description:
        "InvokeAI's own create body (`{workflow: {...}}`): the workflow is the definition, and its `name` and `description` are used unless given beside it",
    }),
    is_public: Type.Optional({ ...IsPublic, default: false }),
  },
  { additionalProperties: false, description: "`name` and `definition`, or InvokeAI's `{workflow}`" },
);

export const PatchWorkflowBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Nullable(Description)),
    definition: Type.Optional(Definition),
    is_public: Type.Optional(IsPublic),
  },
  { additionalProperties: false, minProperties: 1 },
);

const t2i = TextToImageBody.properties;

/**
 * A generate route's field as a workflow input: the same type and range, its own description and
 * no default, since the request validator fills defaults in and those would replace the workflow's values.
 */
function input<T extends TSchema>(field: T, description: string) {
  const { default: _default, ...rest } = field as T & { default?: unknown };
  return Type.Optional({ ...rest, description } as unknown as T);
}

/** Each replaces what the workflow sets; the same ranges as the other generate routes. */
export const WorkflowInputsSchema = Type.Object(
  {
    prompt: input(t2i.prompt, 'Replaces the positive prompt'),
    negative_prompt: input(t2i.negative_prompt, 'Replaces the negative prompt'),
    model: input(t2i.model, "Replaces the model loader's (or upscaler's) model: a `name` from GET /models"),
    seed: input(t2i.seed, 'Replaces the noise seed; -1 for a random one'),
    steps: input(t2i.steps, 'Replaces denoise_latents `steps` (1-150)'),
    cfg_scale: input(t2i.cfg_scale, 'Replaces denoise_latents `cfg_scale`'),
    sampler: input(t2i.sampler, "Replaces denoise_latents `scheduler`, in the names of POST /generate/text-to-image's `sampler`"),
    width: input(t2i.width, "Replaces the width (noise, or img_resize before i2l), a multiple of 8 within the model's bounds"),
    height: input(t2i.height, 'Replaces the height, like width'),
    batch_size: input(t2i.batch_size, 'Images to make (workflows make 1)'),
    strength: input(ImageToImageBody.properties.strength, 'Replaces 1 - denoising_start of an image-to-image workflow, (0, 1]'),
    image_id: input(
      Type.String({ minLength: 1, maxLength: 16 * 1024 * 1024 }),
      "The image an image-to-image or upscaling workflow starts from: an image id from your gallery, or a base64 PNG/JPEG/WebP. Needed when the workflow's image node does not name one of your images",
    ),
    control_image_id: input(
      Type.String({ minLength: 1, maxLength: 16 * 1024 * 1024 }),
      "The controlnet node's image (before its canny node, if any): an image id from your gallery, or a base64 PNG/JPEG/WebP. Needed when the node does not name one of your images",
    ),
    scale: input(UpscaleBody.properties.scale, 'Replaces the upscaling factor (2 or 4; esrgan takes it from its model file name, else 2)'),
    control_model: input(
      Type.String({ minLength: 1, maxLength: 200 }),
      "Replaces the controlnet node's control_model: a `name` from GET /models?type=controlnet",
    ),
    upscaler: input(
      Type.String({ minLength: 1, maxLength: 200 }),
      'The installed upscaler (GET /models?type=upscaler) an esrgan/spandrel node runs when its output feeds i2l, before image to image; default the first installed',
    ),
    save_to_board: input(t2i.save_to_board, 'A board of yours the images are added to'),
    vae: input(
      t2i.vae,
      "Replaces the vae_loader's VAE (or decodes with this one instead of the model's own): a `name` from GET /models?type=vae",
    ),
    original_width: input(t2i.original_width, 'Replaces sdxl_compel_prompt `original_width` (SDXL size conditioning)'),
    original_height: input(t2i.original_height, 'Replaces sdxl_compel_prompt `original_height`'),
    crop_top: input(t2i.crop_top, 'Replaces sdxl_compel_prompt `crop_top`'),
    crop_left: input(t2i.crop_left, 'Replaces sdxl_compel_prompt `crop_left`'),
    target_width: input(t2i.target_width, 'Replaces sdxl_compel_prompt `target_width`'),
    target_height: input(t2i.target_height, 'Replaces sdxl_compel_prompt `target_height`'),
  },
  {
    additionalProperties: false,
    description: "Override what the workflow sets; an input that does not apply to the workflow's kind (prompt on an upscale) is refused",
  },
);

const InvokeGraph = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'An InvokeAI execution graph as its `enqueue_batch` sends it: `{nodes: {<id>: {id, type, ...fields}}, edges: [{source: {node_id, field}, destination: {node_id, field}}]}`',
});

export const RunWorkflowBody = Type.Object(
  {
    workflow_id: Type.Optional(Id('Workflow (yours, or a public one)')),
    workflow: Type.Optional({
      ...Definition,
      description: 'An InvokeAI workflow sent inline instead of a saved one (the editor format, as saved)',
    }),
    graph: Type.Optional(InvokeGraph),
    batch: Type.Optional(
      Type.Object(
        {
          graph: InvokeGraph,
          runs: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Only 1: run the workflow again for more images (or set inputs.batch_size)' }),
          ),
          data: Type.Optional(Type.Array(Type.Unknown(), { description: 'Batch substitutions are not supported: leave it empty' })),
        },
        {
          additionalProperties: true,
          description: "InvokeAI's `enqueue_batch` body's `batch`: its `graph` runs; `workflow`, `origin` and `destination` are ignored",
        },
      ),
    ),
    inputs: Type.Optional(WorkflowInputsSchema),
  },
  { additionalProperties: false, description: 'Exactly one of `workflow_id`, `workflow`, `graph` or `batch`' },
);

/** An empty prompt is allowed in a workflow, as InvokeAI allows it; the generate routes keep theirs required. */
const AnyPrompt = Type.String({ maxLength: 2000 });
export const WorkflowTextToImageBody = Type.Object({ ...TextToImageBody.properties, prompt: AnyPrompt }, { additionalProperties: false });
export const WorkflowImageToImageBody = Type.Object({ ...ImageToImageBody.properties, prompt: AnyPrompt }, { additionalProperties: false });

export type CreateWorkflow = Static<typeof CreateWorkflowBody>;
export type PatchWorkflow = Static<typeof PatchWorkflowBody>;
export type RunWorkflow = Static<typeof RunWorkflowBody>;
