import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { ownedBy } from './columns';

export interface PromoPicture {
  id: string;
  /** File-store key of the JPEG. */
  key: string;
  source: 'site' | 'upload' | 'generated';
  /** SHA-256 of the stored bytes: what the render cache keys the cropped frame on. */
  sha256: string;
}

/**
 * The promo family (spec 001): the businesses a user turned into videos, the workflow runs and the
 * finished videos. Rows go with their account; video files live under `promo/<owner uuid>/`.
 */

/** A business found by the crawl (or edited by its owner), the "item" of `/user/items`. */
export const promoItems = sqliteTable(
  'promo_items',
  {
    id: text('id').primaryKey(),
    userId: ownedBy('user_id'),
    name: text('name').notNull(),
    address: text('address'),
    url: text('url').notNull(),
    phoneNumber: text('phone_number'),
    thumbnailUrl: text('thumbnail_url'),
    hashtags: text('hashtags', { mode: 'json' }).$type<string[]>().notNull(),
    description: text('description'),
    /** schema.org type or a word from the keywords ("CafeOrCoffeeShop", "cafe"). */
    category: text('category'),
    hours: text('hours'),
    logoUrl: text('logo_url'),
    colors: text('colors', { mode: 'json' }).$type<string[]>().notNull(),
    /** Picture addresses found on the site, best first. */
    images: text('images', { mode: 'json' }).$type<string[]>().notNull(),
    /** The pictures the video uses, in the user's order: the site's, uploads and generated ones, kept in the file store. */
    pictures: text('pictures', { mode: 'json' })
      .$type<PromoPicture[]>()
      .notNull()
      .default(sql`'[]'`),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('promo_items_user_idx').on(t.userId, t.createdAt)],
);

/** One run of the six-stage workflow; its id is the job's id (the spec's `task_id`). */
export const promoTasks = sqliteTable('promo_tasks', {
  id: text('id').primaryKey(),
  userId: ownedBy('user_id'),
  url: text('url').notNull(),
  itemId: text('item_id'),
  aspect: text('aspect').notNull(),
  language: text('language').notNull(),
  metadata: integer('metadata', { mode: 'boolean' }).notNull().default(false),
  lyrics: integer('lyrics', { mode: 'boolean' }).notNull().default(false),
  songs: integer('songs', { mode: 'boolean' }).notNull().default(false),
  images: integer('images', { mode: 'boolean' }).notNull().default(false),
  movies: integer('movies', { mode: 'boolean' }).notNull().default(false),
  combined: integer('combined', { mode: 'boolean' }).notNull().default(false),
  /** The lyric sheet the song and captions were made from (JSON), for the UI to show. */
  lyricsText: text('lyrics_text'),
  /** A caption preset name (video/captions.ts). */
  captionStyle: text('caption_style').notNull().default('classic'),
  videoId: text('video_id'),
  createdAt: text('created_at').notNull(),
});

/** A finished video; `filename` is unique and is the path segment of `GET /user/video/{filename}`. */
export const promoVideos = sqliteTable(
  'promo_videos',
  {
    id: text('id').primaryKey(),
    userId: ownedBy('user_id'),
    itemId: text('item_id'),
    taskId: text('task_id'),
    title: text('title').notNull(),
    description: text('description'),
    filename: text('filename').notNull().unique(),
    /** File-store keys of the MP4 and its JPEG thumbnail. */
    fileKey: text('file_key').notNull(),
    thumbnailKey: text('thumbnail_key'),
    resolution: text('resolution').notNull(),
    /** The H.264 encoder that made it (h264_nvenc, h264_qsv, h264_videotoolbox, h264_vaapi or libx264). */
    encoder: text('encoder').notNull().default('libx264'),
    durationSec: real('duration_sec').notNull(),
    status: text('status').notNull(),
    isUploaded: integer('is_uploaded', { mode: 'boolean' }).notNull().default(false),
    downloadCount: integer('download_count').notNull().default(0),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('promo_videos_user_idx').on(t.userId, t.createdAt)],
);

/**
 * An outside sign-in (Google; later Discord) linked to one Atelier account. Shared by every family
 * that signs in through a provider; it lives here because promo's Google sign-in came first.
 */
export const oauthIdentities = sqliteTable(
  'oauth_identities',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: ownedBy('user_id'),
    email: text('email'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('oauth_identities_user_idx').on(t.userId)],
);
