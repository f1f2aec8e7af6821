import { AppError, type AuthFailure, type CoreFailure } from './errors';
import type { Dialect } from './dialect';

export interface EnvelopeDialectOptions {
  name: string;
  /** Where the family's spec uses other codes for shared failures than the common ones below. */
  core?: Partial<Dialect['core']>;
  /** Whether `error.details` is part of the body (the studio spec has none). */
  details: boolean;
  /** The sign-in failures answered `UNAUTHORIZED` (the rest are `INVALID_TOKEN`, or `TOKEN_EXPIRED`). */
  unauthorized: readonly AuthFailure['reason'][];
  messages: { unauthorized: string; expired: string; invalid: string; forbidden: string };
}

/** The codes most seeds use for the shared failures. */
export const COMMON_CORE: Dialect['core'] = {
  validation: { status: 400, code: 'VALIDATION_ERROR' },
  bad_json: { status: 400, code: 'INVALID_JSON' },
  too_large: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  unsupported_media: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  not_found: { status: 404, code: 'NOT_FOUND' },
  method_not_allowed: { status: 405, code: 'METHOD_NOT_ALLOWED' },
  rate_limited: { status: 429, code: 'RATE_LIMITED' },
  internal: { status: 500, code: 'INTERNAL_ERROR' },
} satisfies Record<CoreFailure, unknown>;

/**
 * A dialect of the `{success:false, error:{code, message, details?}}` family of specs (studio,
 * canvas, Atelier's own routes): they differ only in a few shared codes, in `details` and in their
 * sign-in messages.
 */
export function envelopeDialect(options: EnvelopeDialectOptions): Dialect {
  const { messages } = options;
  return {
    name: options.name,
    core: { ...COMMON_CORE, ...options.core },
    errorBody: (e) => ({
      success: false,
      error: { code: e.code, message: e.message, ...(options.details && e.details ? { details: e.details } : {}) },
    }),
    authError: (f) => {
      if (f.reason === 'expired') return new AppError(401, 'TOKEN_EXPIRED', messages.expired);
      if (options.unauthorized.includes(f.reason)) return new AppError(401, 'UNAUTHORIZED', messages.unauthorized);
      return new AppError(401, 'INVALID_TOKEN', messages.invalid);
    },
    forbidden: (m) => new AppError(403, 'FORBIDDEN', m ?? messages.forbidden),
  };
}
