/**
 * A failure a service or route means to report. Each API family's error handler turns it into
 * that family's documented body; `extra` fields are spread beside the code (stage's `expiredAt`).
 */
export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    statusCode: number,
    public readonly code: string,
    message: string,
    public readonly details?: Record<string, unknown>,
    public readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = statusCode;
  }
}

/** Failures the shared machinery detects before any family code runs. */
export type CoreFailure =
  | 'validation'
  | 'bad_json'
  | 'too_large'
  | 'unsupported_media'
  | 'not_found'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'internal';

/** Why a request carries no usable identity; each family maps these onto its own codes. */
export type AuthFailure =
  | { reason: 'missing_header' }
  | { reason: 'bad_format' }
  | { reason: 'empty_token' }
  | { reason: 'expired'; expiredAt: string }
  | { reason: 'invalid' }
  | { reason: 'revoked' };

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
