import { integer, real, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/** The one durable queue behind every long task (generation, compose, story, video, cover). */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /** Jobs of one lane run one after another (e.g. everything that needs the GPU). */
    lane: text('lane').notNull().default('default'),
    status: text('status', { enum: ['queued', 'processing', 'completed', 'failed', 'cancelled'] }).notNull(),
    progress: real('progress').notNull().default(0),
    stage: text('stage'),
    payload: text('payload', { mode: 'json' }).notNull(),
    result: text('result', { mode: 'json' }),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(2),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [index('jobs_status_lane_idx').on(t.status, t.lane, t.createdAt), index('jobs_owner_idx').on(t.ownerId)],
);
