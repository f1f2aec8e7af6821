import crypto from 'node:crypto';
import { assertValidKey } from './file-store';

export type SignedMethod = 'GET' | 'PUT';

export interface SignOptions {
  method: SignedMethod;
  key: string;
  expiresInSeconds: number;
  /** PUT: the largest body the URL accepts. */
  maxBytes?: number;
  /** GET: the Content-Type served; PUT: the Content-Type the uploader must send. */
  contentType?: string;
  /** GET: served as an attachment with this file name. */
  downloadName?: string;
}

/** What a verified URL allows. */
export interface SignedGrant {
  method: SignedMethod;
  key: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  maxBytes?: number;
  contentType?: string;
  downloadName?: string;
}

export type VerifyResult = { ok: true; grant: SignedGrant } | { ok: false; reason: 'invalid' | 'expired' };

const DIGITS = /^\d{1,16}$/;

/**
 * Signed, expiring URLs for stored files: the local stand-in for presigned S3 URLs. The HMAC covers
 * the method, key, expiry and every option, so none can be changed without voiding the URL.
 */
export class UrlSigner {
  constructor(
    private readonly secret: Buffer,
    private readonly clock: { now(): number },
  ) {}

  /** A path such as `/files/<key>?m=GET&exp=<unix seconds>&sig=<base64url>`, to put behind the server's origin. */
  sign(opts: SignOptions): string {
    assertValidKey(opts.key);
    if (!Number.isInteger(opts.expiresInSeconds) || opts.expiresInSeconds <= 0) {
      throw new RangeError('expiresInSeconds must be a positive integer');
    }
    if (opts.maxBytes !== undefined && (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 0)) {
      throw new RangeError('maxBytes must be a non-negative integer');
    }
    const fields = {
      m: opts.method,
      exp: String(Math.floor(this.clock.now() / 1000) + opts.expiresInSeconds),
      max: opts.maxBytes === undefined ? undefined : String(opts.maxBytes),
      ct: opts.contentType,
      dl: opts.downloadName,
    };
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) query.set(name, value);
    query.set('sig', this.mac(opts.key, fields));
    return `/files/${opts.key}?${query.toString()}`;
  }

  /** Checks a request's query against its method and key. Tampered or wrong-method URLs are `invalid`. */
  verify(method: SignedMethod, key: string, query: Record<string, unknown>): VerifyResult {
    const text = (name: string): string | undefined => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    const fields = { m: text('m'), exp: text('exp'), max: text('max'), ct: text('ct'), dl: text('dl') };
    const sig = text('sig');
    if (fields.m !== method || !fields.exp || !DIGITS.test(fields.exp) || (fields.max !== undefined && !DIGITS.test(fields.max)) || !sig) {
      return { ok: false, reason: 'invalid' };
    }
    const expected = Buffer.from(this.mac(key, fields));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    const expiresAt = Number(fields.exp) * 1000;
    if (this.clock.now() >= expiresAt) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      grant: {
        method,
        key,
        expiresAt,
        ...(fields.max !== undefined ? { maxBytes: Number(fields.max) } : {}),
        ...(fields.ct !== undefined ? { contentType: fields.ct } : {}),
        ...(fields.dl !== undefined ? { downloadName: fields.dl } : {}),
      },
    };
  }

  private mac(key: string, f: { m?: string; exp?: string; max?: string; ct?: string; dl?: string }): string {
    // JSON keeps the fields unambiguous: no value can borrow another's separator.
    const payload = JSON.stringify(['atelier-file-url-v1', f.m, key, f.exp, f.max ?? null, f.ct ?? null, f.dl ?? null]);
    return crypto.createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
