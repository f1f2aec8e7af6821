import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { sendStoredFile } from '../../../storage/range';
import { Envelope, Id, PageQuery, PagedEnvelope, absoluteUrl, errorResponses, ok, pageOf, paged, security, signedIn } from '../http';
import type { BoardService } from '../boards/service';
import type { ImageService } from './service';
import { ImageDetail, ImageSummary, imageViews, sharePath } from './views';
import { errors } from '../errors';
import { IMAGE_BODY_LIMIT } from '../generate/requests';
import { readPngText } from './png-text';
import { recallFromText } from './recall';
import { Recall } from '../../../../src-shared/api/canvas';

const tags = ['canvas'];

const ImageParams = Type.Object({ image_id: Id('Image') });
const TokenParams = Type.Object({ token: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

const ImagesQuery = Type.Object(
  {
    ...PageQuery(50),
    board_id: Type.Optional(Id('Board')),
    starred: Type.Optional(Type.Boolean()),
    sort: Type.Optional(Type.Enum(['created_at', 'file_size'], { default: 'created_at' })),
    order: Type.Optional(Type.Enum(['asc', 'desc'], { default: 'desc' })),
  },
  { additionalProperties: false },
);

const Starred = Type.Object({ id: Type.String(), is_starred: Type.Boolean() });
const Share = Type.Object({
  share_url: Type.String({ description: 'Opens the PNG without signing in, wherever this server can be reached (LAN sharing)' }),
  share_token: Type.String(),
  expires_at: Type.Null({ description: 'Links do not expire; DELETE /images/{image_id}/share turns one off' }),
});

const FileBytes = (description: string, type: string) => ({
  description,
  content: { [type]: { schema: { type: 'string', format: 'binary' } } },
});

const NOT_MINE = ['validation: not an image id', "FORBIDDEN: another account's image", 'NOT_FOUND'] as const;

const RecallBody = Type.Object({
  image: Type.String({
    minLength: 1,
    maxLength: 32 * 1024 * 1024,
    description: 'An image id from your gallery, or a base64 PNG (a data: URL too), e.g. one made by InvokeAI or A1111',
  }),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** /images/**: the gallery, stars, share links; /shared/{token}: the public side of a share link. */
export async function imageRoutes(app: FamilyApp, images: ImageService, boards: BoardService): Promise<void> {
  app.post(
    '/api/v1/images/recall',
    {
      onRequest: signedIn,
      bodyLimit: IMAGE_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'The generation settings an image carries (InvokeAI or A1111 metadata), to fill the generate form',
        description:
          "Reads the PNG's text chunks: InvokeAI's `invokeai_metadata` (Atelier writes it too), else A1111's `parameters`. Nothing is stored.",
        body: RecallBody,
        response: {
          200: Envelope(Recall),
          ...errorResponses([
            'INVALID_PARAMETERS: not base64, not a PNG, or a PNG that records no generation settings',
            "FORBIDDEN: another account's image",
            'NOT_FOUND: no such image',
          ]),
        },
      },
    },
    async (request) => {
      const value = request.body.image;
      let png: Buffer;
      if (UUID.test(value)) png = await app.storage.get(images.owned(currentUser(request).id, value.toLowerCase()).fileKey);
      else {
        const text = value.replace(/^data:[\w/+.-]+;base64,/, '').replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text))
          throw errors.error('INVALID_PARAMETERS', 'image must be an image id from your gallery or a base64 PNG', { field: 'image' });
        png = Buffer.from(text, 'base64');
      }
      let chunks: Record<string, string>;
      try {
        chunks = readPngText(png);
      } catch {
        throw errors.error('INVALID_PARAMETERS', 'image is not a PNG; only PNGs carry generation settings', { field: 'image' });
      }
      const recall = recallFromText(chunks);
      if (!recall)
        throw errors.error('INVALID_PARAMETERS', 'This PNG records no generation settings (no invokeai_metadata or A1111 parameters)', {
          field: 'image',
        });
      return ok(recall);
    },
  );

  app.get(
    '/api/v1/images',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your images (이미지 목록 조회)',
        querystring: ImagesQuery,
        response: {
          200: PagedEnvelope(Type.Array(ImageSummary)),
          ...errorResponses([
            'validation: per_page over 50, an unknown sort...',
            "FORBIDDEN: board_id is another account's",
            'NOT_FOUND: no such board',
          ]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const q = request.query;
      if (q.board_id !== undefined) boards.owned(me.id, q.board_id);
      const { page, perPage, offset } = pageOf(q);
      const { rows, total } = images.list(me.id, {
        boardId: q.board_id,
        starred: q.starred,
        sort: (q.sort ?? 'created_at') as 'created_at' | 'file_size',
        order: (q.order ?? 'desc') as 'asc' | 'desc',
        limit: perPage,
        offset,
      });
      const views = imageViews(app.urlSigner, request, images);
      return paged(rows.map(views.summary), { page, per_page: perPage, total });
    },
  );

  app.get(
    '/api/v1/images/:image_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'One image with its generation parameters (이미지 상세 조회)',
        params: ImageParams,
        response: { 200: Envelope(ImageDetail), ...errorResponses(NOT_MINE) },
      },
    },
    async (request) =>
      ok(imageViews(app.urlSigner, request, images).detail(images.owned(currentUser(request).id, request.params.image_id))),
  );

  app.delete(
    '/api/v1/images/:image_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete an image, its files, its board memberships and its share link (이미지 삭제)',
        params: ImageParams,
        response: { 200: Envelope(Type.Object({ id: Type.String(), deleted: Type.Literal(true) })), ...errorResponses(NOT_MINE) },
      },
    },
    async (request) => {
      const row = images.owned(currentUser(request).id, request.params.image_id);
      await images.delete(row);
      return ok({ id: row.id, deleted: true as const });
    },
  );

  for (const [method, starred] of [
    ['POST', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/api/v1/images/:image_id/star',
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: starred ? 'Star an image (즐겨찾기 추가)' : 'Unstar an image (즐겨찾기 제거)',
        params: ImageParams,
        response: { 200: Envelope(Starred), ...errorResponses(NOT_MINE) },
      },
      handler: async (request) => {
        const row = images.setStarred(images.owned(currentUser(request).id, request.params.image_id), starred);
        return ok({ id: row.id, is_starred: row.starred });
      },
    });
  }

  app.post(
    '/api/v1/images/:image_id/share',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'A public link to the image (공유 링크 생성); asking again gives the same link',
        params: ImageParams,
        response: { 200: Envelope(Share), ...errorResponses(NOT_MINE) },
      },
    },
    async (request) => {
      const token = images.share(images.owned(currentUser(request).id, request.params.image_id));
      return ok({ share_url: absoluteUrl(request, sharePath(token)), share_token: token, expires_at: null });
    },
  );

  app.delete(
    '/api/v1/images/:image_id/share',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: "Turn off the image's public link",
        params: ImageParams,
        response: { 200: Envelope(Type.Object({ id: Type.String(), is_public: Type.Literal(false) })), ...errorResponses(NOT_MINE) },
      },
    },
    async (request) => {
      const row = images.owned(currentUser(request).id, request.params.image_id);
      images.unshare(row);
      return ok({ id: row.id, is_public: false as const });
    },
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/shared/:token',
    schema: {
      tags,
      summary: 'A shared image, for anyone with the link (no sign-in)',
      params: TokenParams,
      response: {
        200: FileBytes('The PNG', 'image/png'),
        206: FileBytes('The requested byte range', 'image/png'),
        ...errorResponses(['validation: malformed token', 'NOT_FOUND: no such link, or it was turned off'], { auth: false }),
      },
    },
    handler: async (request, reply) => {
      const row = images.byToken(request.params.token);
      if (!row) throw errors.error('NOT_FOUND', 'This share link does not exist or was turned off');
      reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      return sendStoredFile(request, reply, app.storage, row.fileKey, { contentType: row.mimeType, cacheControl: 'no-cache' });
    },
  });
}
