import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { promoTasks } from '../../../db/schema';
import type { JobQueue, JobSnapshot } from '../../../jobs/queue';
import { promoErrors } from '../errors';
import type { CaptionPreset } from '../video/captions';

export const WORKFLOW_KIND = 'promo.workflow';
/** The seed's progress flags, in the order the stages finish (lyrics and images run side by side). */
export const STAGE_FLAGS = ['metadata', 'lyrics', 'songs', 'images', 'movies', 'combined'] as const;
export type StageFlag = (typeof STAGE_FLAGS)[number];
export type Progress = Record<StageFlag, boolean>;

export const ASPECTS = { '16:9': [1920, 1080], '9:16': [1080, 1920], '1:1': [1080, 1080] } as const;
export type Aspect = keyof typeof ASPECTS;
export type Language = 'ko' | 'en';

export interface WorkflowPayload {
  url: string;
  aspect: Aspect;
  language: Language;
  mood: string | null;
  /** Same seed, same lyrics and melody. */
  seed: number;
  captionStyle: CaptionPreset;
  /** The owner's own lyric lines (a re-run after editing them), one per line of the form. */
  lyrics?: string[] | null;
}

export type TaskRow = typeof promoTasks.$inferSelect;

export const progressOf = (row: TaskRow): Progress => ({
  metadata: row.metadata,
  lyrics: row.lyrics,
  songs: row.songs,
  images: row.images,
  movies: row.movies,
  combined: row.combined,
});

/** Workflow runs: a `promo_tasks` row (flags, the item and video it made) beside its job. */
export class TaskService {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobQueue,
    private readonly now: () => number,
  ) {}

  /** `itemId`: make the video from a stored (possibly edited) business instead of crawling again. */
  start(userId: string, payload: WorkflowPayload, itemId: string | null = null): { task: TaskRow; job: JobSnapshot } {
    const job = this.jobs.enqueue<WorkflowPayload>({ kind: WORKFLOW_KIND, ownerId: userId, payload, lane: 'promo' });
    // Same tick as the enqueue: the handler cannot start before the row exists.
    const task = this.db
      .insert(promoTasks)
      .values({
        id: job.id,
        userId,
        url: payload.url,
        itemId,
        aspect: payload.aspect,
        language: payload.language,
        captionStyle: payload.captionStyle,
        createdAt: new Date(this.now()).toISOString(),
      })
      .returning()
      .get();
    return { task, job };
  }

  /** The caller's own task and its job; anyone else's answers TASK_001 like a missing one. */
  get(userId: string, taskId: string): { task: TaskRow; job: JobSnapshot } {
    const task = this.db
      .select()
      .from(promoTasks)
      .where(and(eq(promoTasks.id, taskId), eq(promoTasks.userId, userId)))
      .get();
    const job = task ? this.jobs.snapshot(taskId) : null;
    if (!task || !job) throw promoErrors.error('TASK_001');
    return { task, job };
  }

  row(taskId: string): TaskRow | null {
    return this.db.select().from(promoTasks).where(eq(promoTasks.id, taskId)).get() ?? null;
  }

  cancel(userId: string, taskId: string): { task: TaskRow; job: JobSnapshot } {
    const { job } = this.get(userId, taskId);
    if (job.status !== 'queued' && job.status !== 'processing') throw promoErrors.error('TASK_002', `The task is already ${job.status}`);
    this.jobs.cancel(taskId, 'Cancelled by you');
    return this.get(userId, taskId);
  }

  mark(taskId: string, patch: Partial<Omit<TaskRow, 'id' | 'userId' | 'createdAt'>>): void {
    this.db.update(promoTasks).set(patch).where(eq(promoTasks.id, taskId)).run();
  }
}
