import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import * as oidc from 'openid-client';
import type { Db } from '../db/client';
import { oauthIdentities, users } from '../db/schema';
import { lanAddresses } from '../plugins/app/lan';
import { readSetting } from '../db/settings';
import type { AuthService, UserRow } from './service';

/**
 * Sign-in with Google (OpenID Connect) and Discord (plain OAuth2) for a local server, shared by
 * every family that offers it (RFC 8252): the system browser, PKCE S256 and `state` (and a nonce
 * where there is an ID token), a redirect back to this server, and a single-use temporary token the
 * client trades for the result. `return_url` may only point at Atelier itself, a loopback origin or
 * an origin set in Settings: anything else would hand the token to a stranger. Families word the
 * failures in their own dialect from `OAuthError.kind`.
 */

export const OAUTH_PROVIDERS = ['google', 'discord'] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

export const PROVIDER_LABEL: Record<OAuthProvider, string> = { google: 'Google', discord: 'Discord' };

/** How long the browser has to come back from the provider. */
const PENDING_TTL_MS = 10 * 60_000;
/** The temporary token is read once, within about a minute. */
export const TEMP_TOKEN_TTL_MS = 60_000;

export type OAuthFailure = 'not_configured' | 'unreachable' | 'return_url' | 'redirect' | 'token';

export class OAuthError extends Error {
  constructor(
    readonly kind: OAuthFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface Pending {
  provider: OAuthProvider;
  verifier: string;
  nonce: string | null;
  returnUrl: string;
  redirectUri: string;
  expiresAt: number;
}

export interface SignInResult {
  provider: OAuthProvider;
  access_token: string;
  refresh_token: string | null;
  token_type: string;
  expires_in: number | null;
  user_info: { id: string; email: string | null; name: string | null; picture: string | null };
  /** Atelier's own session for the account the provider identity is linked to. */
  atelier: { user_id: string; access_token: string; refresh_token: string; expires_in: number };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const hostOnly = (host: string) => (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')).toLowerCase();

/** Plain http only for a provider on this machine (the tests' stand-in for Google or Discord). */
const insecureFor = (url: URL) =>
  url.protocol === 'http:' && LOOPBACK_HOSTS.has(hostOnly(url.host)) ? { execute: [oidc.allowInsecureRequests] } : undefined;

/** Discord's OAuth2 endpoints under its base (https://discord.com). */
export function discordEndpoints(apiBase: string) {
  const base = apiBase.replace(/\/+$/, '');
  return {
    authorize: `${base}/oauth2/authorize`,
    token: `${base}/api/oauth2/token`,
    user: `${base}/api/users/@me`,
  };
}

/**
 * The origin providers send the browser back to. `loopback` (RFC 8252; what a Google "desktop app"
 * client accepts): this computer's own address, so only a browser here can finish. `lan`: this
 * computer's LAN address, for signing in from another device (the provider must list that URI).
 */
export function redirectOrigin(via: 'loopback' | 'lan', request: { protocol: string; host: string }, lanAddresses: () => string[]): string {
  const requestHost = hostOnly(request.host);
  const port = /:(\d+)$/.exec(request.host)?.[1];
  const onLoopback = LOOPBACK_HOSTS.has(requestHost);
  if (via === 'loopback') {
    if (!onLoopback) {
      throw new OAuthError(
        'redirect',
        "Sign-in returns to this computer's loopback address, which another device cannot reach; the owner can choose the LAN address in Settings",
      );
    }
    return `${request.protocol}://${request.host}`;
  }
  if (!onLoopback) return `${request.protocol}://${request.host}`;
  const lan = lanAddresses()[0];
  if (!lan) throw new OAuthError('redirect', 'Sign-in is set to return to the LAN address, but this computer has none');
  return `${request.protocol}://${lan}${port ? `:${port}` : ''}`;
}

export class OAuthSignIn {
  private readonly pending = new Map<string, Pending>();
  private readonly tokens = new Map<string, SignInResult & { expiresAt: number }>();
  private readonly configs = new Map<OAuthProvider, { key: string; value: Promise<oidc.Configuration> }>();

  constructor(
    private readonly db: Db,
    private readonly auth: AuthService,
    private readonly now: () => number,
  ) {}

  private credentials(provider: OAuthProvider) {
    const s = readSetting(this.db, `oauth.${provider}`);
    if (!s.clientId || !s.clientSecret) {
      const kind = provider === 'google' ? 'Google "desktop app"' : 'Discord application';
      throw new OAuthError(
        'not_configured',
        `${PROVIDER_LABEL[provider]} sign-in is not set up: add your ${kind} client id and secret in Settings`,
      );
    }
    return { clientId: s.clientId, clientSecret: s.clientSecret, base: 'issuer' in s ? s.issuer : s.apiBase };
  }

  private async configuration(provider: OAuthProvider): Promise<oidc.Configuration> {
    const c = this.credentials(provider);
    const key = `${c.base}|${c.clientId}|${c.clientSecret}`;
    let cached = this.configs.get(provider);
    if (!cached || cached.key !== key) {
      const value =
        provider === 'google'
          ? oidc.discovery(new URL(c.base), c.clientId, c.clientSecret, undefined, insecureFor(new URL(c.base)))
          : Promise.resolve(this.discordConfiguration(c));
      cached = { key, value };
      this.configs.set(provider, cached);
      value.catch(() => {
        if (this.configs.get(provider)?.value === value) this.configs.delete(provider);
      });
    }
    try {
      return await cached.value;
    } catch (err) {
      throw new OAuthError('unreachable', `${PROVIDER_LABEL[provider]} could not be reached: ${(err as Error).message}`);
    }
  }

  /** Discord publishes no discovery document: its metadata is written out here. */
  private discordConfiguration(c: { clientId: string; clientSecret: string; base: string }): oidc.Configuration {
    const e = discordEndpoints(c.base);
    const config = new oidc.Configuration(
      { issuer: new URL(c.base).origin, authorization_endpoint: e.authorize, token_endpoint: e.token },
      c.clientId,
      c.clientSecret,
    );
    if (insecureFor(new URL(c.base))) oidc.allowInsecureRequests(config);
    return config;
  }

  /** Whether `url` may receive the temporary token. */
  allowedReturnUrl(url: string, ownOrigin: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    if (u.origin === ownOrigin) return true;
    if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname === '::1' ? '[::1]' : u.hostname)) return true;
    return readSetting(this.db, 'oauth').returnOrigins.includes(u.origin);
  }

  private sweep() {
    const now = this.now();
    for (const [k, v] of this.pending) if (v.expiresAt <= now) this.pending.delete(k);
    for (const [k, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(k);
  }

  /**
   * The provider's authorization URL for a browser that asked on `request` (its protocol and Host),
   * coming back to `callbackPath` and then to `returnUrl` (default: Atelier's own app).
   */
  async begin(
    provider: OAuthProvider,
    returnUrl: string | undefined,
    request: { protocol: string; host: string },
    callbackPath: string,
  ): Promise<URL> {
    const own = `${request.protocol}://${request.host}`;
    const target = returnUrl ?? `${own}/app/`;
    if (!this.allowedReturnUrl(target, own)) {
      throw new OAuthError('return_url', 'return_url must be this Atelier, a loopback address or an origin allowed in Settings');
    }
    const redirectUri = redirectOrigin(readSetting(this.db, 'oauth').redirectVia, request, lanAddresses) + callbackPath;
    return this.start(provider, target, redirectUri);
  }

  /**
   * Where the browser goes once the provider sent it back to `callbackUrl`: the return_url with
   * `token` and `auth_success=true`, or an error page on the asking origin (ours when none can be trusted).
   */
  async complete(provider: OAuthProvider, callbackUrl: URL, ownOrigin: string, onError: (err: unknown) => void): Promise<string> {
    const state = callbackUrl.searchParams.get('state') ?? undefined;
    const pending = this.takePending(provider, state);
    const errorPage = (returnUrl: string | null, message: string) =>
      `${returnUrl ? new URL(returnUrl).origin : `${ownOrigin}/app`}/auth/error?error=${encodeURIComponent(message)}`;
    if (!pending) return errorPage(null, 'The sign-in link expired or was already used; start again');
    const refused = callbackUrl.searchParams.get('error');
    if (refused) return errorPage(pending.returnUrl, `${PROVIDER_LABEL[provider]} said: ${refused}`);
    try {
      // The provider saw the redirect URI, not the Host this request carries: check against that.
      const callback = new URL(callbackUrl.pathname + callbackUrl.search, pending.redirectUri);
      const tokenId = await this.finish(pending, state!, callback);
      const target = new URL(pending.returnUrl);
      target.searchParams.set('token', tokenId);
      target.searchParams.set('auth_success', 'true');
      return target.href;
    } catch (err) {
      onError(err);
      return errorPage(pending.returnUrl, `${PROVIDER_LABEL[provider]} sign-in failed: ${(err as Error).message}`);
    }
  }

  private async start(provider: OAuthProvider, returnUrl: string, redirectUri: string): Promise<URL> {
    const config = await this.configuration(provider);
    this.sweep();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = provider === 'google' ? oidc.randomNonce() : null;
    this.pending.set(state, { provider, verifier, nonce, returnUrl, redirectUri, expiresAt: this.now() + PENDING_TTL_MS });
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: provider === 'google' ? 'openid email profile' : 'identify email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(nonce ? { nonce } : { prompt: 'consent' }),
    });
  }

  /** What a state was issued for (single use: the state is spent here, whichever provider it came back through). */
  private takePending(provider: OAuthProvider, state: string | undefined): Pending | null {
    if (!state) return null;
    const found = this.pending.get(state) ?? null;
    this.pending.delete(state);
    return found && found.provider === provider && found.expiresAt > this.now() ? found : null;
  }

  /** Code → tokens (PKCE and state checked by openid-client; nonce and ID token too for Google) → linked account → temp token id. */
  private async finish(pending: Pending, state: string, callbackUrl: URL): Promise<string> {
    const config = await this.configuration(pending.provider);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: state,
      ...(pending.nonce ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    });
    const who = pending.provider === 'google' ? await this.googleUser(config, tokens) : await this.discordUser(config, tokens.access_token);
    const user = await this.link(
      pending.provider,
      who.id,
      who.email,
      who.verified,
      who.name ?? who.email ?? `${PROVIDER_LABEL[pending.provider]} user`,
    );
    const session = this.auth.startSession(user.id);
    const id = crypto.randomUUID();
    this.tokens.set(id, {
      provider: pending.provider,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token ?? null,
      token_type: 'Bearer',
      expires_in: tokens.expiresIn() ?? null,
      user_info: { id: who.id, email: who.email, name: who.name, picture: who.picture },
      atelier: { user_id: user.id, access_token: session.accessToken, refresh_token: session.refreshToken, expires_in: session.expiresIn },
      expiresAt: this.now() + TEMP_TOKEN_TTL_MS,
    });
    return id;
  }

  private async googleUser(config: oidc.Configuration, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) {
    const claims = tokens.claims()!;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      id: claims.sub,
      email: str(info.email),
      verified: info.email_verified === true,
      name: str(info.name),
      picture: str(info.picture),
    };
  }

  /** Discord's `/users/@me` (scope `identify email`). */
  private async discordUser(config: oidc.Configuration, accessToken: string) {
    const { user, authorize } = discordEndpoints(this.credentials('discord').base);
    const res = await oidc.fetchProtectedResource(config, accessToken, new URL(user), 'GET');
    if (!res.ok) throw new Error(`Discord answered ${res.status} for the user`);
    const me = (await res.json()) as {
      id?: unknown;
      username?: unknown;
      global_name?: unknown;
      email?: unknown;
      verified?: unknown;
      avatar?: unknown;
    };
    if (typeof me.id !== 'string' || !/^\d{1,30}$/.test(me.id)) throw new Error('Discord sent no user id');
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    const avatar = str(me.avatar);
    const cdn = new URL(authorize).hostname === 'discord.com' ? 'https://cdn.discordapp.com' : new URL(authorize).origin;
    return {
      id: me.id,
      email: str(me.email),
      verified: me.verified === true,
      name: str(me.global_name) ?? str(me.username),
      picture: avatar && /^[\w]+$/.test(avatar) ? `${cdn}/avatars/${me.id}/${avatar}.png` : null,
    };
  }

  /** Reads and forgets a temporary token; only the provider that issued it redeems it. */
  redeem(provider: OAuthProvider, id: string): SignInResult | null {
    const token = this.tokens.get(id);
    if (!token || token.provider !== provider) return null;
    this.tokens.delete(id);
    if (token.expiresAt <= this.now()) return null;
    const { expiresAt: _expiresAt, ...rest } = token;
    return rest;
  }

  /**
   * The account for a provider identity: the one already linked, else the account with the same
   * e-mail when the provider verified it, else a new account (whose password nobody knows).
   */
  private async link(provider: OAuthProvider, subject: string, email: string | null, verified: boolean, name: string): Promise<UserRow> {
    const linked = this.db
      .select()
      .from(oauthIdentities)
      .where(and(eq(oauthIdentities.provider, provider), eq(oauthIdentities.subject, subject)))
      .get();
    if (linked) {
      const user = this.auth.getUser(linked.userId);
      if (user) return user;
    }
    let user = email && verified ? (this.db.select().from(users).where(eq(users.email, email)).get() ?? null) : null;
    if (!user) {
      user = await this.auth.register({
        name: name.slice(0, 50),
        email: email && verified ? email : null,
        password: crypto.randomBytes(32).toString('base64url'),
      });
    }
    this.db
      .insert(oauthIdentities)
      .values({ provider, subject, userId: user.id, email, createdAt: new Date(this.now()).toISOString() })
      .onConflictDoUpdate({ target: [oauthIdentities.provider, oauthIdentities.subject], set: { userId: user.id, email } })
      .run();
    return user;
  }
}
