import { envelopeDialect } from '../../http/envelope-dialect';

/** Canvas (image studio) spec: `{success:false, error:{code, message, details?}}`; its table has no JSON, media or 405 codes. */
export const canvasDialect = envelopeDialect({
  name: 'canvas',
  core: {
    bad_json: { status: 400, code: 'VALIDATION_ERROR' },
    unsupported_media: { status: 415, code: 'VALIDATION_ERROR' },
    method_not_allowed: { status: 405, code: 'NOT_FOUND' },
  },
  details: true,
  unauthorized: ['missing_header', 'bad_format', 'empty_token'],
  messages: {
    unauthorized: 'Authentication required: send Authorization: Bearer <access_token>',
    expired: 'Access token has expired; refresh it',
    invalid: 'Access token is invalid or has been revoked',
    forbidden: 'You do not have access to this resource',
  },
});
