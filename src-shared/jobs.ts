/**
 * Job kinds and their progress, as the server registers them and the UI follows them over the
 * socket. Plain types only: the renderer (DOM, no Node) and the server both compile this file.
 */
import type { JobSnapshot } from './events';

/** Every kind of job a family queues; each family registers its own in its services. */
export const JOB_KINDS = {
  canvasGenerate: 'canvas.generate',
  studioCover: 'studio.cover',
  studioCompose: 'studio.compose',
  modelInstall: 'system.model-install',
} as const;
export type JobKind = (typeof JOB_KINDS)[keyof typeof JOB_KINDS];

/** How much of a transfer has arrived (a model install's download). */
export interface ByteProgress {
  done: number;
  /** Null until the server knows the size. */
  total: number | null;
}

/** Where a running job stands, in one shape for every kind. */
export interface JobProgress {
  /** What it is doing now ("download", "music", "step 12/30"), chosen by the kind. */
  stage: string | null;
  /** 0..1; 1 once completed. */
  fraction: number;
  /** Transfers only. */
  bytes?: ByteProgress;
  /** The same, said for people. */
  message: string | null;
}

/** A snapshot's progress in the one shape, so the UI reads numbers rather than parsing the message. */
export function progressOf(job: Pick<JobSnapshot, 'stage' | 'progress' | 'bytes' | 'message'>): JobProgress {
  return { stage: job.stage, fraction: job.progress, ...(job.bytes ? { bytes: job.bytes } : {}), message: job.message };
}
