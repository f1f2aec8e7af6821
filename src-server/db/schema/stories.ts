import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/**
 * The stories family (spec 002): conversations held with a child over the audio WebSocket, the
 * stories written from them and their chapters. Ids are UUIDs as the spec says; every row goes
 * with its account. Chapter pictures and narration live under `stories/<owner uuid>/` in the file store.
 */

export const CONVERSATION_STATUSES = ['open', 'ended'] as const;

/** One turn of a conversation; `flagged` turns were blocked by the safety filter and are stored masked. */
export interface ConversationTurn {
  role: 'child' | 'partner';
  text: string;
  at: string;
  flagged?: boolean;
}

/** What the conversational partner has learned so far; null until the child said it. */
export interface StoryElements {
  hero: string | null;
  place: string | null;
  friend: string | null;
  problem: string | null;
}

export const storiesConversations = sqliteTable(
  'stories_conversations',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    childName: text('child_name').notNull(),
    age: integer('age'),
    interests: text('interests', { mode: 'json' }).$type<string[]>().notNull(),
    language: text('language', { enum: ['ko', 'en'] }).notNull(),
    turns: text('turns', { mode: 'json' }).$type<ConversationTurn[]>().notNull(),
    elements: text('elements', { mode: 'json' }).$type<StoryElements>().notNull(),
    status: text('status', { enum: CONVERSATION_STATUSES }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('stories_conversations_owner_idx').on(t.ownerId)],
);

export const STORY_STATUSES = ['pending', 'in_progress', 'completed', 'failed'] as const;
export type StoryStatus = (typeof STORY_STATUSES)[number];

/** The parent's choices for one story, as POST /stories received them (defaults filled in). */
export interface StoryPreferences {
  theme: string | null;
  characters: string[];
  length: 'short' | 'medium' | 'long';
  language: 'ko' | 'en' | null;
  age: number | null;
  /** How chapter pictures are drawn when an image model is installed; absent on stories made before pictures. */
  pictureStyle?: 'picture_book' | 'watercolour' | 'crayon';
}

export const storiesStories = sqliteTable(
  'stories_stories',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: text('conversation_id').references(() => storiesConversations.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    status: text('status', { enum: STORY_STATUSES }).notNull(),
    preferences: text('preferences', { mode: 'json' }).$type<StoryPreferences>().notNull(),
    /** Which engine wrote it, e.g. "atelier-storyteller (built-in templates)"; null until it starts. */
    engine: text('engine'),
    language: text('language', { enum: ['ko', 'en'] }),
    jobId: text('job_id'),
    failCode: text('fail_code'),
    failReason: text('fail_reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('stories_stories_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('stories_stories_owner_updated_idx').on(t.ownerId, t.updatedAt, t.id),
    index('stories_stories_owner_title_idx').on(t.ownerId, t.title, t.id),
  ],
);

export const storiesChapters = sqliteTable(
  'stories_chapters',
  {
    id: text('id').primaryKey(),
    storyId: text('story_id')
      .notNull()
      .references(() => storiesStories.id, { onDelete: 'cascade' }),
    chapterNumber: integer('chapter_number').notNull(),
    title: text('title').notNull(),
    content: text('content').notNull(),
    imageKey: text('image_key'),
    audioKey: text('audio_key'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('stories_chapters_story_number_idx').on(t.storyId, t.chapterNumber)],
);
