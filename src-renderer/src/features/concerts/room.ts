import type { ConcertJoinResult } from '../../../../src-shared/events';
import type { AtelierSocket } from '../../lib/socket';

const ACK_TIMEOUT_MS = 10_000;

/** Follows a room over the socket: the studio just watches it, anyone else takes a seat. */
export function joinRoom(socket: AtelierSocket, roomId: string): Promise<ConcertJoinResult> {
  return socket
    .timeout(ACK_TIMEOUT_MS)
    .emitWithAck('concert:join', { roomId })
    .catch(() => ({
      ok: false as const,
      code: 'TIMEOUT',
      message: 'Atelier’s server did not answer. Check the connection and try again.',
    }));
}

/** Gives the seat back (the server also frees it when this page's socket disconnects). */
export function leaveRoom(socket: AtelierSocket, roomId: string): Promise<void> {
  return socket
    .timeout(ACK_TIMEOUT_MS)
    .emitWithAck('concert:leave', { roomId })
    .then(
      () => undefined,
      () => undefined,
    );
}

export function formatTime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–:––';
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
