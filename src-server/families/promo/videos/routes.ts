import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
import { requireUser, SESSION_COOKIE, identifyRequestBearer } from '../../../plugins/app/auth';
import { sendStoredFile } from '../../../storage/range';
import type { UrlSigner } from '../../../storage/signed-url';
import { assertOwnId, OwnId, security, tags } from '../http';
import type { VideoRow, VideoService } from './service';

/** Links handed out by `/user/videos` stay valid this long (a `<video>` tag cannot send a Bearer header). */
const LINK_TTL_SECONDS = 6 * 3600;

const Video = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  url: Type.String({ description: '`/user/video/{filename}` with a signed, expiring query: playable by a `<video>` tag' }),
  is_uploaded: Type.Boolean(),
  download_count: Type.Integer(),
  resolution: Type.String(),
  encoder: Type.String({ description: 'The H.264 encoder that made it: a probed hardware encoder, else libx264' }),
  status: Type.String(),
  thumbnail_url: Type.Union([Type.String(), Type.Null()]),
  duration: Type.Number(),
  item_id: Type.Union([Type.String(), Type.Null()]),
  task_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});

export function videoView(signer: UrlSigner, row: VideoRow) {
  const signed = signer.sign({ method: 'GET', key: row.fileKey, expiresInSeconds: LINK_TTL_SECONDS });
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    url: `/user/video/${encodeURIComponent(row.filename)}${signed.slice(signed.indexOf('?'))}`,
    is_uploaded: row.isUploaded,
    download_count: row.downloadCount,
    resolution: row.resolution,
    encoder: row.encoder,
    status: row.status,
    thumbnail_url: row.thumbnailKey ? signer.sign({ method: 'GET', key: row.thumbnailKey, expiresInSeconds: LINK_TTL_SECONDS }) : null,
    duration: row.durationSec,
    item_id: row.itemId,
    task_id: row.taskId,
    created_at: row.createdAt,
  };
}

/** The owner's session cookie or Bearer token, else the signed query `/user/videos` gave out. */
function mayWatch(request: FastifyRequest, signer: UrlSigner, row: VideoRow): boolean {
  const cookie = request.headers.authorization ? undefined : request.cookies?.[SESSION_COOKIE];
  const who = cookie ? request.server.auth.sessionForCookie(cookie) : request.headers.authorization ? identifyRequestBearer(request) : null;
  if (who && 'user' in who && who.user.id === row.userId) return true;
  return signer.verify('GET', row.fileKey, request.query as Record<string, unknown>).ok;
}

const notFound = { detail: 'Video not found' };

/** `/user/videos`, `/user/video/delete` and the stream `GET /user/video/{filename}`. */
export async function videoRoutes(app: FamilyApp, videos: VideoService): Promise<void> {
  app.post(
    '/user/videos',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'List your videos',
        body: Type.Object({ id: OwnId }),
        response: { 200: Type.Object({ total_count: Type.Integer(), videos: Type.Array(Video) }) },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      const rows = videos.list(me.id);
      return { total_count: rows.length, videos: rows.map((r) => videoView(app.urlSigner, r)) };
    },
  );

  app.delete(
    '/user/video/delete',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'Delete a video and its file',
        body: Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 64 }), video_id: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Object({ message: Type.String() }) },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.user_id, 'user_id');
      await videos.delete(me.id, request.body.video_id);
      return { message: '비디오가 성공적으로 삭제되었습니다' };
    },
  );

  app.get(
    '/user/video/:filename',
    {
      schema: {
        tags,
        summary: "Stream a video (HTTP Range); the owner's session or Bearer, or the signed link from /user/videos",
        params: Type.Object({ filename: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: Type.Object({ download: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
        response: { 404: Type.Object({ detail: Type.String() }) },
      },
    },
    async (request, reply) => {
      const row = videos.byFilename(request.params.filename);
      // Someone else's video answers exactly like a missing one: names are not secrets to confirm.
      if (!row || !mayWatch(request, app.urlSigner, row)) return reply.status(404).send(notFound);
      if (request.query.download) videos.countDownload(row.id);
      try {
        return await sendStoredFile(request, reply, app.storage, row.fileKey, {
          contentType: 'video/mp4',
          downloadName: request.query.download ? row.filename : undefined,
        });
      } catch (err) {
        if ((err as { code?: string }).code === 'FILE_NOT_FOUND') return reply.status(404).send(notFound);
        throw err;
      }
    },
  );
}
