import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';

/** Promo-video spec (FastAPI style): bare bodies, errors `{error_code, error_message}`, 422 for validation. */
export const promoDialect: Dialect = {
  name: 'promo',
  core: {
    validation: { status: 422, code: 'VALIDATION_001' },
    bad_json: { status: 422, code: 'VALIDATION_002' },
    too_large: { status: 413, code: 'REQUEST_001' },
    unsupported_media: { status: 415, code: 'REQUEST_002' },
    not_found: { status: 404, code: 'NOT_FOUND' },
    method_not_allowed: { status: 405, code: 'METHOD_NOT_ALLOWED' },
    rate_limited: { status: 429, code: 'RATE_001' },
    internal: { status: 500, code: 'SERVER_001' },
  },
  errorBody: (e) => ({ error_code: e.code, error_message: e.message }),
  authError: (f) =>
    new AppError(
      401,
      'AUTH_003',
      f.reason === 'expired' ? 'Your session has expired; sign in again' : 'Sign in first (session cookie or Bearer token)',
    ),
  forbidden: (m) => new AppError(403, 'AUTH_004', m ?? 'You may only act on your own account'),
};
