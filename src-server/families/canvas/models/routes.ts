import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Envelope, errorResponses, ok, security, signedIn } from '../http';
import { TIER_NAMES, tierAllows, tierOf } from '../plans/tiers';
import { MODEL_BASES, MODEL_TYPES, type ImageModelService } from './service';
import { Model } from '../../../../src-shared/api/canvas';

const tags = ['canvas'];

const ModelsQuery = Type.Object(
  {
    type: Type.Optional(
      Type.Enum([...MODEL_TYPES], {
        description: 'main, vae, lora, controlnet or upscaler',
      }),
    ),
    base: Type.Optional(Type.Enum([...MODEL_BASES], { description: 'sd-1, sd-2, sdxl, flux (the local engine runs no FLUX models)' })),
    min_tier: Type.Optional(Type.Enum([...TIER_NAMES], { description: 'Only models whose lowest plan is this one' })),
    is_available: Type.Optional(Type.Boolean({ description: 'Only models you can (true) or cannot (false) use now' })),
  },
  { additionalProperties: false },
);

/** GET /models: what is installed in the data folder's models/, as the caller's plan sees it. */
export async function modelRoutes(app: FamilyApp, models: ImageModelService): Promise<void> {
  app.get(
    '/api/v1/models',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Models you can generate with (사용 가능한 모델 목록)',
        description: 'Checkpoints are in `<data folder>/models/diffusion/<name>/` (ONNX exports), upscalers in `models/upscalers/<name>/`.',
        querystring: ModelsQuery,
        response: { 200: Envelope(Type.Array(Model)), ...errorResponses(['validation: an unknown type, base or tier']) },
      },
    },
    async (request) => {
      const tier = tierOf(currentUser(request).tier);
      const q = request.query;
      const rows = models
        .list({ type: q.type, base: q.base })
        .map((m) => {
          const allowed = tierAllows(tier, m.minTier);
          return {
            id: m.id,
            name: m.name,
            display_name: m.displayName,
            type: m.type,
            base: m.base,
            description: m.entry.description,
            thumbnail_url: null,
            min_tier: m.minTier,
            is_available: m.installed && allowed,
            unavailable_reason: !m.installed ? (m.entry.problem ?? 'incomplete') : allowed ? null : `needs the ${m.minTier} plan or above`,
            inpainting: m.entry.inpainting,
            native_size: m.entry.sample_size,
            scale: m.entry.scale,
            size_bytes: m.entry.size_bytes,
            license: m.entry.license,
          };
        })
        .filter(
          (m) =>
            (q.min_tier === undefined || m.min_tier === q.min_tier) && (q.is_available === undefined || m.is_available === q.is_available),
        );
      return ok(rows);
    },
  );
}
