import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { signedIn } from '../http';
import { generateConfig as config, generateSchema as schemaFor, type GenerationRequests, IMAGE_BODY_LIMIT } from './requests';
import { ImageToImageBody, InpaintBody, OutpaintBody, TextToImageBody, UpscaleBody } from './schemas';

/** POST /generate/*: text-to-image, image-to-image, inpainting, outpainting and upscaling as queued jobs (POST /generate/workflow is in workflows/). */
export async function generateRoutes(app: FamilyApp, requests: GenerationRequests): Promise<void> {
  app.post(
    '/api/v1/generate/text-to-image',
    {
      onRequest: signedIn,
      config,
      schema: schemaFor(
        'Generate images from a prompt (텍스트에서 이미지 생성)',
        'Runs the named Stable Diffusion checkpoint on this machine.',
        TextToImageBody,
      ),
    },
    async (request, reply) => requests.accept(request, reply, await requests.textToImage(currentUser(request), request.body)),
  );

  app.post(
    '/api/v1/generate/image-to-image',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config,
      schema: schemaFor(
        'Redraw an image from a prompt (이미지에서 이미지 생성)',
        'The source is scaled to the output size; `strength` says how much of it is redrawn.',
        ImageToImageBody,
      ),
    },
    async (request, reply) => requests.accept(request, reply, await requests.imageToImage(currentUser(request), request.body)),
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
    async (request, reply) => requests.accept(request, reply, await requests.inpaint(currentUser(request), request.body)),
  );

  app.post(
    '/api/v1/generate/outpaint',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config,
      schema: schemaFor(
        'Extend an image past its edges (아웃페인팅)',
        'The canvas grows by `extend` on the chosen sides and the new area is drawn through the inpaint path (its mask is the new area, feathered `mask_feather` pixels into the source). The result is the extended size and records `outpaint` and, for a gallery source, `source_image_id`.',
        OutpaintBody,
      ),
    },
    async (request, reply) => requests.accept(request, reply, await requests.outpaint(currentUser(request), request.body)),
  );

  app.post(
    '/api/v1/generate/upscale',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      config,
      schema: schemaFor(
        'Enlarge an image ×2 or ×4 (이미지 업스케일)',
        'Runs an installed upscaler (Real-ESRGAN-style ONNX) in tiles.',
        UpscaleBody,
      ),
    },
    async (request, reply) => requests.accept(request, reply, await requests.upscale(currentUser(request), request.body)),
  );
}
