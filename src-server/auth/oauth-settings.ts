import { Type, type Static } from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DataEnvelope } from '../http/envelopes';
import { lanAddresses } from '../plugins/app/lan';
import { readSetting, writeSetting } from '../db/settings';
import { OAUTH_PROVIDERS, type OAuthProvider } from './oauth';

/** Every callback path that sign-in uses: the provider's console must list each one it should accept. */
const CALLBACK_PATHS: Record<OAuthProvider, string[]> = {
  google: ['/social/google/callback', '/api/v1/auth/google/callback'],
  discord: ['/api/v1/auth/discord/callback'],
};

const ProviderView = Type.Object({
  client_id: Type.Union([Type.String(), Type.Null()]),
  /** Never the secret itself: only whether one is stored. */
  has_secret: Type.Boolean(),
  configured: Type.Boolean(),
  redirect_uris: Type.Array(Type.String(), { description: "What to register in the provider's console for the chosen return address" }),
});

const SignInView = Type.Object({
  google: ProviderView,
  discord: ProviderView,
  return_origins: Type.Array(Type.String()),
  redirect_via: Type.Union([Type.Literal('loopback'), Type.Literal('lan')]),
  lan_address: Type.Union([Type.String(), Type.Null()], { description: "This computer's first LAN address, when it has one" }),
  lan_sharing: Type.Boolean({
    description: 'Whether LAN sharing is on: a LAN return address needs it, or the browser finds nothing there',
  }),
});

const ProviderPatch = Type.Object({
  client_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 300, pattern: '^\\S+$' }), Type.Null()])),
  client_secret: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 300, pattern: '^\\S+$' }), Type.Null()], {
      description: 'Absent: keep the stored one. null: forget it.',
    }),
  ),
});

const SignInPatch = Type.Object({
  google: Type.Optional(ProviderPatch),
  discord: Type.Optional(ProviderPatch),
  return_origins: Type.Optional(Type.Array(Type.String({ pattern: '^https?://[^/\\s]+', maxLength: 300 }), { maxItems: 20 })),
  redirect_via: Type.Optional(Type.Union([Type.Literal('loopback'), Type.Literal('lan')])),
});

function view(app: FastifyInstance, request: FastifyRequest): Static<typeof SignInView> {
  const shared = readSetting(app.db, 'oauth');
  const port = /:(\d+)$/.exec(request.host)?.[1];
  const lan = lanAddresses()[0] ?? null;
  const origin =
    shared.redirectVia === 'lan' ? (lan ? `http://${lan}${port ? `:${port}` : ''}` : null) : `http://127.0.0.1${port ? `:${port}` : ''}`;
  const provider = (p: OAuthProvider) => {
    const s = readSetting(app.db, `oauth.${p}`);
    return {
      client_id: s.clientId,
      has_secret: !!s.clientSecret,
      configured: !!s.clientId && !!s.clientSecret,
      redirect_uris: origin ? CALLBACK_PATHS[p].map((path) => origin + path) : [],
    };
  };
  return {
    google: provider('google'),
    discord: provider('discord'),
    return_origins: shared.returnOrigins,
    redirect_via: shared.redirectVia,
    lan_address: lan,
    lan_sharing: app.lan.status().enabled,
  };
}

/** `GET|PUT /system/settings/sign-in`: Google and Discord clients, extra return origins, the return address. Owner only (under /system). */
export async function oauthSettingsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/system/settings/sign-in',
    {
      schema: {
        tags: ['system'],
        summary: 'Google and Discord sign-in settings (loopback only; secrets are never shown)',
        response: { 200: DataEnvelope(SignInView) },
      },
    },
    async (request) => ({ success: true as const, data: view(app, request) }),
  );
  app.put<{ Body: Static<typeof SignInPatch> }>(
    '/system/settings/sign-in',
    {
      schema: {
        tags: ['system'],
        summary: 'Set the Google and Discord clients and where providers send the browser back (loopback only)',
        body: SignInPatch,
        response: { 200: DataEnvelope(SignInView) },
      },
    },
    async (request) => {
      const b = request.body;
      const now = app.clock.now();
      for (const p of OAUTH_PROVIDERS) {
        const patch = b[p];
        if (!patch) continue;
        const current = readSetting(app.db, `oauth.${p}`);
        const next = {
          ...current,
          ...(patch.client_id !== undefined ? { clientId: patch.client_id } : {}),
          ...(patch.client_secret !== undefined ? { clientSecret: patch.client_secret } : {}),
        };
        if (p === 'google') writeSetting(app.db, 'oauth.google', next as typeof current & { issuer: string }, now);
        else writeSetting(app.db, 'oauth.discord', next as typeof current & { apiBase: string }, now);
      }
      if (b.return_origins !== undefined || b.redirect_via !== undefined) {
        const shared = readSetting(app.db, 'oauth');
        writeSetting(
          app.db,
          'oauth',
          {
            returnOrigins: b.return_origins ? [...new Set(b.return_origins.map((u) => new URL(u).origin))] : shared.returnOrigins,
            redirectVia: b.redirect_via ?? shared.redirectVia,
          },
          now,
        );
      }
      return { success: true as const, data: view(app, request) };
    },
  );
}
