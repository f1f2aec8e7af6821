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
  'validation' | 'bad_json' | 'too_large' | 'unsupported_media' | 'not_found' | 'method_not_allowed' | 'rate_limited' | 'internal';

/**
 * Failures from below the families (database, disk, ffmpeg, byte ranges): one status and code in
 * every dialect unless a dialect names its own (`Dialect.infra`), mapped in `toAppError` only.
 */
export type InfraFailure = 'range_not_satisfiable' | 'busy' | 'conflict' | 'storage_full' | 'ffmpeg_missing';

export const INFRA_FAILURES: Record<InfraFailure, { status: number; code: string; message: string }> = {
  range_not_satisfiable: { status: 416, code: 'RANGE_NOT_SATISFIABLE', message: 'Requested range is outside the file' },
  busy: { status: 503, code: 'SERVICE_BUSY', message: 'The database is busy; retry in a moment' },
  conflict: { status: 409, code: 'CONFLICT', message: 'Another request changed this at the same time; retry' },
  storage_full: { status: 507, code: 'STORAGE_FULL', message: 'The disk holding the data folder is full' },
  ffmpeg_missing: { status: 503, code: 'FFMPEG_UNAVAILABLE', message: 'ffmpeg is not installed' },
};

/** Why a request carries no usable identity; each family maps these onto its own codes. */
export type AuthFailure =
  | { reason: 'missing_header' }
  | { reason: 'bad_format' }
  | { reason: 'empty_token' }
  | { reason: 'expired'; expiredAt: string }
  | { reason: 'invalid' }
  | { reason: 'revoked' };

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** One family's own error codes: status and default message per code, in one table. */
export type ErrorTable = Record<string, { status: number; message: string }>;

export interface ErrorCatalog<T extends ErrorTable> {
  readonly table: T;
  /** The AppError for a code, with the table's message unless a more precise one is given. */
  error(code: keyof T & string, message?: string, details?: Record<string, unknown>, extra?: Record<string, unknown>): AppError;
  /** The codes a route may answer with a given status, for its OpenAPI description. */
  codesFor(status: number): (keyof T & string)[];
}

/**
 * A family's catalog of codes (`families/<name>/errors.ts`): services throw `errors.error('CODE')`
 * and the OpenAPI error responses list the same table, so a code and its status live in one place.
 */
export function defineErrors<T extends ErrorTable>(table: T): ErrorCatalog<T> {
  return {
    table,
    error: (code, message, details, extra) => new AppError(table[code]!.status, code, message ?? table[code]!.message, details, extra),
    codesFor: (status) => (Object.keys(table) as (keyof T & string)[]).filter((code) => table[code]!.status === status),
  };
}
