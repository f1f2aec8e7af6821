import { createRequire } from 'node:module';

// fast-jwt loads its ECDSA/RSA helpers (asn1.js, bn.js) with it; HS256 needs none of them, and the
// server's first answer needs no token at all, so it is loaded on the first token signed or checked.
const require = createRequire(import.meta.url);
const fastJwt = () => require('fast-jwt') as typeof import('fast-jwt');

export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface AccessClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
}

export type VerifyResult =
  { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired'; expiredAt: string } | { ok: false; reason: 'invalid' };

const ISSUER = 'atelier';
/** Verified tokens remembered by their exact text; a client sends the same token for an hour. */
const VERIFIED_CACHE = 1000;
const AUDIENCE = 'atelier-api';

/** HS256 access tokens signed with the installation's own key. */
export class AccessTokens {
  private signer: ((payload: Record<string, unknown>) => string) | null = null;
  private verifier: ((token: string) => AccessClaims) | null = null;
  // fast-jwt's own cache hashes every token with SHA-256 to find it, which cost a signed-in Range
  // request more than the HMAC it saves; a Map keyed on the token text finds it for the price of a
  // string hash. Only verified tokens are kept, and expiry is still checked on every call.
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  private sign(payload: Record<string, unknown>): string {
    this.signer ??= fastJwt().createSigner({ key: this.key, algorithm: 'HS256', noTimestamp: true });
    return this.signer(payload);
  }

  private verify(token: string): AccessClaims {
    // Expiry is checked against our own clock below, so tests can move time and stage's
    // spec can be told when a token ran out.
    this.verifier ??= fastJwt().createVerifier({
      key: this.key,
      algorithms: ['HS256'],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      ignoreExpiration: true,
    });
    return this.verifier(token) as AccessClaims;
  }

  issue(userId: string, sessionId: string): string {
    const iat = Math.floor(this.now() / 1000);
    return this.sign({ sub: userId, sid: sessionId, iat, exp: iat + ACCESS_TOKEN_TTL_SECONDS, iss: ISSUER, aud: AUDIENCE });
  }

  check(token: string): VerifyResult {
    let claims = this.verified.get(token);
    if (claims === undefined) {
      try {
        claims = this.verify(token);
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (this.verified.size >= VERIFIED_CACHE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
    }
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') {
      return { ok: false, reason: 'invalid' };
    }
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'expired', expiredAt: new Date(claims.exp * 1000).toISOString() };
    return { ok: true, claims };
  }
}
