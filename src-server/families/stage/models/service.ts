import { and, desc, eq, ne, or } from 'drizzle-orm';
import { loadSharp } from '../../../media/lazy';
import type { Db } from '../../../db/client';
import { stageModels, users } from '../../../db/schema';
import { FileTooLargeError, InvalidKeyError, assertValidKey, type FileStore } from '../../../storage/file-store';
import { fileStem } from '../../../storage/file-names';
import { iso } from '../../../db/time';
import type { Owner } from '../presets/service';
import { MiB, StreamHead } from '../../../storage/streams';
import { MODEL_HEAD_BYTES, sniffModel, verifyModel, type ModelFormat } from './sniff';
import { errors } from '../errors';

export type ModelRow = typeof stageModels.$inferSelect;

export const MODEL_MAX_BYTES = 100 * MiB;
export const THUMBNAIL_MAX_BYTES = 10 * MiB;
const THUMBNAIL_EDGE = 512;
const THUMBNAIL_INPUTS = new Set(['png', 'jpeg', 'webp']);

export const MODELS_PREFIX = 'models';
export const THUMBNAILS_PREFIX = 'thumbnails';

export interface ModelFields {
  modelName: string;
  filePath: string;
  fileSize: number | null;
  thumbnailPath: string | null;
}

export interface ReceivedModel {
  key: string;
  size: number;
  format: ModelFormat;
}

export const modelNotFound = () => errors.error('MODEL_NOT_FOUND', 'Model not found or access denied');
const duplicateName = () => errors.error('DUPLICATE_MODEL_NAME', 'Model name already exists for this user');
const notAModel = () =>
  errors.error('INVALID_FILE_TYPE', 'The model must be a glTF 2.0 (.glb or .gltf) or FBX (.fbx) file, recognised by its content');
const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE';

function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch (err) {
    if (err instanceof InvalidKeyError) return false;
    throw err;
  }
}

/**
 * Personal 3D models. `register` records metadata about a file kept anywhere (the spec's flow);
 * `upload` stores the file here under `models/<owner seq>/`, its thumbnail under `thumbnails/<owner seq>/`.
 * Only files under the owner's own folders are ever served or deleted, whatever a row's paths say.
 */
export class Model3dService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly now: () => number,
  ) {}

  list(ownerId: string): ModelRow[] {
    return this.db.select().from(stageModels).where(eq(stageModels.ownerId, ownerId)).orderBy(desc(stageModels.id)).all();
  }

  /** The caller's model; someone else's is as missing as one that never existed. */
  owned(id: number, ownerId: string): ModelRow {
    const row = this.db
      .select()
      .from(stageModels)
      .where(and(eq(stageModels.id, id), eq(stageModels.ownerId, ownerId)))
      .get();
    if (!row) throw modelNotFound();
    return row;
  }

  private nameTaken(ownerId: string, name: string, exceptId?: number): boolean {
    const conditions = [eq(stageModels.ownerId, ownerId), eq(stageModels.modelName, name)];
    if (exceptId !== undefined) conditions.push(ne(stageModels.id, exceptId));
    return (
      this.db
        .select({ id: stageModels.id })
        .from(stageModels)
        .where(and(...conditions))
        .get() !== undefined
    );
  }

  register(ownerId: string, fields: ModelFields): ModelRow {
    if (this.nameTaken(ownerId, fields.modelName)) throw duplicateName();
    const stamp = iso(this.now());
    try {
      return this.db
        .insert(stageModels)
        .values({ ownerId, ...fields, createdAt: stamp, updatedAt: stamp })
        .returning()
        .get();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateName();
      throw err;
    }
  }

  /** Changes the given fields; a stored file the row no longer names is deleted. */
  async update(id: number, owner: Owner, patch: Partial<ModelFields>): Promise<ModelRow> {
    const before = this.owned(id, owner.id);
    if (patch.modelName !== undefined && this.nameTaken(owner.id, patch.modelName, id)) throw duplicateName();
    let row: ModelRow;
    try {
      row = this.db
        .update(stageModels)
        .set({ ...patch, updatedAt: iso(this.now()) })
        .where(eq(stageModels.id, id))
        .returning()
        .get()!;
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateName();
      throw err;
    }
    await this.release(
      owner,
      [before.filePath, before.thumbnailPath].filter((key) => key !== row.filePath && key !== row.thumbnailPath),
    );
    return row;
  }

  async remove(id: number, owner: Owner): Promise<ModelRow> {
    const row = this.owned(id, owner.id);
    this.db.delete(stageModels).where(eq(stageModels.id, id)).run();
    await this.release(owner, [row.filePath, row.thumbnailPath]);
    return row;
  }

  /** The model of the account with stage number `ownerSeq`, and whether its file is stored here (so it can be served). */
  placed(ownerSeq: number, id: number): { row: ModelRow; stored: boolean } | null {
    const found = this.db
      .select({ row: stageModels, ownerId: users.id })
      .from(stageModels)
      .innerJoin(users, eq(users.id, stageModels.ownerId))
      .where(and(eq(stageModels.id, id), eq(users.seq, ownerSeq)))
      .get();
    if (!found) return null;
    return { row: found.row, stored: this.ownsKey({ id: found.ownerId, seq: ownerSeq }, found.row.filePath) };
  }

  /** A key this owner's uploads could have produced, so one the server may serve or delete for them. */
  ownsKey(owner: Owner, key: string | null, prefix: string = MODELS_PREFIX): key is string {
    return key !== null && key.startsWith(`${prefix}/${owner.seq}/`) && isValidKey(key);
  }

  /** Deletes the owner's stored files among `keys` that no model of theirs names any more. */
  private async release(owner: Owner, keys: (string | null)[]): Promise<void> {
    const stored = keys.filter((key): key is string => this.ownsKey(owner, key) || this.ownsKey(owner, key, THUMBNAILS_PREFIX));
    for (const key of stored) {
      const stillUsed = this.db
        .select({ id: stageModels.id })
        .from(stageModels)
        .where(and(eq(stageModels.ownerId, owner.id), or(eq(stageModels.filePath, key), eq(stageModels.thumbnailPath, key))))
        .get();
      if (!stillUsed) await this.storage.delete(key);
    }
  }

  /** Stores an uploaded model if its bytes are GLB, glTF or FBX. Throws and leaves nothing otherwise. */
  async receiveModel(owner: Owner, stream: AsyncIterable<Buffer>): Promise<ReceivedModel> {
    const head = new StreamHead(stream);
    const format = sniffModel(await head.fill(MODEL_HEAD_BYTES));
    if (!format) {
      await head.close();
      throw notAModel();
    }
    const key = `${MODELS_PREFIX}/${owner.seq}/${fileStem(this.now())}.${format}`;
    try {
      const { size } = await this.storage.put(key, head.all(), { maxBytes: MODEL_MAX_BYTES });
      if (!(await verifyModel(format, this.storage.absolutePath(key), size))) throw notAModel();
      return { key, size, format };
    } catch (err) {
      await this.storage.delete(key);
      if (err instanceof FileTooLargeError) throw errors.error('FILE_TOO_LARGE', `Model files may be at most ${MODEL_MAX_BYTES / MiB} MB`);
      throw err;
    }
  }

  /** A PNG, JPEG or WebP image, stored as a PNG no larger than 512 px on either side. */
  async receiveThumbnail(owner: Owner, image: Buffer): Promise<string> {
    const invalid = () => errors.error('INVALID_THUMBNAIL', 'The thumbnail must be a PNG, JPEG or WebP image');
    const sharp = await loadSharp();
    const format = await sharp(image)
      .metadata()
      .then((m) => m.format)
      .catch(() => null);
    if (!format || !THUMBNAIL_INPUTS.has(format)) throw invalid();
    const png = await sharp(image)
      .rotate()
      .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer()
      .catch(() => {
        throw invalid();
      });
    const key = `${THUMBNAILS_PREFIX}/${owner.seq}/${fileStem(this.now())}.png`;
    await this.storage.put(key, png);
    return key;
  }

  /** Records an uploaded model; the caller discards the files if this throws. */
  createUploaded(owner: Owner, modelName: string, model: ReceivedModel, thumbnailKey: string | null): ModelRow {
    return this.register(owner.id, { modelName, filePath: model.key, fileSize: model.size, thumbnailPath: thumbnailKey });
  }

  async discard(keys: (string | null)[]): Promise<void> {
    for (const key of keys) if (key) await this.storage.delete(key);
  }
}
