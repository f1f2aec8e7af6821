import { defineErrors } from '../../http/errors';

/**
 * The image studio's own codes (seed spec 3, error codes table) and what they mean; services and
 * routes throw `errors.error('CODE', message?)`. The shared failures (validation, 401, 404 route,
 * 429 limiter...) are in dialect.ts.
 */
export const errors = defineErrors({
  INVALID_EMAIL: { status: 400, message: 'That is not a valid e-mail address' },
  INVALID_RETURN_URL: { status: 400, message: 'return_url must be this Atelier, a loopback address or an origin allowed in Settings' },
  INVALID_PARAMETERS: { status: 400, message: 'A parameter is invalid or not supported' },
  WEAK_PASSWORD: { status: 400, message: 'The password is too weak' },
  INVALID_CREDENTIALS: { status: 401, message: 'E-mail or password is incorrect' },
  INVALID_SIGNATURE: { status: 401, message: 'X-Signature is missing or is not the HMAC-SHA256 of this body with the webhook secret' },
  INVALID_TOKEN: { status: 401, message: 'The token is invalid' },
  INSUFFICIENT_CREDITS: { status: 402, message: 'Not enough credits for this generation' },
  STORAGE_EXCEEDED: { status: 402, message: 'Your storage is full; delete images or workflows to make room' },
  FORBIDDEN: { status: 403, message: 'This belongs to another account' },
  MODEL_NOT_AVAILABLE: { status: 403, message: 'The model needs a higher plan' },
  MODEL_NOT_FOUND: { status: 404, message: 'No such model is installed' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CANCELLED: { status: 409, message: 'The job was cancelled' },
  OAUTH_REDIRECT_UNAVAILABLE: { status: 409, message: 'Sign-in cannot return to this device' },
  EMAIL_EXISTS: { status: 409, message: 'That e-mail address is already in use' },
  JOB_ALREADY_FINISHED: { status: 409, message: 'The job has finished already' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNKNOWN_SUBSCRIPTION: { status: 422, message: 'The subscription has not been seen yet' },
  UNKNOWN_VARIANT: { status: 422, message: 'The variant is not a plan of this server' },
  QUEUE_FULL: { status: 429, message: 'The generation queue is full; try again in a moment' },
  QUOTA_EXCEEDED: { status: 429, message: 'The plan allows no more jobs in the queue at once' },
  RATE_LIMITED: { status: 429, message: 'Too many requests for the plan; retry later' },
  MODEL_LOAD_FAILED: { status: 500, message: 'The model could not be loaded' },
  OAUTH_PROVIDER_ERROR: { status: 502, message: 'The sign-in provider could not be reached' },
  PAYMENT_PROVIDER_ERROR: { status: 502, message: 'The payment provider failed' },
  OAUTH_NOT_CONFIGURED: { status: 503, message: 'Sign-in with this provider is not set up in Settings' },
  BILLING_NOT_CONFIGURED: { status: 503, message: 'Billing is not configured on this server' },
});

export const notFound = (what: string) => errors.error('NOT_FOUND', `${what} not found`);
export const notYours = (what: string) => errors.error('FORBIDDEN', `This ${what} belongs to another account`);
