import { AppError } from '../../http/errors';
import type { Dialect } from '../../http/dialect';

export const notesDialect: Dialect = {
  name: 'notes',
  core: {
    validation: { status: 400, code: 'VALIDATION_ERROR' },
    bad_json: { status: 400, code: 'VALIDATION_ERROR' },
    too_large: { status: 413, code: 'VALIDATION_ERROR' },
    unsupported_media: { status: 415, code: 'VALIDATION_ERROR' },
    not_found: { status: 404, code: 'NOT_FOUND' },
    method_not_allowed: { status: 405, code: 'NOT_FOUND' },
    rate_limited: { status: 429, code: 'RATE_LIMITED' },
    internal: { status: 500, code: 'SERVER_ERROR' },
  },
  errorBody: (e) => ({ success: false, error: { code: e.code, message: e.message } }),
  authError: () => new AppError(401, 'UNAUTHORIZED', 'Sign in first'),
  forbidden: (m) => new AppError(403, 'FORBIDDEN', m ?? 'Forbidden'),
};
