import fsp from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { users } from '../../../db/schema';
import type { FileStore } from '../../../storage/file-store';
import type { AudioService } from '../audio/service';
import { MODELS_PREFIX, THUMBNAILS_PREFIX } from '../models/service';
import { PRESETS_PREFIX } from '../presets/service';

/** Per-owner folders, named after the owner's stage user number. */
const OWNER_FOLDERS = [PRESETS_PREFIX, MODELS_PREFIX, THUMBNAILS_PREFIX];

async function namesUnder(storage: FileStore, prefix: string): Promise<string[]> {
  try {
    return await fsp.readdir(storage.absolutePath(prefix));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Removes the stage files of accounts that are gone. Their rows went with the account through the
 * foreign keys, and the deletion hook only gets a UUID, so the files are found by what no longer
 * exists: owner folders of user numbers nobody has (numbers are never reused), and library
 * files no row names and no upload is writing.
 */
export async function removeOrphanedFiles(db: Db, storage: FileStore, audio: AudioService): Promise<void> {
  for (const prefix of OWNER_FOLDERS) {
    for (const name of await namesUnder(storage, prefix)) {
      const seq = /^\d+$/.test(name) ? Number(name) : NaN;
      const owner = Number.isSafeInteger(seq) ? db.select({ seq: users.seq }).from(users).where(eq(users.seq, seq)).get() : undefined;
      if (!owner) await storage.deletePrefix(`${prefix}/${name}`);
    }
  }
  for (const name of await namesUnder(storage, 'audio')) {
    const key = `audio/${name}`;
    if (audio.isOrphan(key)) await storage.delete(key);
  }
}
