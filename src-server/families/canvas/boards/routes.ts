import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { Envelope, Id, Nullable, errorResponses, ok, security, signedIn } from '../http';
import { notFound, errors } from '../errors';
import type { ImageService } from '../images/service';
import type { BoardRow, BoardService } from './service';
import { Board } from '../../../../src-shared/api/canvas';

const tags = ['canvas'];

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Shown in the gallery' });
const Description = Type.String({ maxLength: 1000 });

const BoardParams = Type.Object({ board_id: Id('Board') });
const BoardImageParams = Type.Object({ board_id: Id('Board'), image_id: Id('Image') });

const NOT_MINE = ['validation', "FORBIDDEN: another account's board", 'NOT_FOUND'] as const;

/** /boards/**: collections of the caller's images. */
export async function boardRoutes(app: FamilyApp, boards: BoardService, images: ImageService): Promise<void> {
  const view = (r: BoardRow, count = boards.imageCount(r.id)) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    image_count: count,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  });

  app.get(
    '/api/v1/boards',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your boards, oldest first (보드 목록)',
        response: { 200: Envelope(Type.Array(Board)), ...errorResponses([]) },
      },
    },
    async (request) => {
      const rows = boards.list(currentUser(request).id);
      const counts = boards.counts(rows.map((r) => r.id));
      return ok(rows.map((r) => view(r, counts.get(r.id) ?? 0)));
    },
  );

  app.post(
    '/api/v1/boards',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Create a board (보드 생성)',
        body: Type.Object({ name: Name, description: Type.Optional(Nullable(Description)) }, { additionalProperties: false }),
        response: { 201: Envelope(Board), ...errorResponses(['validation: no or blank name, over-long fields']) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const row = boards.create(currentUser(request).id, b.name.trim(), b.description?.trim() || null);
      return reply.code(201).send(ok(view(row, 0)));
    },
  );

  app.get(
    '/api/v1/boards/:board_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'One board (GET /images?board_id= lists its images)',
        params: BoardParams,
        response: { 200: Envelope(Board), ...errorResponses(NOT_MINE) },
      },
    },
    async (request) => ok(view(boards.owned(currentUser(request).id, request.params.board_id))),
  );

  app.patch(
    '/api/v1/boards/:board_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Rename a board or change its description (보드 수정)',
        params: BoardParams,
        body: Type.Object(
          { name: Type.Optional(Name), description: Type.Optional(Nullable(Description)) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Envelope(Board), ...errorResponses([...NOT_MINE, 'validation: nothing to change, blank name']) },
      },
    },
    async (request) => {
      const row = boards.owned(currentUser(request).id, request.params.board_id);
      const b = request.body;
      const patch: { name?: string; description?: string | null } = {};
      if (b.name !== undefined) patch.name = b.name.trim();
      if (b.description !== undefined) patch.description = b.description?.trim() || null;
      return ok(view(boards.update(row, patch)));
    },
  );

  app.delete(
    '/api/v1/boards/:board_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Delete a board; its images stay in your gallery (보드 삭제)',
        params: BoardParams,
        response: { 200: Envelope(Type.Object({ id: Type.String(), deleted: Type.Literal(true) })), ...errorResponses(NOT_MINE) },
      },
    },
    async (request) => {
      const row = boards.owned(currentUser(request).id, request.params.board_id);
      boards.delete(row);
      return ok({ id: row.id, deleted: true as const });
    },
  );

  app.post(
    '/api/v1/boards/:board_id/images',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Put images on a board (보드에 이미지 추가); ones already there stay',
        params: BoardParams,
        // Any id shape (the spec's own examples are `img-001`): one that is not an image of yours is the 404 below.
        body: Type.Object(
          {
            image_ids: Type.Array(Type.String({ minLength: 1, maxLength: 100, description: 'Image id' }), {
              minItems: 1,
              maxItems: 500,
              uniqueItems: true,
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Envelope(Type.Object({ ...Board.properties, added: Type.Integer({ description: 'How many were not on the board yet' }) })),
          ...errorResponses([
            ...NOT_MINE,
            'NOT_FOUND: no such board, or image ids that are not your images (`details.image_ids`); nothing is added then',
          ]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const row = boards.owned(me.id, request.params.board_id);
      const ids = request.body.image_ids.map((id) => id.toLowerCase());
      const missing = images.missing(me.id, ids);
      if (missing.length > 0)
        throw errors.error('NOT_FOUND', `${missing.length} of these images are not in your gallery; nothing was added`, {
          image_ids: missing,
        });
      const added = boards.addImages(row, ids);
      return ok({ ...view(boards.owned(me.id, row.id)), added });
    },
  );

  app.delete(
    '/api/v1/boards/:board_id/images/:image_id',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Take an image off a board (보드에서 이미지 제거); the image stays in your gallery',
        params: BoardImageParams,
        response: {
          200: Envelope(Board),
          ...errorResponses([...NOT_MINE, 'NOT_FOUND: no such board, or the image is not on it']),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const row = boards.owned(me.id, request.params.board_id);
      if (!boards.removeImage(row, request.params.image_id.toLowerCase())) throw notFound('Image on this board');
      return ok(view(boards.owned(me.id, row.id)));
    },
  );
}
