import { decoders, type Dialect } from './dialects';
import { ApiError, networkError } from './errors';
import { session, type TokenPair } from './session';

/**
 * The one way the UI talks HTTP to the server: the Bearer token added, the family's dialect
 * decoded (dialects.ts) into a plain value or one ApiError, and an expired access token refreshed
 * once (rotating refresh token) before the request is sent again.
 */

export { ApiError, errorMessage } from './errors';
export type { Dialect } from './dialects';
export { session, type TokenPair } from './session';

const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'INVALID_TOKEN']);

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: Method;
  /** JSON, or a FormData / Blob sent as it is. */
  body?: unknown;
  /** False for signed URLs: the signature is the permission, and no token goes along. */
  auth?: boolean;
  /** What a failure without the family's error body says: "The upload was refused (413)". */
  refused?: string;
  /** Instead of the network's own words. */
  unreachable?: string;
}

interface Answer {
  status: number;
  response: Response;
}

function init(options: RequestOptions): RequestInit {
  const { body } = options;
  const method = options.method ?? 'GET';
  if (body === undefined) return { method };
  if (body instanceof FormData || body instanceof Blob) return { method, body };
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Answer> {
  // Built per attempt: a FormData body can be sent again, a consumed stream could not.
  const request = init(options);
  const headers = new Headers(request.headers);
  headers.set('accept', 'application/json');
  if (token) headers.set('authorization', `Bearer ${token}`);
  try {
    const response = await fetch(path, { ...request, headers });
    return { status: response.status, response };
  } catch {
    throw networkError(options.unreachable);
  }
}

async function jsonOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failure(dialect: Dialect, status: number, body: unknown, options: RequestOptions): ApiError {
  return (
    decoders[dialect].error(status, body) ??
    new ApiError(status, `HTTP_${status}`, options.refused ? `${options.refused} (${status})` : `The server answered ${status}`)
  );
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
    const { status, response } = await send('/api/v1/auth/refresh', { method: 'POST', body: { refresh_token: refreshToken } }, null);
    if (status === 401) {
      session.clear();
      return false;
    }
    const body = await jsonOf(response);
    if (status < 200 || status >= 300) throw failure('canvas', status, body, {});
    session.store(decoders.canvas.value(body) as TokenPair);
    return true;
  };
  if (!refreshing) {
    const locked = navigator.locks ? (async () => await navigator.locks.request('atelier-refresh', run))() : run();
    refreshing = locked.finally(() => (refreshing = null));
  }
  return refreshing;
}

/**
 * Sends once, and once more with a fresh token when the first answer was the family's 401 for an
 * expired or invalid token. Answers the response when it is a success, the ApiError otherwise.
 */
async function exchange(dialect: Dialect, path: string, options: RequestOptions): Promise<Response> {
  const token = options.auth === false ? null : session.accessToken;
  let { status, response } = await send(path, options, token);
  if (status === 401 && token) {
    const error = failure(dialect, status, await jsonOf(response.clone()), options);
    if (REFRESHABLE.has(error.code)) {
      if (!(await refreshSession(token))) throw new ApiError(401, 'SESSION_ENDED', 'Your session has ended. Sign in again.');
      ({ status, response } = await send(path, options, session.accessToken));
    }
  }
  if (status >= 200 && status < 300) return response;
  throw failure(dialect, status, await jsonOf(response), options);
}

/** A JSON request to a family's route; answers the value its dialect carries. */
export async function request<T>(dialect: Dialect, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await exchange(dialect, path, options);
  return decoders[dialect].value(await jsonOf(response)) as T;
}

/** Bytes from a family's route (a download, a file behind the Bearer token). */
export async function requestBlob(dialect: Dialect, path: string, options: RequestOptions = {}): Promise<Blob> {
  return (await exchange(dialect, path, options)).blob();
}

/** The `{success, data}` families and the system routes, which answer the same way. */
export const api = <T>(path: string, options: RequestOptions = {}) => request<T>('canvas', path, options);
