import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
import { SESSION_COOKIE } from '../../../plugins/app/auth';
import { REFRESH_TOKEN_TTL_SECONDS } from '../../../auth/tokens';
import { promoErrors } from '../errors';
import { errorResponses, tags } from '../http';
import { OAuthError, type OAuthFailure, type OAuthSignIn } from '../../../auth/oauth';

const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

const CODES: Record<OAuthFailure, 'SOCIAL_001' | 'SOCIAL_002' | 'SOCIAL_003' | 'SOCIAL_004' | 'SOCIAL_005'> = {
  not_configured: 'SOCIAL_001',
  unreachable: 'SOCIAL_002',
  return_url: 'SOCIAL_003',
  token: 'SOCIAL_004',
  redirect: 'SOCIAL_005',
};

/** The shared sign-in's failures in this family's words. */
function promoFailure(err: unknown): never {
  if (err instanceof OAuthError) throw promoErrors.error(CODES[err.kind], err.message);
  throw err;
}

/** `/social/google/login`, `/callback` and `/token/{temp_token_id}`. */
export async function socialRoutes(app: FamilyApp, signIn: OAuthSignIn): Promise<void> {
  app.get(
    '/social/google/login',
    {
      schema: {
        tags,
        summary: 'Start Google sign-in in the system browser (302 to Google)',
        description:
          '`return_url` must be Atelier itself, a loopback origin (any port) or an origin added in Settings; it receives `?token={temp_token_id}&auth_success=true`.',
        querystring: Type.Object({ return_url: Type.Optional(Type.String({ maxLength: 2000 })) }),
        response: errorResponses(
          [
            'SOCIAL_003: a return_url outside the allowed origins',
            'SOCIAL_001: Google sign-in is not set up (no client id and secret in Settings)',
            'SOCIAL_002: Google could not be reached',
            'SOCIAL_005: asked from another device while sign-in returns to the loopback address',
          ],
          { auth: false },
        ),
      },
    },
    async (request, reply) => {
      const url = await signIn.begin('google', request.query.return_url, request, '/social/google/callback').catch(promoFailure);
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
      const location = await signIn.complete('google', new URL(request.url, own), own, (err) =>
        request.log.warn({ err }, 'google sign-in failed'),
      );
      return reply.redirect(location, 302);
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
      const { provider: _provider, ...token } =
        signIn.redeem('google', request.params.temp_token_id) ??
        promoFailure(new OAuthError('token', 'That sign-in token does not exist, was already used or has expired'));
      const session = app.auth.startSession(token.atelier.user_id, { withCookie: true });
      reply.setCookie(SESSION_COOKIE, session.cookie!, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: REFRESH_TOKEN_TTL_SECONDS });
      return token;
    },
  );
}
