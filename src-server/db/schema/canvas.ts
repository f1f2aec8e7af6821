import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users';
import { ownedBy, seqAndId } from './columns';
import { CREDIT_TRANSACTION_TYPES } from '../../../src-shared/api/canvas';

/**
 * The canvas family (spec 004): credits, generations, images and boards. Every row goes with its
 * account through the foreign keys; image files live under `canvas/<owner uuid>/` in the file store.
 */

/** One credit balance per account, created with the plan's first monthly grant. */
export const canvasCreditAccounts = sqliteTable('canvas_credit_accounts', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  balance: integer('balance').notNull(),
  /** The plan's next monthly grant is due at this instant (ISO 8601). */
  periodStart: text('period_start').notNull(),
  periodEnd: text('period_end').notNull(),
  updatedAt: text('updated_at').notNull(),
});

export { CREDIT_TRANSACTION_TYPES };

/** Every change of a balance, newest last; `balance_after` makes the history auditable. */
export const canvasCreditTransactions = sqliteTable(
  'canvas_credit_transactions',
  {
    ...seqAndId(),
    userId: ownedBy('user_id'),
    type: text('type', { enum: CREDIT_TRANSACTION_TYPES }).notNull(),
    amount: integer('amount').notNull(),
    description: text('description').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    jobId: text('job_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('canvas_credit_tx_user_idx').on(t.userId, t.seq)],
);

export const GENERATION_KINDS = ['text_to_image', 'image_to_image', 'inpaint', 'upscale'] as const;
export const RESERVATION_STATES = ['held', 'charged', 'refunded'] as const;

/**
 * What the canvas family knows about each generation job beyond the queue's row: its credit
 * reservation (held on enqueue, charged by compute time on completion, refunded otherwise) and
 * what usage statistics count. It is the usage history: no foreign key to jobs, so pruning
 * finished jobs (jobs/prune.ts) leaves credits and usage figures as they were.
 */
export const canvasGenerations = sqliteTable(
  'canvas_generations',
  {
    jobId: text('job_id').primaryKey(),
    userId: ownedBy('user_id'),
    kind: text('kind', { enum: GENERATION_KINDS }).notNull(),
    model: text('model').notNull(),
    /** Steps × megapixels × images: what compute time is proportional to, for estimates. */
    workUnits: real('work_units').notNull(),
    reserved: integer('reserved').notNull(),
    reservation: text('reservation', { enum: RESERVATION_STATES }).notNull(),
    creditsUsed: integer('credits_used').notNull().default(0),
    computeMs: integer('compute_ms'),
    imagesCreated: integer('images_created').notNull().default(0),
    /** Source and mask images the job reads, deleted once it ends. */
    inputKeys: text('input_keys', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: text('created_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [index('canvas_generations_user_idx').on(t.userId, t.createdAt)],
);

export const canvasImages = sqliteTable(
  'canvas_images',
  {
    ...seqAndId(),
    userId: ownedBy('user_id'),
    /** The job that made it; kept after the job row is gone. */
    jobId: text('job_id'),
    fileKey: text('file_key').notNull(),
    thumbnailKey: text('thumbnail_key').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    fileSize: integer('file_size').notNull(),
    thumbnailSize: integer('thumbnail_size').notNull(),
    mimeType: text('mime_type').notNull(),
    starred: integer('starred', { mode: 'boolean' }).notNull().default(false),
    shareToken: text('share_token').unique(),
    metadata: text('metadata', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('canvas_images_user_idx').on(t.userId, t.createdAt)],
);

export const canvasBoards = sqliteTable(
  'canvas_boards',
  {
    ...seqAndId(),
    userId: ownedBy('user_id'),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('canvas_boards_user_idx').on(t.userId)],
);

/** An image may sit on several boards; deleting either side removes the membership. */
export const canvasBoardImages = sqliteTable(
  'canvas_board_images',
  {
    boardId: text('board_id')
      .notNull()
      .references(() => canvasBoards.id, { onDelete: 'cascade' }),
    imageId: text('image_id')
      .notNull()
      .references(() => canvasImages.id, { onDelete: 'cascade' }),
    addedAt: text('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.boardId, t.imageId] }), index('canvas_board_images_image_idx').on(t.imageId)],
);

/** InvokeAI workflow JSON, stored exactly as the client gave it (`definition`). */
export const canvasWorkflows = sqliteTable(
  'canvas_workflows',
  {
    ...seqAndId(),
    userId: ownedBy('user_id'),
    name: text('name').notNull(),
    description: text('description'),
    definition: text('definition', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Bytes of `definition` as stored: what storage usage counts under `workflows`. */
    definitionSize: integer('definition_size').notNull(),
    isPublic: integer('is_public', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('canvas_workflows_user_idx').on(t.userId, t.seq)],
);

export const SUBSCRIPTION_STATUSES = ['active', 'cancelling', 'cancelled', 'past_due', 'expired'] as const;
export const BILLING_CYCLES = ['monthly', 'yearly'] as const;

/**
 * An account's paid plan, as Lemon Squeezy last told us (webhooks) or as an upgrade set it.
 * Free accounts have no row; `users.tier` is the plan every limit reads.
 */
export const canvasSubscriptions = sqliteTable('canvas_subscriptions', {
  id: text('id').primaryKey(),
  userId: text('user_id')
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: 'cascade' }),
  plan: text('plan').notNull(),
  status: text('status', { enum: SUBSCRIPTION_STATUSES }).notNull(),
  billingCycle: text('billing_cycle', { enum: BILLING_CYCLES }).notNull(),
  currentPeriodStart: text('current_period_start').notNull(),
  currentPeriodEnd: text('current_period_end').notNull(),
  cancelAtPeriodEnd: integer('cancel_at_period_end', { mode: 'boolean' }).notNull().default(false),
  cancelReason: text('cancel_reason'),
  cancelFeedback: text('cancel_feedback'),
  /** Lemon Squeezy's subscription id, once a webhook named one. */
  providerSubscriptionId: text('provider_subscription_id').unique(),
  providerCustomerId: text('provider_customer_id'),
  paymentMethod: text('payment_method', { mode: 'json' }).$type<{ type: string; last_four: string | null; brand: string | null } | null>(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/**
 * Every webhook event applied, keyed by what makes it unique (event name + object id + its
 * updated_at, or the delivery id when the sender gives one), so a redelivery changes nothing.
 */
export const canvasWebhookEvents = sqliteTable('canvas_webhook_events', {
  eventKey: text('event_key').primaryKey(),
  eventName: text('event_name').notNull(),
  userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
  receivedAt: text('received_at').notNull(),
});
