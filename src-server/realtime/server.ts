import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketRefusal } from '../../src-shared/events';

export interface SocketData {
  userId: string;
  sessionId: string;
  /** Set for a socket opened with a guest pass: one concert, no account (see families/stage/concerts). */
  guest?: { seq: number; roomId: string; name: string };
}

/** Turns a pass that is not an access token into a socket's identity, or null when it is no such pass. */
export type PassCheck = (token: string) => SocketData | null;

export type AtelierIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AtelierSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

type EventName = keyof ServerToClientEvents;
type EventPayload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

export interface Realtime {
  io: AtelierIo;
  /** Sends to every socket of one user (all their windows and devices). */
  toUser<E extends EventName>(userId: string, event: E, payload: EventPayload<E>): void;
  /** Sends to a room features manage themselves (e.g. `concert:<id>`). */
  toRoom<E extends EventName>(room: string, event: E, payload: EventPayload<E>): void;
  /** Ends the sockets opened with one sign-in session (it was signed out); they do not reconnect by themselves. */
  disconnectSession(sessionId: string): void;
  /** Ends every socket of one user (the account is gone). */
  disconnectUser(userId: string): void;
  /** Disconnects every client; call before the HTTP server closes, which waits for open sockets. */
  close(): void;
  /** Lets a feature accept its own passes (a concert's guest pass) besides access tokens; tried first. */
  addPassCheck(check: PassCheck): void;
}

export type Authenticate = (token: string) => SocketData | { refusal: Exclude<SocketRefusal, 'ORIGIN_NOT_ALLOWED' | 'UNAUTHORIZED'> };

export interface RealtimeOptions {
  authenticate: Authenticate;
  /** Epoch ms for `clock:ping`: the app's clock. */
  now: () => number;
}

export const userRoom = (userId: string) => `user:${userId}`;

const REFUSALS: Record<SocketRefusal, string> = {
  UNAUTHORIZED: 'Sign in first: connect with auth.token set to an access token',
  TOKEN_EXPIRED: 'Access token has expired; refresh it and connect again',
  INVALID_TOKEN: 'Access token is invalid or revoked',
  ORIGIN_NOT_ALLOWED: "Connections are accepted only from this server's own pages and from localhost",
};

/** socket.io passes `data` through to the client's `connect_error`, so the UI can tell why. */
function refuse(code: SocketRefusal): Error & { data: { code: SocketRefusal } } {
  return Object.assign(new Error(REFUSALS[code]), { data: { code } });
}

const isLoopbackHost = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/**
 * Browsers send Origin; a page elsewhere on the web must not open a socket with a token it got
 * hold of. Allowed: no Origin (non-browser clients), this server's own pages as reached (Host,
 * so LAN peers work too), and loopback pages (the UI's dev server).
 */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  const url = webOrigin(origin);
  return url !== null && ((host !== undefined && url.host === host.toLowerCase()) || isLoopbackHost(url.hostname));
}

/** An http(s) origin, or null for "null", file:// and garbage. */
function webOrigin(origin: string): URL | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

const isLoopbackOrigin = (origin: string | undefined) => {
  const url = origin === undefined ? null : webOrigin(origin);
  return url !== null && isLoopbackHost(url.hostname);
};

function tokenOf(socket: AtelierSocket): string | null {
  const { auth, query, headers } = socket.handshake;
  const candidates: unknown[] = [
    (auth as { token?: unknown } | undefined)?.token,
    query.token,
    headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice(7) : undefined,
  ];
  for (const c of candidates) if (typeof c === 'string' && c.trim() !== '') return c.trim();
  return null;
}

/**
 * socket.io on the app's own HTTP server at /socket.io/. Every socket is a signed-in user's and
 * sits in the room `user:<id>`; `clock:ping` answers with the server clock for offset estimation.
 */
export function createRealtime(httpServer: http.Server, options: RealtimeOptions): Realtime {
  const io: AtelierIo = new Server(httpServer, {
    path: '/socket.io/',
    // The UI bundles socket.io-client itself.
    serveClient: false,
    // Other upgrade paths (the stories family's /wss/v1/audio) belong to other handlers.
    destroyUpgrade: false,
    // Same-origin requests need no CORS headers; loopback dev servers on another port do.
    cors: { origin: (origin, cb) => cb(null, isLoopbackOrigin(origin)) },
  });

  const passChecks: PassCheck[] = [];
  io.use((socket, next) => {
    if (!originAllowed(socket.handshake.headers.origin, socket.handshake.headers.host)) return next(refuse('ORIGIN_NOT_ALLOWED'));
    const token = tokenOf(socket);
    if (token === null) return next(refuse('UNAUTHORIZED'));
    for (const check of passChecks) {
      const pass = check(token);
      if (pass) {
        socket.data = pass;
        return next();
      }
    }
    const found = options.authenticate(token);
    if ('refusal' in found) return next(refuse(found.refusal));
    socket.data = found;
    next();
  });

  io.on('connection', (socket) => {
    void socket.join(userRoom(socket.data.userId));
    socket.on('clock:ping', (ping, ack) => {
      // Clients are not trusted to follow the types: answer only a real ack.
      if (typeof ack !== 'function') return;
      const t0 = typeof ping?.t0 === 'number' && Number.isFinite(ping.t0) ? ping.t0 : 0;
      ack({ t0, t1: options.now() });
    });
  });

  const emitTo = <E extends EventName>(room: string, event: E, payload: EventPayload<E>) => {
    // socket.io's typed emit cannot see through a generic event name.
    (io.to(room).emit as (e: E, p: EventPayload<E>) => boolean)(event, payload);
  };

  return {
    io,
    toUser: (userId, event, payload) => emitTo(userRoom(userId), event, payload),
    toRoom: emitTo,
    disconnectSession(sessionId) {
      for (const socket of io.sockets.sockets.values()) if (socket.data.sessionId === sessionId) socket.disconnect(true);
    },
    disconnectUser(userId) {
      io.in(userRoom(userId)).disconnectSockets(true);
    },
    close() {
      io.disconnectSockets(true);
      io.engine.close();
    },
    addPassCheck: (check) => void passChecks.push(check),
  };
}
