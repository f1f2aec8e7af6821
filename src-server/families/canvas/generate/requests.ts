import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import type { UserRow } from '../../../auth/service';
import { readModelFolder } from '../../../ai/diffusion/model-folder';
import { readSetting } from '../../../db/settings';
import { Envelope, errorResponses, ok, security } from '../http';
import type { BoardService } from '../boards/service';
import type { ImageService } from '../images/service';
import type { CanvasModel, ImageModelService } from '../models/service';
import { checkSize, fitSize, readImageRef, type SourceImage } from './inputs';
import { Accepted, SDXL_SIZE_FIELDS, type ImageToImage, type Inpaint, type Outpaint, type TextToImage, type Upscale } from './schemas';
import { outpaintLayout, outpaintMask, type Extension } from './mask';
import { loadSharp } from '../../../media/lazy';
import type { SizeConditioning } from '../../../ai/diffusion/pipeline';
import type { UpscaleFactor } from '../../../ai/diffusion/upscale';
import { samplerName, type ControlPayload, type EnqueueRequest, type GenerateService } from './service';
import { errors } from '../errors';

/**
 * What every POST /generate/* route shares: the error docs, the validation hook, and the step from
 * a checked body to a queued job. POST /generate/workflow maps a saved workflow onto the same bodies
 * and goes through the same builders, so a workflow meets exactly the checks a direct request does.
 */

export const tags = ['canvas'];

/** Bodies carry base64 images: far more than the server's 1 MB JSON default. */
export const IMAGE_BODY_LIMIT = 24 * 1024 * 1024;

/** The spec answers INVALID_PARAMETERS for any bad generation field, naming an unknown one. */
export const generateConfig = {
  validationError: (message: string, validation: FastifyError['validation']) => {
    const extra = (validation?.[0]?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    return errors.error(
      'INVALID_PARAMETERS',
      extra ? `body.${extra} is not a parameter of this endpoint` : message,
      extra ? { field: extra } : undefined,
    );
  },
  // Images may come as base64 data, far past the 10,000-character cap on text fields.
  longFields: ['source_image', 'mask_image', 'image'],
};

export const GENERATE_ERRORS = [
  'INVALID_PARAMETERS: a field out of range, a size the model cannot make (multiples of 8 within its bounds), an unreadable image, a LoRA or ControlNet for another base, a ControlNet step window or thresholds out of order, a model of the wrong type',
  'INSUFFICIENT_CREDITS: `details.required`, `details.available`',
  "STORAGE_EXCEEDED: your images and workflows fill your plan's storage",
  'MODEL_NOT_AVAILABLE: your plan does not include the model',
  "FORBIDDEN: the board or image is another account's",
  'MODEL_NOT_FOUND: no such model is installed',
  'NOT_FOUND: the board or source image does not exist',
  'PAYLOAD_TOO_LARGE: over 24 MB',
  "QUOTA_EXCEEDED: your plan's `queue_count` jobs are already queued or running",
  'QUEUE_FULL: the GPU queue holds 100 jobs',
  "RATE_LIMITED: your plan's generations a minute",
] as const;

export const generateSchema = <B extends TSchema>(
  summary: string,
  description: string,
  body: B,
  errors: Parameters<typeof errorResponses>[0] = GENERATE_ERRORS,
) => ({
  tags,
  security,
  summary,
  description:
    `${description} Answers 202 at once; the job runs in the GPU queue. Its progress (with a preview image after every step) arrives as \`job:update\` on socket.io, ` +
    'and GET /queue/items/{job_id} has its result: the image ids in your gallery.',
  body,
  response: { 202: Envelope(Accepted), ...errorResponses(errors) },
});

/** Starting from an image means encoding it: a checkpoint exported without vae_encoder/ cannot. */
/**
 * SDXL's size conditioning from a body: null when no field is set, else every field, the unset
 * ones at diffusers' defaults (the output size, no crop). Other bases refuse it rather than drop it.
 */
export function sizeConditioning(
  b: TextToImage | ImageToImage | Inpaint | Outpaint,
  model: CanvasModel,
  size: { width: number; height: number },
): SizeConditioning | null {
  const given = SDXL_SIZE_FIELDS.filter((f) => b[f] !== undefined);
  if (given.length === 0) return null;
  if (model.base !== 'sdxl') {
    throw errors.error(
      'INVALID_PARAMETERS',
      `${given.join(', ')} condition SDXL models on a size; "${model.name}" is ${model.base ?? 'not SDXL'}`,
      { field: given[0], fields: given },
    );
  }
  return {
    originalWidth: b.original_width ?? size.width,
    originalHeight: b.original_height ?? size.height,
    cropTop: b.crop_top ?? 0,
    cropLeft: b.crop_left ?? 0,
    targetWidth: b.target_width ?? size.width,
    targetHeight: b.target_height ?? size.height,
  };
}

const vaeOf = (m: CanvasModel) => ({ id: m.id, name: m.name, path: m.entry.path });

function needsEncoder(model: CanvasModel): void {
  if (!readModelFolder(model.entry.path).vaeEncoder) {
    throw errors.error(
      'INVALID_PARAMETERS',
      `Model "${model.name}" has no VAE encoder (vae_encoder/), which starting from an image needs`,
      { field: 'model' },
    );
  }
}

const shapeOf = (m: CanvasModel) => ({ base: m.entry.base!, sampleSize: m.entry.sample_size! });

/** Extra fields recorded in the job's params, beside the body, and the workflow it came from. */
export interface Origin {
  params?: Record<string, unknown>;
  workflowId?: string;
  /** What ran, for the images' PNG text: the InvokeAI workflow (`invokeai_workflow`) or graph (`invokeai_graph`), as JSON. */
  pngText?: Record<string, string>;
  /** A workflow's upscaler node whose output i2l encodes (and, with `control`, the ControlNet reads): it runs first. */
  upscaleFirst?: { nodeId: string; nodeType: string; model?: string; scale: UpscaleFactor; control: boolean };
}

/** Turns checked request bodies into queued jobs; one instance serves every generate route. */
export class GenerationRequests {
  constructor(
    private readonly app: FamilyApp,
    private readonly generate: GenerateService,
    private readonly models: ImageModelService,
    private readonly images: ImageService,
    private readonly boards: BoardService,
  ) {}

  /** Queues the job and answers 202 with the spec's body. */
  async accept(request: FastifyRequest, reply: FastifyReply, r: EnqueueRequest) {
    const user = currentUser(request);
    const { job, estimatedCredits, estimatedWaitSeconds } = await this.generate.request(user, r);
    return reply.code(202).send(
      ok({
        job_id: job.id,
        status: 'queued' as const,
        queue_position: job.position ?? 1,
        estimated_wait_seconds: estimatedWaitSeconds,
        estimated_credits: estimatedCredits,
        websocket_channel: `user:${user.id}`,
        model: r.model.name,
      }),
    );
  }

  /** The image model a body names, for the caller's plan; without one, the default (Settings, else the best the plan allows). */
  mainModel(user: UserRow, name: string | undefined, forInpainting = false): CanvasModel {
    if (name !== undefined) return this.models.resolve(name, 'main', user.tier);
    return this.models.defaultMain(user.tier, readSetting(this.app.db, 'imageModel').default, forInpainting);
  }

  private boardOf(user: UserRow, id: string | undefined): string | null {
    return id === undefined ? null : this.boards.owned(user.id, id).id;
  }

  private params(b: object, refs: Record<string, SourceImage | undefined>, origin: Origin): Record<string, unknown> {
    const out: Record<string, unknown> = { ...origin.params, ...b };
    for (const [field, src] of Object.entries(refs)) if (src) out[field] = src.ref;
    return out;
  }

  private source(user: UserRow, value: string, field: string): Promise<SourceImage> {
    return readImageRef(value, field, user.id, this.images, this.app.storage);
  }

  /** The ControlNet a body asks for: installed, for the model's base, its control image read; none: nothing. */
  private async controlOf(user: UserRow, b: TextToImage | ImageToImage | Inpaint | Outpaint, model: CanvasModel) {
    const c = b.controlnet;
    if (!c) return { controlnet: null, control: null, controlRef: null };
    if (!this.models.list({ type: 'controlnet' }).some((m) => m.installed))
      throw errors.error(
        'MODEL_NOT_FOUND',
        'No ControlNet is installed: install one on the Models screen (/app/models), or send no controlnet',
        {
          model: c.model,
          models_screen: '/app/models',
        },
      );
    const found = this.models.resolve(c.model, 'controlnet', user.tier, 'controlnet.model');
    if (found.base && model.base && found.base !== model.base)
      throw errors.error('INVALID_PARAMETERS', `ControlNet "${found.name}" is for ${found.base} models; "${model.name}" is ${model.base}`, {
        field: 'controlnet.model',
      });
    const begin = c.begin_step_percent ?? 0;
    const end = c.end_step_percent ?? 1;
    if (!(begin < end))
      throw errors.error('INVALID_PARAMETERS', `begin_step_percent (${begin}) must be below end_step_percent (${end})`, {
        field: 'controlnet.end_step_percent',
      });
    const lowThreshold = c.low_threshold ?? 100;
    const highThreshold = c.high_threshold ?? 200;
    if (lowThreshold > highThreshold)
      throw errors.error('INVALID_PARAMETERS', `low_threshold (${lowThreshold}) must not exceed high_threshold (${highThreshold})`, {
        field: 'controlnet.low_threshold',
      });
    const image = await this.source(user, c.image, 'controlnet.image');
    const depth = c.preprocessor === 'depth' ? this.depthModel(user) : null;
    const controlnet: ControlPayload = {
      id: found.id,
      name: found.name,
      path: found.entry.path,
      weight: c.weight ?? 1,
      begin,
      end,
      preprocessor: c.preprocessor ?? 'none',
      lowThreshold,
      highThreshold,
      ...(depth ? { depth: { id: depth.id, name: depth.name, path: depth.entry.path } } : {}),
    };
    return {
      controlnet,
      control: image.png,
      controlRef: image.ref,
    };
  }

  /** The installed depth model (the first, as with upscalers); none: MODEL_NOT_FOUND naming what to install. */
  private depthModel(user: UserRow): CanvasModel {
    const found = this.models.list({ type: 'depth' }).find((m) => m.installed);
    if (!found)
      throw errors.error(
        'MODEL_NOT_FOUND',
        'Depth preprocessing needs a depth model, and none is installed: install Depth Anything (an ONNX export taking pixel_values and giving predicted_depth) as type depth on the Models screen (/app/models), or use preprocessor canny or none',
        { model: 'depth-anything', type: 'depth', field: 'controlnet.preprocessor', models_screen: '/app/models' },
      );
    return this.models.resolve(found.name, 'depth', user.tier, 'controlnet.preprocessor');
  }

  /** The params a job records: the body with its control image as a reference, not its bytes. */
  private withControlRef(params: Record<string, unknown>, ref: string | null): Record<string, unknown> {
    return ref && params.controlnet ? { ...params, controlnet: { ...(params.controlnet as object), image: ref } } : params;
  }

  /** An installed LoRA for the model's base, with its weight (default 1). */
  private lora(user: UserRow, l: { name: string; weight?: number }, model: CanvasModel, index: number) {
    const field = `loras[${index}].name`;
    const found = this.models.resolve(l.name, 'lora', user.tier, field);
    if (found.base && model.base && found.base !== model.base)
      throw errors.error('INVALID_PARAMETERS', `LoRA "${found.name}" is for ${found.base} models; "${model.name}" is ${model.base}`, {
        field,
      });
    return { id: found.id, name: found.name, path: found.entry.file!, weight: l.weight ?? 1 };
  }

  /** The fields text-to-image, image-to-image and inpainting share, checked against the model. */
  private diffusion(
    user: UserRow,
    b: TextToImage | ImageToImage | Inpaint | Outpaint,
    size: { width: number; height: number },
    model: CanvasModel,
    origin: Origin,
  ) {
    checkSize(shapeOf(model), model.base ?? 'unknown', size.width, size.height);
    const steps = b.steps ?? 30;
    const batchSize = b.batch_size ?? 1;
    return {
      model: { id: model.id, name: model.name, path: model.entry.path, base: model.base, hash: null },
      prompt: b.prompt.trim(),
      negativePrompt: b.negative_prompt?.trim() ?? '',
      width: size.width,
      height: size.height,
      steps,
      cfgScale: b.cfg_scale ?? 7.5,
      sampler: samplerName(b.sampler ?? 'euler_a'),
      seed: b.seed ?? -1,
      batchSize,
      scale: null,
      boardId: this.boardOf(user, b.save_to_board),
      workUnits: steps * ((size.width * size.height) / 1e6) * batchSize,
      sizeConditioning: sizeConditioning(b, model, size),
      vae: b.vae === undefined ? null : vaeOf(this.models.resolve(b.vae, 'vae', user.tier, 'vae')),
      loras: (b.loras ?? []).map((l, i) => this.lora(user, l, model, i)),
      ...(origin.workflowId ? { workflowId: origin.workflowId } : {}),
      ...(origin.pngText ? { pngText: origin.pngText } : {}),
    };
  }

  async textToImage(user: UserRow, b: TextToImage, origin: Origin = {}): Promise<EnqueueRequest> {
    const model = this.mainModel(user, b.model);
    const native = model.entry.sample_size!;
    const common = this.diffusion(user, b, { width: b.width ?? native, height: b.height ?? native }, model, origin);
    const control = await this.controlOf(user, b, model);
    return {
      ...common,
      kind: 'text_to_image',
      params: this.withControlRef(this.params({ ...b, model: model.name }, {}, origin), control.controlRef),
      controlnet: control.controlnet,
      control: control.control,
      strength: null,
      source: null,
      mask: null,
    };
  }

  async imageToImage(user: UserRow, b: ImageToImage, origin: Origin = {}): Promise<EnqueueRequest> {
    const model = this.mainModel(user, b.model);
    needsEncoder(model);
    const source = await this.source(user, b.source_image, 'source_image');
    const up = origin.upscaleFirst;
    const upscaler = up ? this.upscalerModel(user, up.model, 'inputs.upscaler') : null;
    const fitted = up ? this.upscaledSize(model, source, up) : fitSize(shapeOf(model), source.width, source.height);
    const common = this.diffusion(user, b, { width: b.width ?? fitted.width, height: b.height ?? fitted.height }, model, origin);
    const control = await this.controlOf(user, b, model);
    if (control.controlnet && up?.control) control.controlnet.fromUpscaled = true;
    const strength = b.strength ?? 0.75;
    return {
      ...common,
      ...(up && upscaler
        ? {
            upscaleFirst: {
              id: upscaler.id,
              name: upscaler.name,
              path: upscaler.entry.path,
              scale: up.scale,
              nodeId: up.nodeId,
              nodeType: up.nodeType,
            },
          }
        : {}),
      kind: 'image_to_image',
      sourceImageId: this.galleryId(source),
      params: this.withControlRef(this.params({ ...b, model: model.name }, { source_image: source }, origin), control.controlRef),
      controlnet: control.controlnet,
      control: control.control,
      strength,
      workUnits: common.workUnits * strength,
      source: source.png,
      mask: null,
    };
  }

  async inpaint(user: UserRow, b: Inpaint, origin: Origin = {}): Promise<EnqueueRequest> {
    const model = this.mainModel(user, b.model, true);
    needsEncoder(model);
    const source = await this.source(user, b.source_image, 'source_image');
    const mask = await this.source(user, b.mask_image, 'mask_image');
    const fitted = fitSize(shapeOf(model), source.width, source.height);
    const common = this.diffusion(user, b, { width: b.width ?? fitted.width, height: b.height ?? fitted.height }, model, origin);
    const control = await this.controlOf(user, b, model);
    const strength = b.strength ?? 1;
    return {
      ...common,
      kind: 'inpaint',
      sourceImageId: this.galleryId(source),
      feather: b.mask_feather ?? 0,
      params: this.withControlRef(
        this.params({ ...b, model: model.name }, { source_image: source, mask_image: mask }, origin),
        control.controlRef,
      ),
      controlnet: control.controlnet,
      control: control.control,
      strength,
      workUnits: common.workUnits * strength,
      source: source.png,
      mask: mask.png,
    };
  }

  /**
   * Outpainting is inpainting on a larger canvas: the source is extended by repeating its edge
   * pixels (a starting point the model can continue), and the mask covers the new area, feathered
   * into the source so the seam is redrawn too. The result is the extended size, pixel for pixel.
   */
  async outpaint(user: UserRow, b: Outpaint): Promise<EnqueueRequest> {
    const model = this.mainModel(user, b.model, true);
    needsEncoder(model);
    const e: Extension = { left: b.extend.left ?? 0, right: b.extend.right ?? 0, top: b.extend.top ?? 0, bottom: b.extend.bottom ?? 0 };
    if (e.left + e.right + e.top + e.bottom === 0)
      throw errors.error('INVALID_PARAMETERS', 'extend must grow at least one side (left, right, top or bottom) by 8 pixels or more', {
        field: 'extend',
      });
    const source = await this.source(user, b.source_image, 'source_image');
    const size = outpaintLayout(source.width, source.height, e);
    try {
      checkSize(shapeOf(model), model.base ?? 'unknown', size.width, size.height);
    } catch (err) {
      throw errors.error(
        'INVALID_PARAMETERS',
        `Extended by ${e.left}/${e.right}/${e.top}/${e.bottom} px (left/right/top/bottom), the ${source.width}×${source.height} image would be ${size.width}×${size.height}: ${(err as Error).message}`,
        { ...(err as { details?: object }).details, field: 'extend', width: size.width, height: size.height },
      );
    }
    const sharp = await loadSharp();
    const extended = await sharp(source.png)
      .extend({ ...e, extendWith: 'copy' })
      .png()
      .toBuffer();
    const mask = await sharp(outpaintMask(source.width, source.height, e), { raw: { width: size.width, height: size.height, channels: 1 } })
      .png()
      .toBuffer();
    const common = this.diffusion(user, b, size, model, {});
    const strength = b.strength ?? 1;
    return {
      ...common,
      kind: 'inpaint',
      sourceImageId: this.galleryId(source),
      feather: b.mask_feather ?? 16,
      outpaint: e,
      params: this.params({ ...b, model: model.name }, { source_image: source }, {}),
      controlnet: null,
      control: null,
      strength,
      workUnits: common.workUnits * strength,
      source: extended,
      mask,
    };
  }

  /** The gallery image a source was read from, so the result links back to it; null for an upload. */
  private galleryId(source: SourceImage): string | null {
    return this.images.get(source.ref)?.id ?? null;
  }

  private upscalerModel(user: UserRow, name: string | undefined, field?: string): CanvasModel {
    return name === undefined ? this.models.defaultUpscaler(user.tier) : this.models.resolve(name, 'upscaler', user.tier, field);
  }

  /**
   * The size i2l gives an upscaled source, as InvokeAI's does (its pixels, to whole latents): the
   * noise and output size of a workflow that upscales first. Out of the model's range: refused, naming the upscaler.
   */
  private upscaledSize(model: CanvasModel, source: SourceImage, up: NonNullable<Origin['upscaleFirst']>) {
    const width = Math.floor((source.width * up.scale) / 8) * 8;
    const height = Math.floor((source.height * up.scale) / 8) * 8;
    try {
      checkSize(shapeOf(model), model.base ?? 'unknown', width, height);
    } catch (err) {
      throw errors.error(
        'INVALID_PARAMETERS',
        `The ${up.nodeType} node ${up.nodeId} enlarges the ${source.width}×${source.height} source ×${up.scale} to ${width}×${height}, which i2l encodes at that size; ${(err as Error).message}. Pass a smaller inputs.image_id or inputs.width/height`,
        { node_id: up.nodeId, field: 'inputs.image_id', width, height },
      );
    }
    return { width, height };
  }

  async upscale(user: UserRow, b: Upscale, origin: Origin = {}): Promise<EnqueueRequest> {
    const model = this.upscalerModel(user, b.model);
    const source = await this.source(user, b.image, 'image');
    const scale = b.scale ?? 2;
    // An image from the gallery hands its prompt on: the upscaled copy shows what it depicts and where it came from.
    const from = this.images.get(source.ref);
    const said = (key: string) => (typeof from?.metadata[key] === 'string' ? (from.metadata[key] as string) : '');
    return {
      kind: 'upscale',
      model: { id: model.id, name: model.name, path: model.entry.path, base: null, hash: null },
      params: this.params(b, { image: source }, origin),
      prompt: said('prompt'),
      negativePrompt: said('negative_prompt'),
      sourceImageId: from?.id ?? null,
      width: source.width * scale,
      height: source.height * scale,
      steps: 1,
      cfgScale: 0,
      sampler: 'none',
      seed: 0,
      batchSize: 1,
      strength: null,
      scale,
      boardId: this.boardOf(user, b.save_to_board),
      workUnits: (source.width * source.height * scale * scale) / 1e6,
      source: source.png,
      mask: null,
      ...(origin.workflowId ? { workflowId: origin.workflowId } : {}),
      ...(origin.pngText ? { pngText: origin.pngText } : {}),
    };
  }
}
