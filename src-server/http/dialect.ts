import type { AppError, AuthFailure, CoreFailure, InfraFailure } from './errors';

/** A family's name (its folder under families/); also its plugin's name, so other plugins can depend on it. */
export type FamilyName = string;

/** How one API family speaks: its error body and the codes it uses for shared failures. */
export interface Dialect {
  name: FamilyName;
  /** Status and code for failures found by the shared machinery. */
  core: Record<CoreFailure, { status: number; code: string }>;
  /** Where the family's spec names its own code for a failure from below (INFRA_FAILURES has the rest). */
  infra?: Partial<Record<InfraFailure, { status: number; code: string }>>;
  /** The family's error body for a failure. */
  errorBody(error: AppError): Record<string, unknown>;
  /** The family's answer to a request without a usable identity. */
  authError(failure: AuthFailure): AppError;
  /** The family's answer when the caller is signed in but may not do this. */
  forbidden(message?: string): AppError;
  /**
   * How a path id that cannot name anything (`abc`, `0x1`, `job-001`) is answered: the family's 404
   * (the default, as the seed servers did), or its validation error where its spec defines one.
   */
  malformedPathId?: 'not_found' | 'validation';
}
