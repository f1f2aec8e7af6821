import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { MultipartBody } from './bodies';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Whoever sends requests with headers of their own: a signed-in user of any family. */
export interface Caller {
  headers: Record<string, string>;
}

/** What a request adds beyond its caller and body: headers of its own, the peer's address. */
export interface Extra {
  headers?: Record<string, string>;
  remoteAddress?: string;
}

/** Requests as one caller; a body may be JSON, raw bytes or a `form()` (which brings its content type). */
export interface Requests {
  get(url: string, extra?: Extra): Promise<LightMyRequestResponse>;
  head(url: string, extra?: Extra): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, extra?: Extra): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown, extra?: Extra): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown, extra?: Extra): Promise<LightMyRequestResponse>;
  delete(url: string, body?: unknown, extra?: Extra): Promise<LightMyRequestResponse>;
  /** For tables of routes where the method is data. */
  send(method: Method, url: string, body?: unknown, extra?: Extra): Promise<LightMyRequestResponse>;
}

type AppRef = FastifyInstance | (() => FastifyInstance);

/**
 * `inject` on the production app as a user: `const { as, anon } = requests(() => t.app)`, then
 * `as(alice).post(url, body)`. The app may be a getter (a test file's `t` is rebuilt per test) and
 * the caller's headers are read per request (a test may sign a user in again).
 */
export function requests(app: AppRef): { as(user: Caller | null): Requests; anon(): Requests } {
  const appOf = () => (typeof app === 'function' ? app() : app);
  const as = (user: Caller | null): Requests => {
    const send = (method: Method, url: string, body?: unknown, extra: Extra = {}) => {
      const multipart = body instanceof MultipartBody ? body : null;
      const headers = { ...(multipart?.headers ?? {}), ...(user?.headers ?? {}), ...(extra.headers ?? {}) };
      const payload = multipart ? multipart.payload : body;
      return appOf().inject({
        method,
        url,
        headers,
        ...(payload !== undefined ? { payload: payload as object } : {}),
        ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
      });
    };
    return {
      get: (url, extra) => send('GET', url, undefined, extra),
      head: (url, extra) => send('HEAD', url, undefined, extra),
      post: (url, body, extra) => send('POST', url, body, extra),
      put: (url, body, extra) => send('PUT', url, body, extra),
      patch: (url, body, extra) => send('PATCH', url, body, extra),
      delete: (url, body, extra) => send('DELETE', url, body, extra),
      send,
    };
  };
  return { as, anon: () => as(null) };
}
