import { integer, real, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { users } from './users';
import { JOB_STATUSES } from '../../../src-shared/events';

export { JOB_STATUSES };

/** The one durable queue behind every long task (generation, compose, story, video, cover). */
export const jobs = sqliteTable(
  'jobs',
  {
    // Queue order: a strictly increasing number, so jobs enqueued in the same millisecond keep
    // their order and a job re-queued after a restart keeps its place at the front.
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    /** Null for the app's own jobs (model downloads...); a deleted account takes its jobs along. */
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /** Jobs of one lane run one after another (e.g. everything that needs the GPU). */
    lane: text('lane').notNull().default('default'),
    status: text('status', { enum: JOB_STATUSES }).notNull(),
    progress: real('progress').notNull().default(0),
    stage: text('stage'),
    message: text('message'),
    payload: text('payload', { mode: 'json' }).notNull(),
    result: text('result', { mode: 'json' }),
    error: text('error'),
    errorCode: text('error_code'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(2),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    updatedAt: text('updated_at').notNull(),
    /** Sent by the machine's owner (on loopback) rather than a LAN peer: goes first while "owner first" is on. */
    fromOwner: integer('from_owner', { mode: 'boolean' }).notNull().default(true),
    /** Epoch ms when the owner moved this queued job to the front of its lane; null when never. */
    promotedAt: integer('promoted_at'),
  },
  (t) => [index('jobs_status_lane_idx').on(t.status, t.lane, t.seq), index('jobs_owner_idx').on(t.ownerId, t.seq)],
);
