import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { AppError } from '../../../http/errors';
import { currentUser } from '../../../plugins/app/auth';
import type { UserRow } from '../../../auth/service';
import { Envelope, errorResponses, ok, security, signedIn } from '../http';
import type { BoardService } from '../boards/service';
import type { ImageService } from '../images/service';
import type { CanvasModel, ModelService } from '../models/service';
import { readModelFolder } from '../../../ai/diffusion/model-folder';
import { checkSize, fitSize, readImageRef, type SourceImage } from './inputs';
import { Accepted, ImageToImageBody, InpaintBody, TextToImageBody, UpscaleBody, type ImageToImage, type Inpaint, type TextToImage } from './schemas';
import type { EnqueueRequest, GenerateService } from './service';

const tags = ['canvas'];

/** Bodies carry base64 images: far more than the server's 1 MB JSON default. */
const IMAGE_BODY_LIMIT = 24 * 1024 * 1024;

/** The spec answers INVALID_PARAMETERS for any bad generation field, naming an unknown one. */
const config = {
  validationError: (message: string, validation: FastifyError['validation']) => {
    const extra = (validation?.[0]?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    return new AppError(400, 'INVALID_PARAMETERS', extra ? `body.${extra} is not a parameter of this endpoint` : message, extra ? { field: extra } : undefined);
  },
  // Images may come as base64 data, far past the 10,000-character cap on text fields.
  longFields: ['source_image', 'mask_image', 'image'],
};

const ERRORS = {
  400: '`INVALID_PARAMETERS`: a field out of range, a size the model cannot make (multiples of 8 within its bounds), an unreadable image, `loras` or `controlnet` (not supported by the local engine, named in `details.feature`), a model of the wrong type',
  402: '`INSUFFICIENT_CREDITS` (`details.required`, `details.available`); `STORAGE_EXCEEDED`: your images fill your plan\'s storage',
  403: '`MODEL_NOT_AVAILABLE`: your plan does not include the model; `FORBIDDEN`: the board or image is another account\'s',
  404: '`MODEL_NOT_FOUND`: no such model is installed; `NOT_FOUND`: the board or source image does not exist',
  413: '`PAYLOAD_TOO_LARGE`: over 24 MB',
  429: '`QUOTA_EXCEEDED`: your plan\'s `queue_count` jobs are already queued or running; `QUEUE_FULL`: the GPU queue holds 100 jobs; `RATE_LIMITED`: your plan\'s generations a minute',
};

const schemaFor = <B extends TSchema>(summary: string, description: string, body: B) => ({
  tags,
  security,
  summary,
  description:
    `${description} Answers 202 at once; the job runs in the GPU queue. Its progress (with a preview image after every step) arrives as \`job:update\` on socket.io, ` +
    'and GET /queue/items/{job_id} has its result: the image ids in your gallery.',
  body,
  response: { 202: Envelope(Accepted), ...errorResponses(ERRORS) },
});

function refuseUnsupported(b: { loras?: unknown[]; controlnet?: unknown }): void {
  if (b.loras && b.loras.length > 0) throw new AppError(400, 'INVALID_PARAMETERS', 'LoRAs are not supported by the local diffusion engine; send no loras', { feature: 'loras' });
  if (b.controlnet !== undefined && b.controlnet !== null) throw new AppError(400, 'INVALID_PARAMETERS', 'ControlNet is not supported by the local diffusion engine; send no controlnet', { feature: 'controlnet' });
}

/** Starting from an image means encoding it: a checkpoint exported without vae_encoder/ cannot. */
function needsEncoder(model: CanvasModel): void {
  if (!readModelFolder(model.entry.path).vaeEncoder) {
    throw new AppError(400, 'INVALID_PARAMETERS', `Model "${model.name}" has no VAE encoder (vae_encoder/), which starting from an image needs`, { field: 'model' });
  }
}

const shapeOf = (m: CanvasModel) => ({ base: m.entry.base!, sampleSize: m.entry.sample_size! });

/** POST /generate/*: text-to-image, image-to-image, inpainting and upscaling as queued jobs. */
export async function generateRoutes(app: FamilyApp, generate: GenerateService, models: ModelService, images: ImageService, boards: BoardService): Promise<void> {
  const boardOf = (user: UserRow, id: string | undefined) => (id === undefined ? null : boards.owned(user.id, id).id);

  const accept = async (request: FastifyRequest, reply: FastifyReply, r: EnqueueRequest) => {
    const user = currentUser(request);
    const { job, estimatedCredits, estimatedWaitSeconds } = await generate.request(user, r);
    return reply.code(202).send(
      ok({
        job_id: job.id,
        status: 'queued' as const,
        queue_position: job.position ?? 1,
        estimated_wait_seconds: estimatedWaitSeconds,
        estimated_credits: estimatedCredits,
        websocket_channel: `user:${user.id}`,
      }),
    );
  };

  /** The fields text-to-image, image-to-image and inpainting share, checked against the model. */
  const diffusion = (user: UserRow, b: TextToImage | ImageToImage | Inpaint, size: { width: number; height: number }, model: CanvasModel) => {
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
      sampler: b.sampler ?? 'euler_a',
      seed: b.seed ?? -1,
      batchSize,
      scale: null,
      boardId: boardOf(user, b.save_to_board),
      workUnits: steps * ((size.width * size.height) / 1e6) * batchSize,
    };
  };

  const params = (b: Record<string, unknown>, refs: Record<string, SourceImage | undefined>) => {
    const out: Record<string, unknown> = { ...b };
    for (const [field, src] of Object.entries(refs)) if (src) out[field] = src.ref;
    return out;
  };

  app.post(
    '/api/v1/generate/text-to-image',
    { onRequest: signedIn, config, schema: schemaFor('Generate images from a prompt (텍스트에서 이미지 생성)', 'Runs the named Stable Diffusion checkpoint on this machine.', TextToImageBody) },
    async (request, reply) => {
      const user = currentUser(request);
      const b = request.body;
      refuseUnsupported(b);
      const model = models.resolve(b.model, 'main', user.tier);
      const native = model.entry.sample_size!;
      const common = diffusion(user, b, { width: b.width ?? native, height: b.height ?? native }, model);
      return accept(request, reply, { ...common, kind: 'text_to_image', params: params(b, {}), strength: null, source: null, mask: null });
    },
  );

  app.post(
    '/api/v1/generate/image-to-image',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config,
      schema: schemaFor('Redraw an image from a prompt (이미지에서 이미지 생성)', 'The source is scaled to the output size; `strength` says how much of it is redrawn.', ImageToImageBody),
    },
    async (request, reply) => {
      const user = currentUser(request);
      const b = request.body;
      refuseUnsupported(b);
      const model = models.resolve(b.model, 'main', user.tier);
      needsEncoder(model);
      const source = await readImageRef(b.source_image, 'source_image', user.id, images, app.storage);
      const fitted = fitSize(shapeOf(model), source.width, source.height);
      const common = diffusion(user, b, { width: b.width ?? fitted.width, height: b.height ?? fitted.height }, model);
      const strength = b.strength ?? 0.75;
      return accept(request, reply, {
        ...common,
        kind: 'image_to_image',
        params: params(b, { source_image: source }),
        strength,
        workUnits: common.workUnits * strength,
        source: source.png,
        mask: null,
      });
    },
  );

  app.post(
    '/api/v1/generate/inpaint',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config,
      schema: schemaFor(
        'Redraw the masked part of an image (인페인팅)',
        'White areas of `mask_image` are redrawn; the rest of the source is kept. A 9-channel inpainting checkpoint is used as such; any other checkpoint inpaints by blending latents.',
        InpaintBody,
      ),
    },
    async (request, reply) => {
      const user = currentUser(request);
      const b = request.body;
      refuseUnsupported(b);
      const model = models.resolve(b.model, 'main', user.tier);
      needsEncoder(model);
      const source = await readImageRef(b.source_image, 'source_image', user.id, images, app.storage);
      const mask = await readImageRef(b.mask_image, 'mask_image', user.id, images, app.storage);
      const fitted = fitSize(shapeOf(model), source.width, source.height);
      const common = diffusion(user, b, { width: b.width ?? fitted.width, height: b.height ?? fitted.height }, model);
      const strength = b.strength ?? 1;
      return accept(request, reply, {
        ...common,
        kind: 'inpaint',
        params: params(b, { source_image: source, mask_image: mask }),
        strength,
        workUnits: common.workUnits * strength,
        source: source.png,
        mask: mask.png,
      });
    },
  );

  app.post(
    '/api/v1/generate/upscale',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config,
      schema: schemaFor('Enlarge an image ×2 or ×4 (이미지 업스케일)', 'Runs an installed upscaler (Real-ESRGAN-style ONNX) in tiles.', UpscaleBody),
    },
    async (request, reply) => {
      const user = currentUser(request);
      const b = request.body;
      const model = b.model === undefined ? models.defaultUpscaler(user.tier) : models.resolve(b.model, 'upscaler', user.tier);
      const source = await readImageRef(b.image, 'image', user.id, images, app.storage);
      const scale = b.scale ?? 2;
      return accept(request, reply, {
        kind: 'upscale',
        model: { id: model.id, name: model.name, path: model.entry.path, base: null, hash: null },
        params: params(b, { image: source }),
        prompt: '',
        negativePrompt: '',
        width: source.width * scale,
        height: source.height * scale,
        steps: 1,
        cfgScale: 0,
        sampler: 'none',
        seed: 0,
        batchSize: 1,
        strength: null,
        scale,
        boardId: boardOf(user, b.save_to_board),
        workUnits: (source.width * source.height * scale * scale) / 1e6,
        source: source.png,
        mask: null,
      });
    },
  );
}
