import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';

/**
 * Stage spec: `{success:false, error:"CODE", message, details?}`. A missing or malformed
 * Authorization header is 403; a bad or expired token 401 (with `expiredAt`).
 */
export const stageDialect: Dialect = {
  name: 'stage',
  // The spec defines 400 `INVALID_ID` / `INVALID_INPUT` for a malformed id in a path.
  malformedPathId: 'validation',
  core: {
    validation: { status: 400, code: 'INVALID_INPUT' },
    bad_json: { status: 400, code: 'INVALID_JSON' },
    too_large: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    unsupported_media: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    not_found: { status: 404, code: 'NOT_FOUND' },
    method_not_allowed: { status: 405, code: 'METHOD_NOT_ALLOWED' },
    rate_limited: { status: 429, code: 'RATE_LIMITED' },
    internal: { status: 500, code: 'INTERNAL_SERVER_ERROR' },
  },
  errorBody: (e) => ({
    success: false,
    error: e.code,
    message: e.message,
    ...(e.extra ?? {}),
    ...(e.details ? { details: e.details } : {}),
  }),
  authError: (f) => {
    switch (f.reason) {
      case 'missing_header':
        return new AppError(403, 'NO_AUTH_HEADER', 'No authorization header provided');
      case 'bad_format':
        return new AppError(403, 'INVALID_AUTH_FORMAT', 'Authorization header must start with "Bearer "');
      case 'empty_token':
        return new AppError(403, 'NO_TOKEN', 'No token provided');
      case 'expired':
        return new AppError(401, 'TOKEN_EXPIRED', 'Token has expired', undefined, { expiredAt: f.expiredAt });
      default:
        return new AppError(401, 'INVALID_TOKEN', 'Invalid token');
    }
  },
  forbidden: (m) => new AppError(403, 'ACCESS_DENIED', m ?? 'Access denied'),
};
