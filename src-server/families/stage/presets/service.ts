import { and, desc, eq, ne, or } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { stageAccessoryPresets, users } from '../../../db/schema';
import { FileNotFoundError, type FileStore } from '../../../storage/file-store';
import { accessoryOf, type AccessoryItem } from './accessories';
import { fileStem } from '../../../storage/file-names';
import { iso } from '../../../db/time';
import { errors } from '../errors';

export type PresetRow = typeof stageAccessoryPresets.$inferSelect & { ownerSeq: number };

export interface Owner {
  id: string;
  seq: number;
}

export interface PresetInput {
  presetName: string;
  description: string | null;
  accessories: AccessoryItem[];
  isPublic: boolean;
}

export const PRESETS_PREFIX = 'presets/accessories';

const duplicateName = () => errors.error('DUPLICATE_PRESET_NAME', 'A preset with this name already exists');
const notFound = () => errors.error('PRESET_NOT_FOUND', 'Preset not found');
const denied = () => errors.error('ACCESS_DENIED', 'Access denied');

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE';

const columns = {
  id: stageAccessoryPresets.id,
  ownerId: stageAccessoryPresets.ownerId,
  presetName: stageAccessoryPresets.presetName,
  description: stageAccessoryPresets.description,
  filePath: stageAccessoryPresets.filePath,
  isPublic: stageAccessoryPresets.isPublic,
  createdAt: stageAccessoryPresets.createdAt,
  updatedAt: stageAccessoryPresets.updatedAt,
  ownerSeq: users.seq,
};

/**
 * Accessory presets: the row holds the name and flags, the accessories live in a JSON file under
 * `presets/accessories/<owner seq>/` (the spec's `file_path`). Names are unique per owner.
 */
export class PresetService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  private select() {
    return this.db.select(columns).from(stageAccessoryPresets).innerJoin(users, eq(users.id, stageAccessoryPresets.ownerId));
  }

  private nameTaken(ownerId: string, name: string, exceptId?: number): boolean {
    const conditions = [eq(stageAccessoryPresets.ownerId, ownerId), eq(stageAccessoryPresets.presetName, name)];
    if (exceptId !== undefined) conditions.push(ne(stageAccessoryPresets.id, exceptId));
    return (
      this.db
        .select({ id: stageAccessoryPresets.id })
        .from(stageAccessoryPresets)
        .where(and(...conditions))
        .get() !== undefined
    );
  }

  private write(key: string, accessories: AccessoryItem[]) {
    return this.storage.put(key, Buffer.from(JSON.stringify(accessories.map(accessoryOf))));
  }

  async save(owner: Owner, input: PresetInput): Promise<PresetRow> {
    if (this.nameTaken(owner.id, input.presetName)) throw duplicateName();
    const now = this.now();
    const key = `${PRESETS_PREFIX}/${owner.seq}/${fileStem(now)}.json`;
    await this.write(key, input.accessories);
    try {
      const { id } = this.db
        .insert(stageAccessoryPresets)
        .values({
          ownerId: owner.id,
          presetName: input.presetName,
          description: input.description,
          filePath: key,
          isPublic: input.isPublic,
          createdAt: iso(now),
          updatedAt: iso(now),
        })
        .returning({ id: stageAccessoryPresets.id })
        .get();
      return this.find(id)!;
    } catch (err) {
      await this.storage.delete(key);
      // Two saves of one name racing past nameTaken: the unique index decides.
      if (isUniqueViolation(err)) throw duplicateName();
      throw err;
    }
  }

  /** The caller's presets, and with `includePublic` everyone's public ones too; newest first. */
  list(ownerId: string, includePublic: boolean): PresetRow[] {
    const mine = eq(stageAccessoryPresets.ownerId, ownerId);
    return this.select()
      .where(includePublic ? or(mine, eq(stageAccessoryPresets.isPublic, true)) : mine)
      .orderBy(desc(stageAccessoryPresets.id))
      .all();
  }

  find(id: number): PresetRow | null {
    return this.select().where(eq(stageAccessoryPresets.id, id)).get() ?? null;
  }

  /** A preset the caller may read: their own or a public one. */
  readable(id: number, userId: string): PresetRow {
    const row = this.find(id);
    if (!row) throw notFound();
    if (row.ownerId !== userId && !row.isPublic) throw denied();
    return row;
  }

  /** A preset the caller may change: only their own, public or not. */
  editable(id: number, userId: string): PresetRow {
    const row = this.find(id);
    if (!row) throw notFound();
    if (row.ownerId !== userId) throw denied();
    return row;
  }

  async accessories(row: PresetRow): Promise<AccessoryItem[]> {
    try {
      return JSON.parse((await this.storage.get(row.filePath)).toString('utf8')) as AccessoryItem[];
    } catch (err) {
      if (err instanceof FileNotFoundError) throw errors.error('FILE_NOT_FOUND', 'Preset file not found on server');
      throw err;
    }
  }

  /** Changes the given fields; new accessories replace the JSON file in place, atomically. */
  async update(id: number, userId: string, patch: Partial<PresetInput>): Promise<PresetRow> {
    const row = this.editable(id, userId);
    if (patch.presetName !== undefined && this.nameTaken(userId, patch.presetName, id)) throw duplicateName();
    if (patch.accessories !== undefined) await this.write(row.filePath, patch.accessories);
    try {
      this.db
        .update(stageAccessoryPresets)
        .set({
          presetName: patch.presetName,
          description: patch.description,
          isPublic: patch.isPublic,
          updatedAt: iso(this.now()),
        })
        .where(eq(stageAccessoryPresets.id, id))
        .run();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateName();
      throw err;
    }
    return this.find(id)!;
  }

  async remove(id: number, userId: string): Promise<void> {
    const row = this.editable(id, userId);
    this.db.delete(stageAccessoryPresets).where(eq(stageAccessoryPresets.id, id)).run();
    await this.storage.delete(row.filePath);
  }
}
