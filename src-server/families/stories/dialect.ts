import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';

/** Stories spec §4: `{success:false, error:{code, message}}` with its common codes. */
export const storiesDialect: Dialect = {
  name: 'stories',
  core: {
    validation: { status: 400, code: 'VALIDATION_ERROR' },
    bad_json: { status: 400, code: 'VALIDATION_ERROR' },
    too_large: { status: 413, code: 'VALIDATION_ERROR' },
    unsupported_media: { status: 415, code: 'VALIDATION_ERROR' },
    not_found: { status: 404, code: 'RESOURCE_NOT_FOUND' },
    method_not_allowed: { status: 405, code: 'RESOURCE_NOT_FOUND' },
    rate_limited: { status: 429, code: 'RATE_LIMIT_EXCEEDED' },
    internal: { status: 500, code: 'SERVER_ERROR' },
  },
  errorBody: (e) => ({ success: false, error: { code: e.code, message: e.message } }),
  // The spec has one code for a missing, invalid or expired token.
  authError: (f) => new AppError(401, 'INVALID_TOKEN', f.reason === 'expired' ? 'Token has expired' : 'Token is missing or invalid'),
  forbidden: (m) => new AppError(403, 'INSUFFICIENT_PERMISSION', m ?? 'You do not have permission for this resource'),
};
