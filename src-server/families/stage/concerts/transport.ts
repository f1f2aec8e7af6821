/**
 * The room clock as a state machine. A playing song is `songStartedAt` (server epoch ms of its
 * virtual start: now minus its position), a paused one is `pausedPositionMs`. Every listener
 * derives its position from these two, so a transport action is one write and one broadcast.
 */
export interface Playback {
  /** songNums in set-list order. */
  order: number[];
  currentSong: number | null;
  songStartedAt: number | null;
  pausedPositionMs: number | null;
}

export type TransportAction =
  { action: 'pause' } | { action: 'resume' } | { action: 'next' } | { action: 'previous' } | { action: 'seek'; positionMs: number };

/** Previous within this many ms of a song's start goes to the song before; later it restarts this one. */
export const RESTART_THRESHOLD_MS = 3000;

export type TransportRefusal = 'NOTHING_PLAYING' | 'END_OF_SET_LIST' | 'SEEK_OUT_OF_RANGE';

export class TransportError extends Error {
  constructor(
    readonly code: TransportRefusal,
    message: string,
  ) {
    super(message);
  }
}

export type PlaybackClock = Pick<Playback, 'currentSong' | 'songStartedAt' | 'pausedPositionMs'>;

/** Ms into the current song; null when nothing is current. */
export function positionMs(p: Playback, now: number): number | null {
  if (p.currentSong === null || p.songStartedAt === null) return null;
  return p.pausedPositionMs ?? Math.max(0, now - p.songStartedAt);
}

/** Starts `songNum` from `fromMs`, keeping the room paused when it was. */
function startAt(p: Playback, songNum: number, now: number, fromMs = 0): PlaybackClock {
  const paused = p.pausedPositionMs !== null;
  return { currentSong: songNum, songStartedAt: now - fromMs, pausedPositionMs: paused ? fromMs : null };
}

/**
 * The clock after a host action. `durationMs` is the current song's length when known (a seek past
 * it is refused). Pause and resume on a room already in that state change nothing.
 */
export function applyTransport(p: Playback, action: TransportAction, now: number, durationMs: number | null): PlaybackClock {
  const at = positionMs(p, now);
  if (p.currentSong === null || at === null) throw new TransportError('NOTHING_PLAYING', 'The set list is empty');
  const index = p.order.indexOf(p.currentSong);
  switch (action.action) {
    case 'pause':
      return { currentSong: p.currentSong, songStartedAt: p.songStartedAt, pausedPositionMs: at };
    case 'resume':
      return { currentSong: p.currentSong, songStartedAt: now - at, pausedPositionMs: null };
    case 'seek':
      if (durationMs !== null && action.positionMs > durationMs) {
        throw new TransportError('SEEK_OUT_OF_RANGE', `The song is ${Math.round(durationMs / 1000)} s long`);
      }
      return startAt(p, p.currentSong, now, action.positionMs);
    case 'next': {
      const next = p.order[index + 1];
      if (next === undefined) throw new TransportError('END_OF_SET_LIST', 'This is the last song of the set list');
      return startAt(p, next, now);
    }
    case 'previous': {
      const previous = p.order[index - 1];
      return startAt(p, at > RESTART_THRESHOLD_MS || previous === undefined ? p.currentSong : previous, now);
    }
  }
}

/**
 * Auto-advance: songs that have ended by `now` hand over to the next at the exact ms they ended, so
 * the room never drifts by how late the check ran. After the last song the room pauses at its end.
 * A song of unknown length never ends. Returns null when nothing changed.
 */
export function advanceEnded(p: Playback, now: number, durationMsOf: (songNum: number) => number | null): PlaybackClock | null {
  if (p.currentSong === null || p.songStartedAt === null || p.pausedPositionMs !== null) return null;
  let { currentSong, songStartedAt } = p;
  for (;;) {
    const duration = durationMsOf(currentSong);
    if (duration === null || now < songStartedAt + duration) break;
    const next = p.order[p.order.indexOf(currentSong) + 1];
    if (next === undefined) return { currentSong, songStartedAt, pausedPositionMs: duration };
    songStartedAt += duration;
    currentSong = next;
  }
  return currentSong === p.currentSong && songStartedAt === p.songStartedAt ? null : { currentSong, songStartedAt, pausedPositionMs: null };
}

/** Ms from `now` until the current song ends; null when it is paused, empty or of unknown length. */
export function msUntilEnd(p: Playback, now: number, durationMsOf: (songNum: number) => number | null): number | null {
  if (p.currentSong === null || p.songStartedAt === null || p.pausedPositionMs !== null) return null;
  const duration = durationMsOf(p.currentSong);
  return duration === null ? null : Math.max(0, p.songStartedAt + duration - now);
}
