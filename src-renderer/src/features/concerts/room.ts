import type { ConcertActionResult, ConcertJoinResult, ConcertLibrarySong } from '../../../../src-shared/events';
import type { AtelierSocket } from '../../lib/socket';

const ACK_TIMEOUT_MS = 10_000;

const noAnswer = { ok: false as const, code: 'TIMEOUT', message: 'Atelier’s server did not answer. Check the connection and try again.' };

/** Follows a room over the socket: the studio just watches it, anyone else takes a seat. */
export function joinRoom(socket: AtelierSocket, roomId: string): Promise<ConcertJoinResult> {
  return socket
    .timeout(ACK_TIMEOUT_MS)
    .emitWithAck('concert:join', { roomId })
    .catch(() => noAnswer);
}

/** A listener's action answered over the socket; a refusal throws with the server's words. */
async function answered<T extends object>(ask: Promise<ConcertActionResult<T>>): Promise<T> {
  const result = await ask.catch(() => noAnswer);
  if (!result.ok) throw new Error(result.message);
  return result;
}

/**
 * What a seated listener does over the socket, members and guests alike (a guest's pass opens the
 * socket and no HTTP route).
 */
export const listenerActions = (socket: AtelierSocket, roomId: string) => ({
  react: (emoji: string) => answered(socket.timeout(ACK_TIMEOUT_MS).emitWithAck('concert:react', { roomId, emoji })),
  request: (audioId: number) => answered(socket.timeout(ACK_TIMEOUT_MS).emitWithAck('concert:request', { roomId, audioId })),
  library: (): Promise<ConcertLibrarySong[]> =>
    answered(socket.timeout(ACK_TIMEOUT_MS).emitWithAck('concert:library', { roomId })).then((r) => r.songs),
});

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
