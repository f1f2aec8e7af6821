/** Every failure the UI gets from the server, whatever the family's dialect: status, code, message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What the family added beside code and message (canvas `details`: figures, a field...). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const networkError = (message = 'Atelier’s server cannot be reached. Is it still running?') =>
  new ApiError(0, 'NETWORK_ERROR', message);

/** The message to show for anything a request threw: the server's own words when it answered. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
