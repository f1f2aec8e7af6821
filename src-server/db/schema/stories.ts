import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './users';
import { ownedBy } from './columns';

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
    ownerId: ownedBy('owner_id'),
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
  /** The parent's default age band, used when no age is known; absent on stories made before it. */
  ageBand?: '3-5' | '6-8' | '9-12' | null;
}

/** How a story's chapters were narrated: engine and device when a voice model spoke them, else the reason there is no audio. */
export interface StoryNarration {
  engine: string | null;
  device: string | null;
  voice: string | null;
  /** Why some or all chapters have no audio; null when every chapter was narrated. */
  reason: string | null;
}

/** One spoken sentence of a chapter's narration, in seconds from the start of its audio (for highlighting). */
export interface SpokenSentence {
  text: string;
  start: number;
  end: number;
}

export const storiesStories = sqliteTable(
  'stories_stories',
  {
    id: text('id').primaryKey(),
    ownerId: ownedBy('owner_id'),
    conversationId: text('conversation_id').references(() => storiesConversations.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    status: text('status', { enum: STORY_STATUSES }).notNull(),
    preferences: text('preferences', { mode: 'json' }).$type<StoryPreferences>().notNull(),
    /** Which engine wrote it, e.g. "atelier-storyteller (built-in templates)"; null until it starts. */
    engine: text('engine'),
    language: text('language', { enum: ['ko', 'en'] }),
    jobId: text('job_id'),
    /** Who reads it aloud: the voice engine and device, or why `audio` is null; null while pending. */
    narration: text('narration', { mode: 'json' }).$type<StoryNarration>(),
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
    audioSentences: text('audio_sentences', { mode: 'json' }).$type<SpokenSentence[]>(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('stories_chapters_story_number_idx').on(t.storyId, t.chapterNumber)],
);

/**
 * The parent's settings for the Stories area, one row per account: how long stories and voice data
 * are kept (null: until deleted by hand), the narrator voice, and the voice consent and match.
 */
export const storiesSettings = sqliteTable('stories_settings', {
  ownerId: text('owner_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  retentionDays: integer('retention_days'),
  /** A preset voice name of the installed narration model (e.g. "F1"); null: the model's first voice. */
  narratorVoice: text('narrator_voice'),
  /** When an adult ticked and spoke the consent line for voice samples; null: no consent, samples refused. */
  voiceConsentAt: text('voice_consent_at'),
  /** The preset voice closest to the parent's samples, with its cosine similarity; null until matched. */
  voiceMatch: text('voice_match', { mode: 'json' }).$type<{ voice: string; similarity: number; at: string }>(),
  /** Defaults for a story request that leaves them out; null: from the child's age (else 6-8), detected from the text, picture_book. */
  ageBand: text('age_band', { enum: ['3-5', '6-8', '9-12'] }),
  language: text('language', { enum: ['ko', 'en'] }),
  pictureStyle: text('picture_style', { enum: ['picture_book', 'watercolour', 'crayon'] }),
  updatedAt: text('updated_at').notNull(),
});
