import crypto from 'node:crypto';
import { count, desc, eq, or } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { canvasWorkflows } from '../../../db/schema';
import type { UserRow } from '../../../auth/service';
import { iso } from '../../../db/time';
import { notFound, notYours, errors } from '../errors';
import type { ImageService } from '../images/service';
import { storageQuotaBytes, tierOf } from '../plans/tiers';
import { usedBytes } from '../storage/usage';

export type WorkflowRow = typeof canvasWorkflows.$inferSelect;

/** Largest workflow definition stored: InvokeAI's own graphs are tens of KB. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

export interface NewWorkflow {
  name: string;
  description: string | null;
  definition: Record<string, unknown>;
  isPublic: boolean;
}

/** Saved InvokeAI workflows: an account's own, and others' that their owners made public. */
export class WorkflowService {
  constructor(
    private readonly db: Db,
    private readonly images: ImageService,
    private readonly now: () => number,
  ) {}

  /** The bytes a definition takes as stored; refused past MAX_DEFINITION_BYTES. */
  static sizeOf(definition: Record<string, unknown>): number {
    const bytes = Buffer.byteLength(JSON.stringify(definition));
    if (bytes > MAX_DEFINITION_BYTES) {
      throw errors.error(
        'PAYLOAD_TOO_LARGE',
        `The workflow definition is ${bytes} bytes; at most ${MAX_DEFINITION_BYTES} (1 MiB) is stored`,
        { field: 'definition', bytes, max_bytes: MAX_DEFINITION_BYTES },
      );
    }
    return bytes;
  }

  /** Workflows count against the plan's storage like images do. */
  private checkQuota(user: UserRow, addBytes: number): void {
    if (addBytes <= 0) return;
    const used = usedBytes(this.images.usage(user.id));
    const quota = storageQuotaBytes(tierOf(user.tier));
    if (used + addBytes > quota) {
      throw errors.error('STORAGE_EXCEEDED', 'Your storage is full; delete images or workflows to make room', {
        used_bytes: used,
        quota_bytes: quota,
        required_bytes: addBytes,
      });
    }
  }

  create(user: UserRow, w: NewWorkflow): WorkflowRow {
    const size = WorkflowService.sizeOf(w.definition);
    this.checkQuota(user, size);
    const stamp = iso(this.now());
    return this.db
      .insert(canvasWorkflows)
      .values({
        id: crypto.randomUUID(),
        userId: user.id,
        name: w.name,
        description: w.description,
        definition: w.definition,
        definitionSize: size,
        isPublic: w.isPublic,
        createdAt: stamp,
        updatedAt: stamp,
      })
      .returning()
      .get();
  }

  find(id: string): WorkflowRow | null {
    return this.db.select().from(canvasWorkflows).where(eq(canvasWorkflows.id, id.toLowerCase())).get() ?? null;
  }

  /** One the caller may read or run: its own or a public one; 404 when missing, 403 when private to another account (as images answer). */
  visible(userId: string, id: string): WorkflowRow {
    const row = this.find(id);
    if (!row) throw notFound('Workflow');
    if (row.userId !== userId && !row.isPublic) throw notYours('workflow');
    return row;
  }

  /** One the caller may change or delete: its own only. */
  owned(userId: string, id: string): WorkflowRow {
    const row = this.find(id);
    if (!row) throw notFound('Workflow');
    if (row.userId !== userId) throw notYours('workflow');
    return row;
  }

  /** The caller's workflows and others' public ones (or only the caller's), newest first. */
  list(userId: string, o: { mineOnly: boolean; limit: number; offset: number }): { rows: WorkflowRow[]; total: number } {
    const where = o.mineOnly
      ? eq(canvasWorkflows.userId, userId)
      : or(eq(canvasWorkflows.userId, userId), eq(canvasWorkflows.isPublic, true));
    const rows = this.db
      .select()
      .from(canvasWorkflows)
      .where(where)
      .orderBy(desc(canvasWorkflows.seq))
      .limit(o.limit)
      .offset(o.offset)
      .all();
    const total = this.db.select({ n: count() }).from(canvasWorkflows).where(where).get()?.n ?? 0;
    return { rows, total };
  }

  update(user: UserRow, row: WorkflowRow, patch: Partial<NewWorkflow>): WorkflowRow {
    const set: Partial<typeof canvasWorkflows.$inferInsert> = { updatedAt: iso(this.now()) };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.isPublic !== undefined) set.isPublic = patch.isPublic;
    if (patch.definition !== undefined) {
      const size = WorkflowService.sizeOf(patch.definition);
      this.checkQuota(user, size - row.definitionSize);
      set.definition = patch.definition;
      set.definitionSize = size;
    }
    return this.db.update(canvasWorkflows).set(set).where(eq(canvasWorkflows.id, row.id)).returning().get()!;
  }

  delete(row: WorkflowRow): void {
    this.db.delete(canvasWorkflows).where(eq(canvasWorkflows.id, row.id)).run();
  }
}
