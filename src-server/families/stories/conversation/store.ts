import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { storiesConversations, type ConversationTurn, type StoryElements } from '../../../db/schema';
import type { Language } from '../engines/types';

export type ConversationRow = typeof storiesConversations.$inferSelect;

export const EMPTY_ELEMENTS: StoryElements = { hero: null, place: null, friend: null, problem: null };

/** Conversations held over the audio WebSocket, stored turn by turn so a dropped client can resume. */
export class ConversationStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  create(ownerId: string, fields: { childName: string; age: number | null; interests: string[]; language: Language }): ConversationRow {
    const at = new Date(this.now()).toISOString();
    const row: ConversationRow = {
      id: crypto.randomUUID(),
      ownerId,
      childName: fields.childName,
      age: fields.age,
      interests: fields.interests,
      language: fields.language,
      turns: [],
      elements: EMPTY_ELEMENTS,
      status: 'open',
      createdAt: at,
      updatedAt: at,
    };
    this.db.insert(storiesConversations).values(row).run();
    return row;
  }

  get(id: string): ConversationRow | null {
    return this.db.select().from(storiesConversations).where(eq(storiesConversations.id, id)).get() ?? null;
  }

  /** Appends turns and the elements learned, in one write. */
  record(id: string, turns: Omit<ConversationTurn, 'at'>[], elements: StoryElements): ConversationRow {
    const row = this.get(id);
    if (!row) throw new Error(`conversation ${id} is gone`);
    const at = new Date(this.now()).toISOString();
    const next = { turns: [...row.turns, ...turns.map((t) => ({ ...t, at }))], elements, updatedAt: at };
    this.db.update(storiesConversations).set(next).where(eq(storiesConversations.id, id)).run();
    return { ...row, ...next };
  }

  end(id: string): ConversationRow | null {
    const at = new Date(this.now()).toISOString();
    this.db.update(storiesConversations).set({ status: 'ended', updatedAt: at }).where(eq(storiesConversations.id, id)).run();
    return this.get(id);
  }
}
