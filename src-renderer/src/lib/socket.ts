import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import { create } from 'zustand';
import { refreshSession, session } from '../api/client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../src-shared/events';
import { clearJobs, receiveJob } from './jobs';

/**
 * The UI's one socket.io connection to the server, open while someone is signed in. Features
 * listen through useSocketEvent; the shell shows useSocketStore's state.
 */
export type AtelierSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ConnectionState = 'offline' | 'connecting' | 'online' | 'reconnecting' | 'refused';

interface SocketState {
  /** The open socket while signed in, else null. */
  socket: AtelierSocket | null;
  state: ConnectionState;
  /** Why the last attempt failed, shown as the indicator's tooltip. */
  detail: string | null;
}

export const useSocketStore = create<SocketState>()(() => ({ socket: null, state: 'offline', detail: null }));

const setState = (state: ConnectionState, detail: string | null = null) => useSocketStore.setState({ state, detail });

function open(): AtelierSocket {
  let tokenUsed: string | null = null;
  let retriedWithFreshToken = false;
  const s: AtelierSocket = io({
    path: '/socket.io/',
    // Read on every (re)connect, so a reconnect after a token refresh presents the fresh token.
    auth: (cb) => {
      tokenUsed = session.accessToken;
      cb({ token: tokenUsed });
    },
  });

  // socket.io retries network failures by itself; when the server refuses or drops the socket
  // it stops, and the usual cause is an expired access token: refresh once and connect again.
  const retryWithFreshToken = (why: string) => {
    if (retriedWithFreshToken) return setState('refused', why);
    retriedWithFreshToken = true;
    setState('reconnecting', why);
    refreshSession(tokenUsed).then(
      (ok) => (ok && useSocketStore.getState().socket === s ? void s.connect() : setState('refused', why)),
      () => setState('refused', why),
    );
  };

  setState('connecting');
  s.on('connect', () => {
    retriedWithFreshToken = false;
    setState('online');
  });
  s.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') setState('offline');
    else if (reason === 'io server disconnect') retryWithFreshToken('The server closed the connection');
    else setState('reconnecting', reason);
  });
  s.io.on('reconnect_attempt', () => setState('reconnecting', useSocketStore.getState().detail));
  s.on('connect_error', (err) => (s.active ? setState('reconnecting', err.message) : retryWithFreshToken(err.message)));
  s.on('job:update', receiveJob);
  return s;
}

export function connectSocket(): void {
  if (!useSocketStore.getState().socket) useSocketStore.setState({ socket: open() });
}

export function disconnectSocket(): void {
  useSocketStore.getState().socket?.disconnect();
  useSocketStore.setState({ socket: null, state: 'offline', detail: null });
  clearJobs();
}

/** Keeps the socket open exactly while `enabled` (the shell passes "signed in"). */
export function useSocketConnection(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    connectSocket();
    return disconnectSocket;
  }, [enabled]);
}

/** Listens to one server event for the life of the component; the handler may change between renders. */
export function useSocketEvent<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]): void {
  const latest = useRef(handler);
  latest.current = handler;
  const s = useSocketStore((state) => state.socket);
  useEffect(() => {
    if (!s) return;
    const listener = ((...args: unknown[]) => (latest.current as (...a: unknown[]) => void)(...args)) as ServerToClientEvents[E];
    // socket.io's typed `on` cannot see through a generic event name.
    (s.on as (e: E, l: ServerToClientEvents[E]) => void)(event, listener);
    return () => void (s.off as (e: E, l: ServerToClientEvents[E]) => void)(event, listener);
  }, [event, s]);
}
