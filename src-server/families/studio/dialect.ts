import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';

/** Studio (recording studio) spec: `{success:false, error:{code, message}}`. */
export const studioDialect: Dialect = {
  name: 'studio',
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
  errorBody: (e) => ({ success: false, error: { code: e.code, message: e.message } }),
  authError: (f) => {
    if (f.reason === 'expired') return new AppError(401, 'TOKEN_EXPIRED', 'Access token has expired; refresh it');
    if (f.reason === 'missing_header') return new AppError(401, 'UNAUTHORIZED', 'Sign in first: send Authorization: Bearer <token>');
    return new AppError(401, 'INVALID_TOKEN', 'Access token is invalid or has been revoked');
  },
  forbidden: (m) => new AppError(403, 'FORBIDDEN', m ?? 'You do not have access to this resource'),
};
