import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ownedBy } from './columns';

/**
 * The stage family (spec 003): the installation's shared audio library, avatar accessory presets,
 * personal 3D models and LAN concerts. Ids are integers because the spec numbers them; owners are
 * users by UUID, and their rows go with the account.
 */

export const stageAudioFiles = sqliteTable(
  'stage_audio_files',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    artist: text('artist'),
    /** Storage key, e.g. `audio/1795416092714-k3j9x0a2b.mp3`. */
    filePath: text('file_path').notNull().unique(),
    fileSize: integer('file_size').notNull(),
    /** Seconds: the uploader's value, else read from the file; null when neither says. */
    duration: real('duration'),
    format: text('format', { enum: ['mp3', 'aac', 'm4a', 'wav'] }).notNull(),
    uploadedBy: ownedBy('uploaded_by'),
    /** The studio song (studio_songs.id) this file was copied from, so the song is added once. */
    fromSongId: integer('from_song_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('stage_audio_files_uploaded_by_idx').on(t.uploadedBy), index('stage_audio_files_from_song_idx').on(t.fromSongId)],
);

export const stageAccessoryPresets = sqliteTable(
  'stage_accessory_presets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerId: ownedBy('owner_id'),
    presetName: text('preset_name').notNull(),
    description: text('description'),
    /** The accessories live in this JSON file, not in the row: `presets/accessories/<seq>/<ts>-<rand>.json`. */
    filePath: text('file_path').notNull(),
    isPublic: integer('is_public', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('stage_accessory_presets_owner_name_unique').on(t.ownerId, t.presetName),
    index('stage_accessory_presets_public_idx').on(t.isPublic),
  ],
);

export const stageModels = sqliteTable(
  'stage_models',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ownerId: ownedBy('owner_id'),
    modelName: text('model_name').notNull(),
    /** A key in the file store for uploads (`models/<seq>/...`); whatever the client registered otherwise. */
    filePath: text('file_path').notNull(),
    fileSize: integer('file_size'),
    thumbnailPath: text('thumbnail_path'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('stage_models_owner_name_unique').on(t.ownerId, t.modelName)],
);

/**
 * A concert room. It lived in Redis with a TTL in the original server; here it is a row with an
 * absolute expiry, so rooms survive a restart and still lapse on time.
 */
export const stageConcerts = sqliteTable(
  'stage_concerts',
  {
    roomId: text('room_id').primaryKey(),
    ownerId: ownedBy('owner_id'),
    concertName: text('concert_name').notNull(),
    /** `[{songNum, audioId, streamUrl, stageDirectionId}]`, ordered by songNum. */
    songs: text('songs', { mode: 'json' }).notNull(),
    accessories: text('accessories', { mode: 'json' }).notNull(),
    maxAudience: integer('max_audience').notNull(),
    currentSong: integer('current_song'),
    isOpen: integer('is_open', { mode: 'boolean' }).notNull().default(false),
    listenServer: text('listen_server', { mode: 'json' }),
    /** Server epoch ms when the current song started; what the realtime layer syncs playback to. */
    songStartedAt: integer('song_started_at'),
    /** Ms into the current song where the studio paused it; null while it plays. */
    pausedPositionMs: integer('paused_position_ms'),
    /** Listeners' song requests waiting for the studio: `[{requestId, audioId, userId, name, at}]`. */
    requests: text('requests', { mode: 'json' })
      .notNull()
      .default(sql`'[]'`),
    /** Seconds of inactivity before the room lapses. */
    ttlSeconds: integer('ttl_seconds').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    /** Whether people may join with a display name only (a guest pass); off: listeners need an account here. */
    allowGuests: integer('allow_guests', { mode: 'boolean' }).notNull().default(true),
    /** A short code people type to find the room (`K7M2QX`); unique among live rooms. */
    joinCode: text('join_code').unique(),
    /**
     * The studio's 3D model listeners see on the stage (Atelier's addition); null: no stage is shown.
     * No foreign key: deleting the model must not fail, and a model that is gone shows no stage.
     */
    stageModelId: integer('stage_model_id'),
  },
  (t) => [index('stage_concerts_expires_idx').on(t.expiresAt), index('stage_concerts_owner_idx').on(t.ownerId)],
);

/**
 * A listener who joined one concert with a display name only: no account, no session. The pass
 * (stored as its SHA-256) opens that room's socket and nothing else; it goes with the room.
 */
export const stageConcertGuests = sqliteTable(
  'stage_concert_guests',
  {
    /** The guest's number; the audience lists guests as its negative, so it never meets a user's. */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    passHash: text('pass_hash').notNull().unique(),
    roomId: text('room_id')
      .notNull()
      .references(() => stageConcerts.roomId, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Epoch ms while the guest holds a seat; null when not seated. */
    seatedAt: integer('seated_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('stage_concert_guests_room_idx').on(t.roomId)],
);

/** Clients the studio's listen server registered in a room. */
export const stageConcertAudience = sqliteTable(
  'stage_concert_audience',
  {
    roomId: text('room_id')
      .notNull()
      .references(() => stageConcerts.roomId, { onDelete: 'cascade' }),
    userId: ownedBy('user_id'),
    joinedAt: integer('joined_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index('stage_concert_audience_user_idx').on(t.userId)],
);
