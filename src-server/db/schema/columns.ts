import { integer, text } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/** The account a row belongs to, by UUID; the row goes with the account. */
export const ownedBy = <N extends string>(name: N) =>
  text(name)
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' });

/** A row's insertion order (`seq`, what lists and cursors sort by) and its public UUID (`id`). */
export const seqAndId = () => ({
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  id: text('id').notNull().unique(),
});
