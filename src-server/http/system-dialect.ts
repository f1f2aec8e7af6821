import { AppError } from './errors';
import type { Dialect } from './dialect';

/**
 * Atelier's own routes (settings, signed file URLs, AI status): the studio/canvas-style body
 * `{success:false, error:{code, message}}`. Shared machinery (plugins/app/ai.ts, storage.ts) and
 * the fallback for URLs no family owns speak it too, so it lives in http/, not in system/.
 */
export const systemDialect: Dialect = {
  name: 'system',
  core: {
    validation: { status: 400, code: 'VALIDATION_ERROR' },
    bad_json: { status: 400, code: 'INVALID_JSON' },
    too_large: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    unsupported_media: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    not_found: { status: 404, code: 'NOT_FOUND' },
    method_not_allowed: { status: 405, code: 'METHOD_NOT_ALLOWED' },
    rate_limited: { status: 429, code: 'RATE_LIMITED' },
    internal: { status: 500, code: 'INTERNAL_ERROR' },
  },
  errorBody: (e) => ({ success: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } }),
  authError: (f) =>
    f.reason === 'expired'
      ? new AppError(401, 'TOKEN_EXPIRED', 'Access token has expired')
      : f.reason === 'missing_header'
        ? new AppError(401, 'UNAUTHORIZED', 'Sign in first: send Authorization: Bearer <token>')
        : new AppError(401, 'INVALID_TOKEN', 'Access token is invalid or revoked'),
  forbidden: (m) => new AppError(403, 'FORBIDDEN', m ?? 'You may not do this'),
};
