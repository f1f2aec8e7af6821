import fp from 'fastify-plugin';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AuthService, type UserRow } from '../../auth/service';
import { AccessTokens } from '../../auth/tokens';
import { loadOrCreateSecret } from '../../auth/keys';
import type { AuthFailure } from '../../http/errors';

export const SESSION_COOKIE = 'atelier_session';

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthService;
  }
  interface FastifyRequest {
    user: UserRow | null;
    sessionId: string | null;
  }
}

export type Identity = { user: UserRow; sessionId: string };

/** Reads the Bearer header the way stage's spec distinguishes its failures. */
export function identifyBearer(auth: AuthService, header: string | undefined): Identity | AuthFailure {
  if (header === undefined || header === '') return { reason: 'missing_header' };
  if (!/^Bearer( |$)/.test(header)) return { reason: 'bad_format' };
  const token = header.slice(7).trim();
  if (token === '') return { reason: 'empty_token' };
  return identifyToken(auth, token);
}

export function identifyToken(auth: AuthService, token: string): Identity | AuthFailure {
  const result = auth.tokens.check(token);
  if (!result.ok) return result.reason === 'expired' ? { reason: 'expired', expiredAt: result.expiredAt } : { reason: 'invalid' };
  const user = auth.userForSession(result.claims.sid, result.claims.sub);
  if (!user) return { reason: 'revoked' };
  return { user, sessionId: result.claims.sid };
}

const isIdentity = (x: Identity | AuthFailure): x is Identity => 'user' in x;

const bearerIdentities = new WeakMap<FastifyRequest, Identity | AuthFailure>();

/**
 * The request's Bearer identity, checked once however many hooks ask (a family's own hook, such as
 * canvas's plan rate limit, and then requireUser).
 */
export function identifyRequestBearer(request: FastifyRequest): Identity | AuthFailure {
  let found = bearerIdentities.get(request);
  if (found === undefined) {
    found = identifyBearer(request.server.auth, request.headers.authorization);
    bearerIdentities.set(request, found);
  }
  return found;
}

function identify(request: FastifyRequest, acceptCookie: boolean): Identity | AuthFailure {
  if (acceptCookie && !request.headers.authorization) {
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (cookie) return request.server.auth.sessionForCookie(cookie) ?? { reason: 'invalid' };
  }
  return identifyRequestBearer(request);
}

/**
 * preHandler that sets request.user or answers in the route's family dialect.
 * `cookie: true` also accepts the promo family's session cookie.
 */
export function requireUser(opts: { cookie?: boolean } = {}): preHandlerAsyncHookHandler {
  return async function requireUserHook(request) {
    const found = identify(request, opts.cookie ?? false);
    if (!isIdentity(found)) throw request.dialect.authError(found);
    request.user = found.user;
    request.sessionId = found.sessionId;
  };
}

/** The signed-in user, for handlers behind requireUser. */
export function currentUser(request: FastifyRequest): UserRow {
  if (!request.user) throw new Error('currentUser() called on a route without requireUser()');
  return request.user;
}

export default fp(
  async (app) => {
    const key = loadOrCreateSecret(app.config.dataDir, 'jwt');
    app.decorate('auth', new AuthService(app.db, new AccessTokens(key, app.clock.now), app.clock.now));
    app.decorateRequest('user', null);
    app.decorateRequest('sessionId', null);
  },
  { name: 'auth', dependencies: ['db', 'config'] },
);
