import { envelopeDialect } from './envelope-dialect';

/**
 * Atelier's own routes (settings, signed file URLs, AI status): the studio/canvas-style body
 * `{success:false, error:{code, message}}`. Shared machinery (plugins/app/ai.ts, storage.ts) and
 * the fallback for URLs no family owns speak it too, so it lives in http/, not in system/.
 */
export const systemDialect = envelopeDialect({
  name: 'system',
  details: true,
  unauthorized: ['missing_header'],
  messages: {
    unauthorized: 'Sign in first: send Authorization: Bearer <token>',
    expired: 'Access token has expired',
    invalid: 'Access token is invalid or revoked',
    forbidden: 'You may not do this',
  },
});
