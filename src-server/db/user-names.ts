import { inArray } from 'drizzle-orm';
import type { Db } from './client';
import { users } from './schema';

/** The display names of these accounts, by id, in one query (the queue views name whose job is ahead). */
export function userNames(db: Db, ids: string[]): Map<string, string> {
  if (ids.length === 0) return new Map();
  const rows = db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids)).all();
  return new Map(rows.map((u) => [u.id, u.name]));
}
