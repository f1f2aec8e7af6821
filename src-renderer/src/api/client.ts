/**
 * The one way the UI talks HTTP to the server: JSON in and out, the Bearer token added, the
 * `{success, data}` envelope unwrapped, failures thrown as ApiError with the server's code and
 * message, and an expired access token refreshed once (rotating refresh token) before retrying.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

const ACCESS_KEY = 'atelier.accessToken';
const REFRESH_KEY = 'atelier.refreshToken';

type SessionListener = (signedIn: boolean) => void;
const listeners = new Set<SessionListener>();

/** Tokens live in localStorage so a reload, a second tab and the Electron window keep the session. */
export const session = {
  get accessToken(): string | null {
    return localStorage.getItem(ACCESS_KEY);
  },
  get refreshToken(): string | null {
    return localStorage.getItem(REFRESH_KEY);
  },
  get signedIn(): boolean {
    return session.refreshToken !== null;
  },
  store(pair: Pick<TokenPair, 'access_token' | 'refresh_token'>): void {
    const wasSignedIn = session.signedIn;
    localStorage.setItem(ACCESS_KEY, pair.access_token);
    localStorage.setItem(REFRESH_KEY, pair.refresh_token);
    if (!wasSignedIn) notify(true);
  },
  clear(): void {
    const wasSignedIn = session.signedIn;
    localStorage.removeItem(ACCESS_KEY);
    localStorage.removeItem(REFRESH_KEY);
    if (wasSignedIn) notify(false);
  },
  /** Called when the user becomes signed in or out, here or in another tab. */
  subscribe(listener: SessionListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

function notify(signedIn: boolean): void {
  for (const listener of listeners) listener(signedIn);
}

window.addEventListener('storage', (event) => {
  if (event.key === REFRESH_KEY && (event.oldValue === null) !== (event.newValue === null)) notify(event.newValue !== null);
});

const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'INVALID_TOKEN']);

interface Sent {
  status: number;
  body: unknown;
}

async function send(path: string, init: RequestInit, token: string | null): Promise<Sent> {
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (token) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'Atelier’s server cannot be reached. Is it still running?');
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body };
}

function toError({ status, body }: Sent): ApiError {
  // The promo family (O2Sound spec) answers FastAPI-style: {error_code, error_message} or {detail}.
  const flat = body as { error_code?: unknown; error_message?: unknown; detail?: unknown } | null;
  if (flat && typeof flat.error_code === 'string' && typeof flat.error_message === 'string') return new ApiError(status, flat.error_code, flat.error_message);
  if (flat && typeof flat.detail === 'string') return new ApiError(status, `HTTP_${status}`, flat.detail);
  const error = (body as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const e = error as { code: string; message: string; details?: unknown };
    return new ApiError(status, e.code, e.message, e.details);
  }
  return new ApiError(status, `HTTP_${status}`, `The server answered ${status}`);
}

function unwrap<T>(sent: Sent): T {
  if (sent.status < 200 || sent.status >= 300) throw toError(sent);
  const body = sent.body as { success?: boolean; data?: T } | null;
  return (body && typeof body === 'object' && 'data' in body ? body.data : body) as T;
}

let refreshing: Promise<boolean> | null = null;

/**
 * Trades the refresh token for a new pair. Each refresh token works once and presenting a used
 * one ends the whole session, so only one refresh runs at a time: in this tab by sharing the
 * promise, across tabs by a Web Lock where the browser has one (LAN pages over plain http do not).
 * `staleAccess` is the token that was refused; if it has changed meanwhile, someone else refreshed.
 */
export function refreshSession(staleAccess: string | null): Promise<boolean> {
  const run = async (): Promise<boolean> => {
    const refreshToken = session.refreshToken;
    if (!refreshToken) return false;
    if (session.accessToken !== staleAccess) return true;
    const sent = await send(
      '/api/v1/auth/refresh',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshToken }) },
      null,
    );
    if (sent.status === 401) {
      session.clear();
      return false;
    }
    session.store(unwrap<TokenPair>(sent));
    return true;
  };
  if (!refreshing) {
    const locked = navigator.locks ? (async () => await navigator.locks.request('atelier-refresh', run))() : run();
    refreshing = locked.finally(() => (refreshing = null));
  }
  return refreshing;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = { method: options.method ?? 'GET' };
  if (options.body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(options.body);
  }
  const token = session.accessToken;
  let sent = await send(path, init, token);
  if (sent.status === 401 && token && REFRESHABLE.has(toError(sent).code)) {
    if (!(await refreshSession(token))) throw new ApiError(401, 'SESSION_ENDED', 'Your session has ended. Sign in again.');
    sent = await send(path, init, session.accessToken);
  }
  return unwrap<T>(sent);
}

/** The message to show for anything a request threw: the server's own words when it answered. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
