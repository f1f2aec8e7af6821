import crypto from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { promoItems } from '../../../db/schema';
import { promoErrors } from '../errors';

export type ItemRow = typeof promoItems.$inferSelect;

/** What the crawl found about a business, before it is stored. */
export interface BusinessFacts {
  name: string;
  url: string;
  address: string | null;
  phoneNumber: string | null;
  description: string | null;
  category: string | null;
  hours: string | null;
  hashtags: string[];
  logoUrl: string | null;
  colors: string[];
  images: string[];
}

export interface ItemEdit {
  name?: string;
  address?: string;
  url?: string;
  phoneNumber?: string;
  thumbnailUrl?: string;
  hashtags?: string[];
  description?: string;
}

/** The businesses of `/user/items`: one row per crawled (then possibly edited) site. */
export class ItemService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  list(userId: string): ItemRow[] {
    return this.db.select().from(promoItems).where(eq(promoItems.userId, userId)).orderBy(desc(promoItems.createdAt)).all();
  }

  /** The caller's own item; another account's id answers exactly like one that does not exist. */
  get(userId: string, itemId: string): ItemRow {
    const row = this.db
      .select()
      .from(promoItems)
      .where(and(eq(promoItems.id, itemId), eq(promoItems.userId, userId)))
      .get();
    if (!row) throw promoErrors.error('ITEM_001');
    return row;
  }

  create(userId: string, facts: BusinessFacts): ItemRow {
    const stamp = new Date(this.now()).toISOString();
    return this.db
      .insert(promoItems)
      .values({
        id: crypto.randomUUID(),
        userId,
        name: facts.name,
        url: facts.url,
        address: facts.address,
        phoneNumber: facts.phoneNumber,
        description: facts.description,
        category: facts.category,
        hours: facts.hours,
        hashtags: facts.hashtags,
        logoUrl: facts.logoUrl,
        colors: facts.colors,
        images: facts.images,
        thumbnailUrl: facts.images[0] ?? facts.logoUrl,
        createdAt: stamp,
        updatedAt: stamp,
      })
      .returning()
      .get();
  }

  update(userId: string, itemId: string, edit: ItemEdit): ItemRow {
    this.get(userId, itemId);
    return this.db
      .update(promoItems)
      .set({ ...edit, updatedAt: new Date(this.now()).toISOString() })
      .where(eq(promoItems.id, itemId))
      .returning()
      .get()!;
  }

  delete(userId: string, itemId: string): void {
    this.get(userId, itemId);
    this.db.delete(promoItems).where(eq(promoItems.id, itemId)).run();
  }
}
