import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';
import { COMMON_CORE } from '../../http/envelope-dialect';

/**
 * Stage spec: `{success:false, error:"CODE", message, details?}`. A missing or malformed
 * Authorization header is 403; a bad or expired token 401 (with `expiredAt`).
 */
export const stageDialect: Dialect = {
  name: 'stage',
  // The spec defines 400 `INVALID_ID` / `INVALID_INPUT` for a malformed id in a path.
  malformedPathId: 'validation',
  core: {
    ...COMMON_CORE,
    validation: { status: 400, code: 'INVALID_INPUT' },
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
