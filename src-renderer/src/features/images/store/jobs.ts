import type { JobSnapshot } from '../../../../../src-shared/events';
import { progressOf, useJobs } from '../../../lib/jobs';
import { canvasApi, describeError, type Accepted, type JobType, type QueueItem } from '../api';
import type { Slice } from './types';

/** The job kind the canvas family runs generations as (generate/service.ts). */
export const GENERATE_JOB = 'canvas.generate';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const isFinished = (status: string | undefined) => status !== undefined && FINISHED.has(status);

/** Generations: the one the progress panel follows, the queue, and the step previews the socket sent. */
export interface JobsSlice {
  /** The job the progress panel follows: the last one this page queued. */
  currentJobId: string | null;
  /** The latest step preview of each job (a data: URL); kept after the job ends, when snapshots carry none. */
  previews: Record<string, string>;
  queue: QueueItem[] | null;
  queueError: string | null;
  /** A job this page queued: followed by the progress panel and listed at once (from the 202 answer, no request). */
  jobQueued(accepted: Accepted, type: JobType, params: Record<string, unknown>): void;
  /** Every update of a generation job (the socket, through lib/jobs). */
  onJobUpdate(job: JobSnapshot, previous: JobSnapshot | null): void;
  loadQueue(): Promise<void>;
  cancel(jobId: string): Promise<void>;
}

const percent = (job: JobSnapshot) => Math.round(progressOf(job).fraction * 100);

export const jobsSlice: Slice<JobsSlice> = (set, get) => ({
  currentJobId: null,
  previews: {},
  queue: null,
  queueError: null,

  jobQueued(accepted, type, params) {
    const item: QueueItem = {
      job_id: accepted.job_id,
      status: 'queued',
      job_type: type,
      params,
      progress: 0,
      position: accepted.queue_position,
      estimated_credits: accepted.estimated_credits,
      credits_used: 0,
      result: null,
      error: null,
      queued_at: new Date().toISOString(),
      started_at: null,
      completed_at: null,
    };
    // Socket updates may have overtaken the 202 answer.
    const live = useJobs.getState().byId[accepted.job_id];
    if (live) Object.assign(item, { status: live.status, progress: percent(live), position: live.position });
    const credits = get().credits;
    set({
      currentJobId: accepted.job_id,
      queue: [item, ...(get().queue ?? []).filter((q) => q.job_id !== accepted.job_id)],
      // The server now holds the estimate; the balance is read again when the job ends.
      credits: credits && {
        ...credits,
        reserved: credits.reserved + accepted.estimated_credits,
        available: credits.available - accepted.estimated_credits,
      },
    });
    if (isFinished(live?.status)) void get().loadQueue();
  },

  // Free accounts may make 30 canvas requests a minute (plans/tiers.ts), so progress comes from
  // the socket alone and the lists are read again only when a job ends.
  onJobUpdate(job, previous) {
    if (job.preview) set({ previews: { ...get().previews, [job.id]: job.preview } });
    const queue = get().queue;
    if (queue?.some((q) => q.job_id === job.id) && !isFinished(job.status)) {
      set({
        queue: queue.map((q) => (q.job_id === job.id ? { ...q, status: job.status, progress: percent(job), position: job.position } : q)),
      });
    }
    if (isFinished(job.status) && previous?.status !== job.status) {
      void get().loadQueue();
      void get().loadCredits();
      if (job.status === 'completed') void get().reloadGallery();
    }
  },

  async loadQueue() {
    try {
      const before = new Map((get().queue ?? []).map((q) => [q.job_id, q.status]));
      const queue = await canvasApi.queue();
      set({ queue, queueError: null });
      // Without the socket (offline, refused) a job's end is only seen here.
      const live = useJobs.getState().byId;
      const ended = queue.filter(
        (q) => isFinished(q.status) && !isFinished(before.get(q.job_id) ?? q.status) && !isFinished(live[q.job_id]?.status),
      );
      if (ended.length > 0) {
        void get().loadCredits();
        if (ended.some((q) => q.status === 'completed')) void get().reloadGallery();
      }
    } catch (err) {
      set({ queueError: describeError(err) });
    }
  },

  async cancel(jobId) {
    await canvasApi.cancel(jobId);
    // The job's own `job:update` (cancelled) reads the queue and the balance again.
    set({ queue: get().queue?.map((q) => (q.job_id === jobId ? { ...q, status: 'cancelled' as const } : q)) ?? null });
  },
});
