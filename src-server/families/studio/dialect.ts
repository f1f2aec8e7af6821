import { envelopeDialect } from '../../http/envelope-dialect';

/** Studio (recording studio) spec: `{success:false, error:{code, message}}`. */
export const studioDialect = envelopeDialect({
  name: 'studio',
  details: false,
  unauthorized: ['missing_header'],
  messages: {
    unauthorized: 'Sign in first: send Authorization: Bearer <token>',
    expired: 'Access token has expired; refresh it',
    invalid: 'Access token is invalid or has been revoked',
    forbidden: 'You do not have access to this resource',
  },
});
