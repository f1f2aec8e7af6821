import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { multipartForm, readMultipart } from '../../../http/multipart';
import { requireUser } from '../../../plugins/app/auth';
import type { PromoPicture } from '../../../db/schema';
import type { UrlSigner } from '../../../storage/signed-url';
import { assertOwnId, errorResponses, OwnId, security, tags } from '../http';
import { promoErrors } from '../errors';
import type { PictureService } from './service';

const UPLOAD_MAX_BYTES = 25 * 1024 * 1024;
const LINK_TTL_SECONDS = 6 * 3600;

const Pictures = Type.Object({
  item_id: Type.String(),
  pictures: Type.Array(
    Type.Object({
      picture_id: Type.String(),
      source: Type.Union([Type.Literal('site'), Type.Literal('upload'), Type.Literal('generated')]),
      url: Type.String({ description: 'A signed, expiring link an `<img>` tag can show' }),
    }),
  ),
});
const ItemId = Type.String({ format: 'uuid' });

const view = (signer: UrlSigner, itemId: string, pictures: PromoPicture[]) => ({
  item_id: itemId,
  pictures: pictures.map((p) => ({
    picture_id: p.id,
    source: p.source,
    url: signer.sign({ method: 'GET', key: p.key, expiresInSeconds: LINK_TTL_SECONDS }),
  })),
});

/**
 * A business's pictures, in the order its video shows them: list, upload, reorder, remove. The
 * first run fills the list from the site (and the Image Studio when the site has too few); a
 * video made from the item afterwards uses exactly this list.
 */
export async function pictureRoutes(app: FamilyApp, pictures: PictureService, minShortSide: () => number): Promise<void> {
  app.post(
    '/user/item/pictures',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: "A business's pictures, in video order",
        body: Type.Object({ id: OwnId, item_id: ItemId }),
        response: { 200: Pictures },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      return view(app.urlSigner, request.body.item_id, pictures.list(me.id, request.body.item_id));
    },
  );

  app.post(
    '/user/item/picture/upload',
    {
      preHandler: requireUser({ cookie: true }),
      ...multipartForm,
      schema: {
        tags,
        security,
        summary: 'Add your own picture to a business (multipart: id, item_id, file); it goes last',
        consumes: ['multipart/form-data'],
        response: {
          201: Pictures,
          ...errorResponses([
            'PICTURE_001: already as many pictures as a video takes',
            'PICTURE_002: not a picture, or smaller than the frame needs',
          ]),
        },
      },
    },
    async (request, reply) => {
      let bytes: Buffer | null = null;
      const fields = await readMultipart(request, reply, {
        maxFileBytes: UPLOAD_MAX_BYTES,
        notMultipart: () =>
          promoErrors.error('PICTURE_002', 'Send the picture as multipart/form-data with the fields id, item_id and file'),
        files: {
          file: async (file) => {
            const chunks: Buffer[] = [];
            for await (const chunk of file) chunks.push(chunk as Buffer);
            if ((file as unknown as { truncated?: boolean }).truncated)
              throw promoErrors.error('PICTURE_002', `The picture is larger than ${UPLOAD_MAX_BYTES / 1024 / 1024} MB`);
            bytes = Buffer.concat(chunks);
          },
        },
      });
      const me = assertOwnId(request, fields.id ?? '');
      const itemId = fields.item_id ?? '';
      if (!/^[0-9a-f-]{36}$/i.test(itemId)) throw promoErrors.error('ITEM_001');
      if (!bytes) throw promoErrors.error('PICTURE_002', 'No file part named "file"');
      const list = await pictures.add(me.id, itemId, bytes, 'upload', minShortSide());
      return reply.code(201).send(view(app.urlSigner, itemId, list));
    },
  );

  app.put(
    '/user/item/pictures/order',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: "Set the order a business's pictures appear in its video",
        body: Type.Object({ id: OwnId, item_id: ItemId, picture_ids: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }) }),
        response: { 200: Pictures },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      return view(app.urlSigner, request.body.item_id, pictures.reorder(me.id, request.body.item_id, request.body.picture_ids));
    },
  );

  app.delete(
    '/user/item/picture',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'Take a picture out of a business',
        body: Type.Object({ id: OwnId, item_id: ItemId, picture_id: Type.String({ maxLength: 64 }) }),
        response: { 200: Pictures },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      return view(app.urlSigner, request.body.item_id, await pictures.remove(me.id, request.body.item_id, request.body.picture_id));
    },
  );
}
