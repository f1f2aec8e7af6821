import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
import { DataEnvelope } from '../../../http/envelopes';
import { OAUTH_PROVIDERS, OAuthError, PROVIDER_LABEL, type OAuthFailure, type OAuthSignIn } from '../../../auth/oauth';
import { TokenPairSchema, tokenPairView } from '../../../auth/views';
import { errors } from '../errors';
import { errorResponses } from '../http';

const tags = ['canvas'];

const CODES: Record<OAuthFailure, Parameters<typeof errors.error>[0]> = {
  not_configured: 'OAUTH_NOT_CONFIGURED',
  unreachable: 'OAUTH_PROVIDER_ERROR',
  return_url: 'INVALID_RETURN_URL',
  redirect: 'OAUTH_REDIRECT_UNAVAILABLE',
  token: 'NOT_FOUND',
};

function canvasFailure(err: unknown): never {
  if (err instanceof OAuthError) throw errors.error(CODES[err.kind], err.message);
  throw err;
}

const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/**
 * `/api/v1/auth/{google,discord}` and their callbacks, through the shared sign-in (auth/oauth.ts).
 * The seed's "redirect with tokens" hands `return_url` a single-use `token` (never the tokens
 * themselves, which would sit in history and logs); `/api/v1/auth/{provider}/token/{id}` trades it once.
 */
export async function canvasSocialRoutes(
  app: FamilyApp,
  signIn: OAuthSignIn,
  credits: (userId: string) => { tier: string; credits: number },
) {
  for (const provider of OAUTH_PROVIDERS) {
    const label = PROVIDER_LABEL[provider];
    const callbackPath = `/api/v1/auth/${provider}/callback`;
    app.get(
      `/api/v1/auth/${provider}`,
      {
        schema: {
          tags,
          summary: `Start ${label} sign-in in the system browser (302 to ${label})`,
          description:
            '`return_url` (default: the web app) must be this Atelier, a loopback origin (any port) or an origin added in Settings; it receives `?token={id}&auth_success=true`.',
          querystring: Type.Object({ return_url: Type.Optional(Type.String({ maxLength: 2000 })) }),
          response: errorResponses(
            [
              'INVALID_RETURN_URL',
              'OAUTH_REDIRECT_UNAVAILABLE: asked from another device while sign-in returns to the loopback address',
              `OAUTH_PROVIDER_ERROR: ${label} could not be reached`,
              `OAUTH_NOT_CONFIGURED: no ${label} client id and secret in Settings`,
            ],
            { auth: false },
          ),
        },
      },
      async (request, reply) => {
        const url = await signIn.begin(provider, request.query.return_url, request, callbackPath).catch(canvasFailure);
        return reply.redirect(url.href, 302);
      },
    );
    app.get(
      callbackPath,
      {
        schema: {
          tags,
          summary: `Where ${label} sends the browser back; redirects to return_url with a single-use token`,
          querystring: Type.Object(
            { code: Type.Optional(Type.String()), state: Type.Optional(Type.String()), error: Type.Optional(Type.String()) },
            { additionalProperties: true },
          ),
        },
      },
      async (request, reply) => {
        const own = ownOrigin(request);
        const location = await signIn.complete(provider, new URL(request.url, own), own, (err) =>
          request.log.warn({ err }, `${provider} sign-in failed`),
        );
        return reply.redirect(location, 302);
      },
    );
  }
  app.get(
    '/api/v1/auth/token/:token_id',
    {
      schema: {
        tags,
        summary: "Trade a Google or Discord sign-in token (once, within a minute) for this server's tokens",
        response401: undefined,
        params: Type.Object({ token_id: Type.String({ maxLength: 64 }) }),
        response: {
          200: DataEnvelope(
            Type.Object({
              ...TokenPairSchema.properties,
              provider: Type.String(),
              user: Type.Object({
                id: Type.String(),
                email: Type.Union([Type.String(), Type.Null()]),
                name: Type.String(),
                avatar_url: Type.Union([Type.String(), Type.Null()]),
                tier: Type.String(),
                credits: Type.Integer(),
              }),
            }),
          ),
          ...errorResponses(['NOT_FOUND: unknown, already used or expired'], { auth: false }),
        },
      },
    },
    async (request) => {
      const result = OAUTH_PROVIDERS.map((p) => signIn.redeem(p, request.params.token_id)).find((r) => r !== null) ?? null;
      if (!result) canvasFailure(new OAuthError('token', 'That sign-in token does not exist, was already used or has expired'));
      const user = app.auth.getUser(result.atelier.user_id);
      if (!user) canvasFailure(new OAuthError('token', 'The account of that sign-in is gone'));
      const a = result.atelier;
      return {
        success: true as const,
        data: {
          ...tokenPairView({ accessToken: a.access_token, refreshToken: a.refresh_token, expiresIn: a.expires_in }),
          provider: result.provider,
          user: { id: user.id, email: user.email, name: user.name, avatar_url: result.user_info.picture, ...credits(user.id) },
        },
      };
    },
  );
}
