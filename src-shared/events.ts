/**
 * What travels over socket.io between the server and the UI. Plain types only: the renderer
 * (DOM, no Node) and the server both compile this file.
 */

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** A job as its owner sees it: everything but the payload, which may be large (source images...). */
export interface JobSnapshot<Result = unknown> {
  id: string;
  kind: string;
  lane: string;
  ownerId: string | null;
  status: JobStatus;
  /** 0..1; 1 once completed. */
  progress: number;
  /** What the job is doing now ("lyrics", "music", "step 12/30"), chosen by the job's kind. */
  stage: string | null;
  message: string | null;
  /** Latest intermediate result while processing (e.g. a data: URL of a step image); not stored. */
  preview: string | null;
  /** 1 for the next job of its lane to start; null unless queued. */
  position: number | null;
  /** Seconds until it should start, from measured durations of earlier jobs; null when unknown or not queued. */
  estimatedWaitSeconds: number | null;
  result: Result | null;
  /** Why it failed or was cancelled: a message meant for people, never a stack trace. */
  error: string | null;
  /** A machine-readable reason when the job's code gave one (e.g. "CONTENT_FILTERED"). */
  errorCode: string | null;
  attempts: number;
  maxAttempts: number;
  /** ISO 8601 timestamps. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/** The reply to `clock:ping`: the client's send time echoed, and the server's clock when it answered. */
export interface ClockPong {
  t0: number;
  t1: number;
}

export interface ServerToClientEvents {
  /** Every state change and (throttled) progress of a job, sent to its owner only. */
  'job:update': (job: JobSnapshot) => void;
}

export interface ClientToServerEvents {
  /**
   * NTP-style clock sync: send the local time, get the server's. With t3 the local time at the
   * answer, offset ≈ t1 - (t0 + t3) / 2 and round trip = t3 - t0.
   */
  'clock:ping': (ping: { t0: number }, ack: (pong: ClockPong) => void) => void;
}

/** Why the server refused a socket, as `connect_error`'s `err.data.code`. */
export type SocketRefusal = 'UNAUTHORIZED' | 'TOKEN_EXPIRED' | 'INVALID_TOKEN' | 'ORIGIN_NOT_ALLOWED';
