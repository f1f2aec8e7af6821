import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { requireUser } from '../../../plugins/app/auth';
import { assertOwnId, OwnId, security, tags } from '../http';
import type { ItemRow, ItemService } from './service';

const Item = Type.Object({
  item_id: Type.String(),
  name: Type.String(),
  address: Type.Union([Type.String(), Type.Null()]),
  url: Type.String(),
  phone_number: Type.Union([Type.String(), Type.Null()]),
  thumbnail_url: Type.Union([Type.String(), Type.Null()]),
  hashtags: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  category: Type.Union([Type.String(), Type.Null()]),
  hours: Type.Union([Type.String(), Type.Null()]),
  logo_url: Type.Union([Type.String(), Type.Null()]),
  colors: Type.Array(Type.String()),
  images: Type.Array(Type.String()),
});

const Done = Type.Object({ success: Type.Boolean(), item_id: Type.String() });
const ItemId = Type.String({ format: 'uuid' });
const Text = (max: number) => Type.String({ maxLength: max });

export const itemView = (r: ItemRow) => ({
  item_id: r.id,
  name: r.name,
  address: r.address,
  url: r.url,
  phone_number: r.phoneNumber,
  thumbnail_url: r.thumbnailUrl,
  hashtags: r.hashtags,
  description: r.description,
  category: r.category,
  hours: r.hours,
  logo_url: r.logoUrl,
  colors: r.colors,
  images: r.images,
});

/** `/user/items`, `/user/item/update`, `/user/item/delete`: the businesses found by the crawl. */
export async function itemRoutes(app: FamilyApp, items: ItemService): Promise<void> {
  app.post(
    '/user/items',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'List your businesses',
        body: Type.Object({ id: OwnId }),
        response: { 200: Type.Object({ total_count: Type.Integer(), items: Type.Array(Item) }) },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      const rows = items.list(me.id);
      return { total_count: rows.length, items: rows.map(itemView) };
    },
  );

  app.put(
    '/user/item/update',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'Edit a business before (re)making its video',
        body: Type.Object({
          id: OwnId,
          item_id: ItemId,
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
          address: Type.Optional(Text(200)),
          url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
          phone_number: Type.Optional(Type.String({ maxLength: 20, pattern: '^[0-9+\\- ()]*$' })),
          thumbnail_url: Type.Optional(Type.String({ maxLength: 2000 })),
          hashtags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 30 }), { maxItems: 20 })),
          description: Type.Optional(Text(1000)),
        }),
        response: { 200: Done },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      const b = request.body;
      const row = items.update(me.id, b.item_id, {
        name: b.name,
        address: b.address,
        url: b.url,
        phoneNumber: b.phone_number,
        thumbnailUrl: b.thumbnail_url,
        hashtags: b.hashtags,
        description: b.description,
      });
      return { success: true, item_id: row.id };
    },
  );

  app.delete(
    '/user/item/delete',
    {
      preHandler: requireUser({ cookie: true }),
      schema: { tags, security, summary: 'Delete a business', body: Type.Object({ id: OwnId, item_id: ItemId }), response: { 200: Done } },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      const pictures = items.get(me.id, request.body.item_id).pictures;
      items.delete(me.id, request.body.item_id);
      // Row first: a failure below leaves stray files, never a row pointing at missing ones.
      for (const p of pictures) await app.storage.delete(p.key).catch(() => false);
      return { success: true, item_id: request.body.item_id };
    },
  );
}
