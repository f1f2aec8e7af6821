import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
import { SESSION_COOKIE } from '../../../plugins/app/auth';
import { REFRESH_TOKEN_TTL_SECONDS } from '../../../auth/tokens';
import { promoErrors } from '../errors';
import { ErrorBody, tags } from '../http';
import type { GoogleSignIn } from './service';

const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** The seed's error page when the flow fails, on the origin that asked (or ours when none can be trusted). */
function errorRedirect(returnUrl: string | null, ownOriginUrl: string, message: string): string {
  const origin = returnUrl ? new URL(returnUrl).origin : `${ownOriginUrl}/app`;
  return `${origin}/auth/error?error=${encodeURIComponent(message)}`;
}

/** `/social/google/login`, `/callback` and `/token/{temp_token_id}`. */
export async function socialRoutes(app: FamilyApp, google: GoogleSignIn): Promise<void> {
  app.get(
    '/social/google/login',
    {
      schema: {
        tags,
        summary: 'Start Google sign-in in the system browser (302 to Google)',
        description:
          '`return_url` must be Atelier itself, a loopback origin (any port) or an origin added in Settings; it receives `?token={temp_token_id}&auth_success=true`.',
        querystring: Type.Object({ return_url: Type.Optional(Type.String({ maxLength: 2000 })) }),
        response: {
          400: { ...ErrorBody, description: '`SOCIAL_003`: a return_url outside the allowed origins' },
          503: { ...ErrorBody, description: '`SOCIAL_001`: Google sign-in is not set up (no client id and secret in Settings)' },
        },
      },
    },
    async (request, reply) => {
      const own = ownOrigin(request);
      const returnUrl = request.query.return_url ?? `${own}/app/`;
      if (!google.allowedReturnUrl(returnUrl, own)) {
        throw promoErrors.error('SOCIAL_003', 'return_url must be this Atelier, a loopback address or an origin allowed in Settings');
      }
      const url = await google.start(returnUrl, `${own}/social/google/callback`);
      return reply.redirect(url.href, 302);
    },
  );

  app.get(
    '/social/google/callback',
    {
      schema: {
        tags,
        summary: 'Where Google sends the browser back; redirects to return_url with a temporary token',
        querystring: Type.Object(
          { code: Type.Optional(Type.String()), state: Type.Optional(Type.String()), error: Type.Optional(Type.String()) },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      const own = ownOrigin(request);
      const { state, error } = request.query;
      const pending = google.takePending(state);
      if (!pending) return reply.redirect(errorRedirect(null, own, 'The sign-in link expired or was already used; start again'), 302);
      if (error) return reply.redirect(errorRedirect(pending.returnUrl, own, `Google said: ${error}`), 302);
      try {
        const callback = new URL(request.url, pending.redirectUri);
        const tokenId = await google.finish(pending, state!, callback);
        const target = new URL(pending.returnUrl);
        target.searchParams.set('token', tokenId);
        target.searchParams.set('auth_success', 'true');
        return reply.redirect(target.href, 302);
      } catch (err) {
        request.log.warn({ err }, 'google sign-in failed');
        return reply.redirect(errorRedirect(pending.returnUrl, own, `Google sign-in failed: ${(err as Error).message}`), 302);
      }
    },
  );

  app.get(
    '/social/google/token/:temp_token_id',
    {
      schema: {
        tags,
        summary: 'Trade the temporary token (once, within a minute) for the sign-in result',
        description:
          "Besides the seed fields, `atelier` carries this server's own tokens for the linked account, and the session cookie is set.",
        params: Type.Object({ temp_token_id: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({
            access_token: Type.String(),
            refresh_token: Type.Union([Type.String(), Type.Null()]),
            token_type: Type.String(),
            expires_in: Type.Union([Type.Integer(), Type.Null()]),
            user_info: Type.Object({
              id: Type.String(),
              email: Type.Union([Type.String(), Type.Null()]),
              name: Type.Union([Type.String(), Type.Null()]),
              picture: Type.Union([Type.String(), Type.Null()]),
            }),
            atelier: Type.Object({ user_id: Type.String(), access_token: Type.String(), refresh_token: Type.String() }),
          }),
        },
      },
    },
    async (request, reply) => {
      const token = google.redeem(request.params.temp_token_id);
      if (!token) throw promoErrors.error('SOCIAL_004', 'That sign-in token does not exist, was already used or has expired');
      const session = app.auth.startSession(token.atelier.user_id, { withCookie: true });
      reply.setCookie(SESSION_COOKIE, session.cookie!, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: REFRESH_TOKEN_TTL_SECONDS });
      return token;
    },
  );
}
