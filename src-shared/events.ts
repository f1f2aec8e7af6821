/**
 * What travels over socket.io between the server and the UI. Plain types only: the renderer
 * (DOM, no Node) and the server both compile this file.
 */
import type { Accessory, ConcertStage, ConcertStageAccessory, ConcertStageModel } from './api/stage';

import type { ByteProgress } from './jobs';

export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

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
  /** Bytes transferred so far, for jobs that download (model installs); kept in memory only. See jobs.ts, progressOf. */
  bytes?: ByteProgress | null;
  /** Latest intermediate result while processing (e.g. a data: URL of a step image); not stored. */
  preview: string | null;
  /** 1 for the next job of its lane to start; null unless queued. */
  position: number | null;
  /** Seconds until it should start, from measured durations of earlier jobs; null when unknown or not queued. */
  estimatedWaitSeconds: number | null;
  /** While processing: seconds it should still need, from its progress rate or the average run of its kind; null when unknown. */
  estimatedRemainingSeconds?: number | null;
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

/** A stage accessory as concerts carry it (the stage spec's accessory item: an avatar attachment). */
export type ConcertAccessory = Accessory;

/** One song of a set list as concert clients see it. */
export interface ConcertSongView {
  songNum: number;
  audioId: number;
  title: string;
  artist: string | null;
  /** Seconds; null when unknown. */
  duration: number | null;
  /** The spec's streamUrl (`/api/audio/file/<id>`, needs a Bearer token). */
  streamUrl: string;
  /** A signed, expiring URL an `<audio>` element can load without headers (Range supported). */
  playbackUrl: string;
  stageDirectionId: number | null;
}

/** A listener's song request as the room shows it. */
export interface ConcertRequestView {
  requestId: string;
  audioId: number;
  title: string;
  artist: string | null;
  /** Who asked: stage user number and display name. */
  userId: number;
  name: string;
  at: number;
}

/** A reaction someone in the room sent; shown to everyone for a moment, never stored. */
export interface ConcertReactionEvent {
  roomId: string;
  userId: number;
  name: string;
  emoji: string;
  at: number;
}

/** The 3D stage: the studio's model and its accessories, as signed files (schemas in api/stage.ts). */
export type { ConcertStage, ConcertStageAccessory, ConcertStageModel };

/** One song of the audio library a listener may request. */
export interface ConcertLibrarySong {
  audioId: number;
  title: string;
  artist: string | null;
  duration: number | null;
}

/** The answer to a listener's socket action; codes are the stage family's (SLOW_DOWN, ACCESS_DENIED, ...). */
export type ConcertActionResult<T = object> = ({ ok: true } & T) | { ok: false; code: string; message: string };

/** A concert room as every socket in `concert:<roomId>` sees it, sent whole on every change. */
export interface ConcertSnapshot {
  roomId: string;
  concertName: string;
  studioName: string;
  studioUserId: number;
  isOpen: boolean;
  maxAudience: number;
  currentAudience: number;
  /** Stage user numbers and display names of the seated clients, in joining order. */
  audience: { userId: number; name: string }[];
  songs: ConcertSongView[];
  currentSong: number | null;
  /** Server epoch ms when the current song started: every listener plays from (serverNow - songStartedAt). */
  songStartedAt: number | null;
  /** Ms into the current song where the studio paused it; null while it plays. */
  pausedPositionMs: number | null;
  /** Listeners' song requests waiting for the studio. */
  requests: ConcertRequestView[];
  accessories: ConcertAccessory[];
  /** The 3D stage (Atelier's addition); null when the concert has no stage model. */
  stage: ConcertStage | null;
  listenServer: { localIP: string; port: number; publicIP?: string; publicPort?: number } | null;
  /** Epoch ms. */
  expiresAt: number;
  /** The server clock when this snapshot was sent. */
  serverTime: number;
  /** What changed: 'joined', 'left', 'songs', 'song-changed', 'transport', 'advanced', 'requests', 'accessories', 'listen-server', 'open', 'created', 'sync'. */
  change: string;
}

/** The studio (owner) follows its room; anyone else joins as a listener and takes a seat. */
export type ConcertRole = 'studio' | 'listener';

/** Codes are the stage family's: CONCERT_NOT_FOUND, JOIN_FAILED (closed, full), INVALID_INPUT. */
export type ConcertJoinResult = { ok: true; role: ConcertRole; concert: ConcertSnapshot } | { ok: false; code: string; message: string };

export type ConcertLeaveResult = { ok: true } | { ok: false; code: string; message: string };

/** Why a socket no longer follows a room. */
export interface ConcertEnded {
  roomId: string;
  /** 'expired': the room lapsed; 'ended': the studio ended it; 'removed': the studio took this client's seat away. */
  reason: 'expired' | 'ended' | 'removed';
}

export interface ServerToClientEvents {
  /** Every state change and (throttled) progress of a job, sent to its owner only. */
  'job:update': (job: JobSnapshot) => void;
  /** The whole room after every change, to `concert:<roomId>`. */
  'concert:state': (concert: ConcertSnapshot) => void;
  'concert:ended': (ended: ConcertEnded) => void;
  /** A reaction, to `concert:<roomId>`. */
  'concert:reaction': (reaction: ConcertReactionEvent) => void;
}

export interface ClientToServerEvents {
  /**
   * NTP-style clock sync: send the local time, get the server's. With t3 the local time at the
   * answer, offset ≈ t1 - (t0 + t3) / 2 and round trip = t3 - t0.
   */
  'clock:ping': (ping: { t0: number }, ack: (pong: ClockPong) => void) => void;
  /**
   * Follow a concert. The studio just subscribes; anyone else is seated through the same rules as
   * POST /api/concert/:roomId/join (open doors, a free seat: JOIN_FAILED otherwise). The seat is
   * freed by `concert:leave` or when the user's last socket in the room disconnects.
   */
  'concert:join': (req: { roomId: string }, ack: (result: ConcertJoinResult) => void) => void;
  'concert:leave': (req: { roomId: string }, ack: (result: ConcertLeaveResult) => void) => void;
  /** A seated listener's (member or guest) reaction; a few per seconds at most (SLOW_DOWN). */
  'concert:react': (req: { roomId: string; emoji: string }, ack: (result: ConcertActionResult) => void) => void;
  /** A seated listener asks for a library song; a few per minute at most (SLOW_DOWN). */
  'concert:request': (req: { roomId: string; audioId: number }, ack: (result: ConcertActionResult<{ requestId: string }>) => void) => void;
  /** The songs a seated listener may request (guests have no HTTP access to the library). */
  'concert:library': (req: { roomId: string }, ack: (result: ConcertActionResult<{ songs: ConcertLibrarySong[] }>) => void) => void;
}

/** Why the server refused a socket, as `connect_error`'s `err.data.code`. */
export type SocketRefusal = 'UNAUTHORIZED' | 'TOKEN_EXPIRED' | 'INVALID_TOKEN' | 'ORIGIN_NOT_ALLOWED';
