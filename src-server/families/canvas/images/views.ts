import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { UrlSigner } from '../../../storage/signed-url';
import { Nullable, absoluteUrl } from '../http';
import type { ImageRow, ImageService } from './service';

/** How long the signed image URLs in an answer work. */
export const IMAGE_URL_SECONDS = 60 * 60;

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

export const ImageDetail = Type.Object({
  ...ImageSummary.properties,
  mime_type: Type.String(),
  is_public: Type.Boolean({ description: 'Whether a share link is active' }),
  share_url: Nullable(Type.String()),
  boards: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  metadata: Type.Record(Type.String(), Type.Unknown(), {
    description: 'model, model_hash, prompt, negative_prompt, steps, cfg_scale, seed, sampler, loras, strength, scale, width, height, provider (the execution provider that ran it)',
  }),
  generation_job_id: Nullable(Type.String()),
});

export type ImageSummaryView = Static<typeof ImageSummary>;

/** The public link of a shared image: the PNG itself, no sign-in. */
export const sharePath = (token: string) => `/api/v1/shared/${token}`;

/** Views of image rows for one request: signed URLs on the address the client used. */
export function imageViews(signer: UrlSigner, request: FastifyRequest, images: ImageService) {
  const link = (key: string, contentType: string) => absoluteUrl(request, signer.sign({ method: 'GET', key, expiresInSeconds: IMAGE_URL_SECONDS, contentType }));
  const summary = (r: ImageRow): ImageSummaryView => ({
    id: r.id,
    thumbnail_url: link(r.thumbnailKey, 'image/webp'),
    full_url: link(r.fileKey, r.mimeType),
    width: r.width,
    height: r.height,
    file_size: r.fileSize,
    is_starred: r.starred,
    created_at: r.createdAt,
    metadata: { model: String(r.metadata.model ?? ''), prompt: String(r.metadata.prompt ?? '') },
  });
  const detail = (r: ImageRow): Static<typeof ImageDetail> => ({
    ...summary(r),
    mime_type: r.mimeType,
    is_public: r.shareToken !== null,
    share_url: r.shareToken ? absoluteUrl(request, sharePath(r.shareToken)) : null,
    boards: images.boardsOf(r.id),
    metadata: r.metadata,
    generation_job_id: r.jobId,
  });
  return { summary, detail };
}
