import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { ownedBy } from './columns';
import type { Arrangement } from '../../../src-shared/api/arrangement';

/**
 * The studio family (spec 000): workrooms ("작업실"), their recorded tracks and the finished songs.
 * Ids are integers because the spec numbers them in paths; owners are users by UUID and every
 * row goes with the account. Files live under `studio/<owner uuid>/` in the file store.
 */

export const studioStudios = sqliteTable(
  'studio_studios',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerId: ownedBy('owner_id'),
    name: text('name').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('studio_studios_owner_idx').on(t.ownerId)],
);

export const TRACK_STATUSES = ['pending', 'ready', 'failed'] as const;

/**
 * One recorded take: the converted (instrument) audio and the raw recording it came from. It is
 * `pending` from its creation until both files arrived through their signed URLs and were checked.
 */
export const studioTracks = sqliteTable(
  'studio_tracks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    studioId: integer('studio_id')
      .notNull()
      .references(() => studioStudios.id, { onDelete: 'cascade' }),
    ownerId: ownedBy('owner_id'),
    name: text('name').notNull(),
    instrument: text('instrument').notNull(),
    /** 1 = first; kept contiguous per studio. */
    position: integer('position').notNull(),
    status: text('status', { enum: TRACK_STATUSES }).notNull(),
    failCode: text('fail_code'),
    failReason: text('fail_reason'),
    /** Where the client uploads the converted audio while pending; where it is kept once ready. */
    trackKey: text('track_key').notNull(),
    recordKey: text('record_key').notNull(),
    trackFormat: text('track_format'),
    recordFormat: text('record_format'),
    trackSize: integer('track_size'),
    recordSize: integer('record_size'),
    /** Seconds of the converted audio, when its container says. */
    duration: real('duration'),
    /** Epoch ms after which the signed upload URLs no longer work. */
    uploadExpiresAt: integer('upload_expires_at').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('studio_tracks_studio_idx').on(t.studioId, t.position), index('studio_tracks_owner_idx').on(t.ownerId)],
);

export const SONG_SOURCES = ['basic', 'ai', 'mix'] as const;

/** A finished song. It outlives its studio (studio_id becomes null) so the user's page keeps it. */
export const studioSongs = sqliteTable(
  'studio_songs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerId: ownedBy('owner_id'),
    studioId: integer('studio_id').references(() => studioStudios.id, { onDelete: 'set null' }),
    /** The basic song an AI song was composed from. */
    basicSongId: integer('basic_song_id'),
    title: text('title').notNull(),
    genre: text('genre'),
    mood: text('mood'),
    instruments: text('instruments', { mode: 'json' }).$type<string[]>().notNull(),
    source: text('source', { enum: SONG_SOURCES }).notNull(),
    aiUsed: integer('ai_used', { mode: 'boolean' }).notNull(),
    fileKey: text('file_key').notNull().unique(),
    format: text('format').notNull(),
    size: integer('size').notNull(),
    duration: real('duration'),
    coverKey: text('cover_key'),
    /** Opaque token of the public share link; null while the song is not shared. */
    shareToken: text('share_token').unique(),
    /** How often the public share page was opened. */
    viewCount: integer('view_count').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('studio_songs_owner_idx').on(t.ownerId, t.id), index('studio_songs_studio_idx').on(t.studioId)],
);

/**
 * A studio's arrangement (lanes of clips over its tracks, with their mixer) as one JSON document,
 * versioned for optimistic writes, with the undo and redo stacks of earlier documents so a reload
 * keeps the session's history. No row: the arrangement derived from the tracks, version 0.
 */
export const studioArrangements = sqliteTable('studio_arrangements', {
  studioId: integer('studio_id')
    .primaryKey()
    .references(() => studioStudios.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  doc: text('doc', { mode: 'json' }).$type<Arrangement>().notNull(),
  /** Earlier documents, newest last, each with what the change after it did. */
  undo: text('undo', { mode: 'json' }).$type<ArrangementStep[]>().notNull(),
  /** Undone documents, newest last. */
  redo: text('redo', { mode: 'json' }).$type<ArrangementStep[]>().notNull(),
  updatedAt: text('updated_at').notNull(),
});

export interface ArrangementStep {
  doc: Arrangement;
  label: string;
}
