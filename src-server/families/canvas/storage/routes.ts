import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Envelope, errorResponses, ok, security, signedIn } from '../http';
import type { ImageService } from '../images/service';
import { storageUsage } from './usage';

const Usage = Type.Object({
  used_bytes: Type.Integer(),
  quota_bytes: Type.Integer({
    description: "Your plan's storage; new generations and workflows are refused with 402 `STORAGE_EXCEEDED` once it is full",
  }),
  used_percentage: Type.Number({ description: 'Rounded to 2 decimals' }),
  breakdown: Type.Object({
    images: Type.Integer({ description: 'Generated PNGs' }),
    workflows: Type.Integer({ description: 'Saved workflows (POST /workflows): the bytes of their definitions' }),
    other: Type.Integer({ description: 'Gallery thumbnails' }),
  }),
});

/** GET /storage/usage. */
export async function storageRoutes(app: FamilyApp, images: ImageService): Promise<void> {
  app.get(
    '/api/v1/storage/usage',
    {
      onRequest: signedIn,
      schema: {
        tags: ['canvas'],
        security,
        summary: 'Your storage use and quota (스토리지 사용량)',
        response: { 200: Envelope(Usage), ...errorResponses([]) },
      },
    },
    async (request) => {
      const me = currentUser(request);
      return ok(storageUsage(images, me.id, me.tier));
    },
  );
}
