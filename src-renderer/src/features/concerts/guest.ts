import { useEffect } from 'react';
import { io } from 'socket.io-client';
import { useSocketStore, type AtelierSocket } from '../../lib/socket';

/** Where a guest's pass for one room is kept: this tab only, so closing it ends the visit. */
const key = (roomId: string) => `atelier.guest.${roomId}`;

export interface GuestVisit {
  pass: string;
  displayName: string;
}

export function storedGuest(roomId: string): GuestVisit | null {
  try {
    const raw = sessionStorage.getItem(key(roomId));
    return raw ? (JSON.parse(raw) as GuestVisit) : null;
  } catch {
    return null;
  }
}

export const storeGuest = (roomId: string, visit: GuestVisit) => sessionStorage.setItem(key(roomId), JSON.stringify(visit));
export const forgetGuest = (roomId: string) => sessionStorage.removeItem(key(roomId));

/**
 * A socket opened with the guest pass instead of a sign-in, put where the audience page looks for
 * the app's socket. It can follow this one concert and nothing else.
 */
export function useGuestSocket(pass: string | null, onRefused: (why: string) => void): void {
  useEffect(() => {
    if (!pass) return;
    const socket: AtelierSocket = io({ path: '/socket.io/', auth: { token: pass } });
    useSocketStore.setState({ socket, state: 'connecting', detail: null });
    socket.on('connect', () => useSocketStore.setState({ state: 'online', detail: null }));
    // The pass lapsed with its room, or the server no longer knows it: back to the invite.
    socket.on('connect_error', (err) => {
      if (!socket.active) onRefused(err.message);
    });
    return () => {
      socket.disconnect();
      useSocketStore.setState({ socket: null, state: 'offline', detail: null });
    };
  }, [pass, onRefused]);
}
