import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { form } from '../helpers/bodies';
import { joinPromo, type PromoUser } from './helpers';
import { ItemService } from '../../src-server/families/promo/items/service';

let t: TestApp;
let me: PromoUser;
let other: PromoUser;
let itemId: string;

const jpeg = (w: number, h: number, colour: string) =>
  sharp({ create: { width: w, height: h, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();

beforeAll(async () => {
  t = await makeTestApp();
  me = await joinPromo(t.app);
  other = await joinPromo(t.app, '김철수');
  // A business as the crawl would have left it.
  itemId = new ItemService(t.app.db, Date.now).create(me.id, {
    name: '카페 블루문',
    url: 'https://bluemoon.example/',
    address: null,
    phoneNumber: null,
    description: null,
    category: null,
    hours: null,
    hashtags: [],
    logoUrl: null,
    colors: [],
    images: [],
  }).id;
});
afterAll(async () => t.close());

const upload = (who: PromoUser, file: Buffer, item = itemId) => {
  const body = form([
    { name: 'id', value: who.id },
    { name: 'item_id', value: item },
    { name: 'file', filename: 'shop.jpg', content: file, type: 'image/jpeg' },
  ]);
  return t.app.inject({ method: 'POST', url: '/user/item/picture/upload', payload: body.payload, headers: body.headers, ...who.as });
};

describe("a business's pictures", () => {
  it('takes uploads in order, refuses what the video cannot use, reorders and removes', async () => {
    const red = await upload(me, await jpeg(1280, 720, '#c00000'));
    expect(red.statusCode).toBe(201);
    const blue = await upload(me, await jpeg(720, 1280, '#0000c0'));
    const list = blue.json().pictures as { picture_id: string; source: string; url: string }[];
    expect(list.map((p) => p.source)).toEqual(['upload', 'upload']);

    // The stored picture is what was sent, re-encoded, behind a signed link an <img> can load.
    const shown = await t.app.inject({ url: list[0]!.url });
    expect(shown.statusCode).toBe(200);
    expect((await sharp(shown.rawPayload).metadata()).width).toBe(1280);

    const small = await upload(me, await jpeg(300, 200, '#000000'));
    expect(small.statusCode).toBe(422);
    expect(small.json()).toEqual({ error_code: 'PICTURE_002', error_message: expect.stringContaining('300×200 is too small') });
    expect((await upload(me, Buffer.from('not a picture'))).json().error_code).toBe('PICTURE_002');
    // Someone else's business answers like one that does not exist.
    expect((await upload(other, await jpeg(1280, 720, '#00c000'))).json().error_code).toBe('ITEM_001');

    const order = (ids: string[]) =>
      t.app.inject({
        method: 'PUT',
        url: '/user/item/pictures/order',
        payload: { id: me.id, item_id: itemId, picture_ids: ids },
        ...me.as,
      });
    const ids = list.map((p) => p.picture_id);
    const reordered = await order([ids[1]!, ids[0]!]);
    expect(reordered.json().pictures.map((p: { picture_id: string }) => p.picture_id)).toEqual([ids[1], ids[0]]);
    const wrong = await order([ids[1]!]);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error_code).toBe('PICTURE_003');
    expect((await order([ids[0]!, ids[0]!])).json().error_code).toBe('PICTURE_003');

    const removed = await t.app.inject({
      method: 'DELETE',
      url: '/user/item/picture',
      payload: { id: me.id, item_id: itemId, picture_id: ids[1] },
      ...me.as,
    });
    expect(removed.json().pictures.map((p: { picture_id: string }) => p.picture_id)).toEqual([ids[0]]);
    expect(await t.app.storage.exists(`promo/${me.id}/pictures/${ids[1]}.jpg`)).toBe(false);

    // Deleting the business takes its pictures' files with it.
    await t.app.inject({ method: 'DELETE', url: '/user/item/delete', payload: { id: me.id, item_id: itemId }, ...me.as });
    expect(await t.app.storage.exists(`promo/${me.id}/pictures/${ids[0]}.jpg`)).toBe(false);
  });
});
