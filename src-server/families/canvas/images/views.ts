import type { FastifyRequest } from 'fastify';
import {
  ImageDetail,
  ImageSummary,
  type ImageDetail as ImageDetailView,
  type ImageSummary as ImageSummaryView,
} from '../../../../src-shared/api/canvas';
import type { UrlSigner } from '../../../storage/signed-url';
import { absoluteUrl } from '../http';
import type { ImageRow, ImageService } from './service';

/** How long the signed image URLs in an answer work. */
export const IMAGE_URL_SECONDS = 60 * 60;

export { ImageDetail, ImageSummary, type ImageSummaryView };

/** The public link of a shared image: the PNG itself, no sign-in. */
export const sharePath = (token: string) => `/api/v1/shared/${token}`;

/** Views of image rows for one request: signed URLs on the address the client used. */
export function imageViews(signer: UrlSigner, request: FastifyRequest, images: ImageService) {
  const link = (key: string, contentType: string) =>
    absoluteUrl(request, signer.sign({ method: 'GET', key, expiresInSeconds: IMAGE_URL_SECONDS, contentType }));
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
  const detail = (r: ImageRow): ImageDetailView => ({
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
