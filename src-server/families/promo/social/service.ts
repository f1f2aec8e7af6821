import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import * as oidc from 'openid-client';
import type { AuthService, UserRow } from '../../../auth/service';
import type { Db } from '../../../db/client';
import { oauthIdentities, users } from '../../../db/schema';
import { promoErrors } from '../errors';
import { readSetting } from '../../../db/settings';

/** How long the browser has to come back from the provider. */
const PENDING_TTL_MS = 10 * 60_000;
/** The temporary token is read once, within about a minute (the seed's `temp_token_id`). */
export const TEMP_TOKEN_TTL_MS = 60_000;

interface Pending {
  verifier: string;
  nonce: string;
  returnUrl: string;
  redirectUri: string;
  expiresAt: number;
}

export interface TempToken {
  access_token: string;
  refresh_token: string | null;
  token_type: string;
  expires_in: number | null;
  user_info: { id: string; email: string | null; name: string | null; picture: string | null };
  /** Atelier's own session for the account the Google identity is linked to. */
  atelier: { user_id: string; access_token: string; refresh_token: string };
  expiresAt: number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Google sign-in for a local server (RFC 8252): the system browser, PKCE S256, `state` and a nonce,
 * a loopback redirect, and a single-use temporary token the client trades for the result. The
 * `return_url` may only point at Atelier itself, a loopback origin or an origin set in Settings:
 * anything else would hand the token to a stranger.
 */
export class GoogleSignIn {
  private readonly pending = new Map<string, Pending>();
  private readonly tokens = new Map<string, TempToken>();
  private config: { key: string; value: Promise<oidc.Configuration> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly auth: AuthService,
    private readonly now: () => number,
  ) {}

  private settings() {
    const s = readSetting(this.db, 'oauth.google');
    if (!s.clientId || !s.clientSecret) {
      throw promoErrors.error('SOCIAL_001', 'Google sign-in is not set up: add your Google "desktop app" client id and secret in Settings');
    }
    return { ...s, clientId: s.clientId, clientSecret: s.clientSecret };
  }

  private async configuration(): Promise<oidc.Configuration> {
    const s = this.settings();
    const key = `${s.issuer}|${s.clientId}|${s.clientSecret}`;
    if (!this.config || this.config.key !== key) {
      const issuer = new URL(s.issuer);
      // Plain http only for a provider on this machine (the tests' stand-in for Google).
      const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.host.replace(/:\d+$/, ''));
      const value = oidc.discovery(
        issuer,
        s.clientId,
        s.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      this.config = { key, value };
      value.catch(() => {
        if (this.config?.value === value) this.config = null;
      });
    }
    try {
      return await this.config.value;
    } catch (err) {
      throw promoErrors.error('SOCIAL_002', `Google could not be reached: ${(err as Error).message}`);
    }
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
    return readSetting(this.db, 'oauth.google').returnOrigins.includes(u.origin);
  }

  private sweep() {
    const now = this.now();
    for (const [k, v] of this.pending) if (v.expiresAt <= now) this.pending.delete(k);
    for (const [k, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(k);
  }

  async start(returnUrl: string, redirectUri: string): Promise<URL> {
    const config = await this.configuration();
    this.sweep();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    this.pending.set(state, { verifier, nonce, returnUrl, redirectUri, expiresAt: this.now() + PENDING_TTL_MS });
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  /** The return URL a state was issued for (single use: the state is spent here). */
  takePending(state: string | undefined): Pending | null {
    if (!state) return null;
    const found = this.pending.get(state) ?? null;
    this.pending.delete(state);
    return found && found.expiresAt > this.now() ? found : null;
  }

  /** Code → tokens (PKCE, state, nonce and ID token checked by openid-client) → linked account → temp token id. */
  async finish(pending: Pending, state: string, callbackUrl: URL): Promise<string> {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    const email = typeof info.email === 'string' ? info.email : null;
    const name = typeof info.name === 'string' ? info.name : null;
    const user = await this.link('google', claims.sub, email, info.email_verified === true, name ?? email ?? 'Google user');
    const session = this.auth.startSession(user.id);
    const id = crypto.randomUUID();
    this.tokens.set(id, {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token ?? null,
      token_type: 'Bearer',
      expires_in: tokens.expiresIn() ?? null,
      user_info: { id: claims.sub, email, name, picture: typeof info.picture === 'string' ? info.picture : null },
      atelier: { user_id: user.id, access_token: session.accessToken, refresh_token: session.refreshToken },
      expiresAt: this.now() + TEMP_TOKEN_TTL_MS,
    });
    return id;
  }

  /** Reads and forgets a temporary token. */
  redeem(id: string): Omit<TempToken, 'expiresAt'> | null {
    const token = this.tokens.get(id);
    this.tokens.delete(id);
    if (!token || token.expiresAt <= this.now()) return null;
    const { expiresAt: _expiresAt, ...rest } = token;
    return rest;
  }

  /**
   * The account for a provider identity: the one already linked, else the account with the same
   * e-mail when the provider verified it, else a new account (whose password nobody knows).
   */
  private async link(provider: string, subject: string, email: string | null, verified: boolean, name: string): Promise<UserRow> {
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
