import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';

/** Canvas (image studio) spec: `{success:false, error:{code, message, details?}}`. */
export const canvasDialect: Dialect = {
  name: 'canvas',
  core: {
    validation: { status: 400, code: 'VALIDATION_ERROR' },
    bad_json: { status: 400, code: 'VALIDATION_ERROR' },
    too_large: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    unsupported_media: { status: 415, code: 'VALIDATION_ERROR' },
    not_found: { status: 404, code: 'NOT_FOUND' },
    method_not_allowed: { status: 405, code: 'NOT_FOUND' },
    rate_limited: { status: 429, code: 'RATE_LIMITED' },
    internal: { status: 500, code: 'INTERNAL_ERROR' },
  },
  errorBody: (e) => ({ success: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } }),
  authError: (f) => {
    if (f.reason === 'expired') return new AppError(401, 'TOKEN_EXPIRED', 'Access token has expired; refresh it');
    if (f.reason === 'missing_header' || f.reason === 'bad_format' || f.reason === 'empty_token') {
      return new AppError(401, 'UNAUTHORIZED', 'Authentication required: send Authorization: Bearer <access_token>');
    }
    return new AppError(401, 'INVALID_TOKEN', 'Access token is invalid or has been revoked');
  },
  forbidden: (m) => new AppError(403, 'FORBIDDEN', m ?? 'You do not have access to this resource'),
};
