import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Installation-wide preferences (LAN sharing and the like), one JSON value per key. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updatedAt: text('updated_at').notNull(),
});
