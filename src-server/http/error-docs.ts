import type { TSchema } from 'typebox';
import type { Dialect } from './dialect';
import { INFRA_FAILURES, type AuthFailure, type CoreFailure, type ErrorCatalog, type ErrorTable, type InfraFailure } from './errors';

/**
 * A code a route may answer with, as the route lists it in its OpenAPI description: a code of the
 * family's table or a shared failure (`validation`, `too_large`, `range_not_satisfiable`...), optionally with when it happens
 * after a colon (`'FORBIDDEN: another account's job'`). The status comes from the table or the dialect.
 */
type Shared = CoreFailure | InfraFailure;
export type Documented<Code extends string> = Code | Shared | `${Code | Shared}: ${string}`;

const AUTH_FAILURES: AuthFailure[] = [
  { reason: 'missing_header' },
  { reason: 'bad_format' },
  { reason: 'empty_token' },
  { reason: 'expired', expiredAt: '' },
  { reason: 'invalid' },
  { reason: 'revoked' },
];

export interface ErrorDocsOptions {
  /** False on the routes anyone may call: no sign-in failures are listed. */
  auth?: boolean;
}

/**
 * Builds a family's `errorResponses(...codes)`: the OpenAPI error responses of a route, grouped by
 * status from the family's `defineErrors` table and dialect, each in the family's error envelope.
 * A signed-in route also lists the dialect's own sign-in failures; every route lists its 429.
 */
export function errorDocs<T extends ErrorTable>(dialect: Dialect, catalog: ErrorCatalog<T>, body: TSchema) {
  const authCodes = new Map<number, Set<string>>();
  for (const failure of AUTH_FAILURES) {
    const error = dialect.authError(failure);
    if (!authCodes.has(error.statusCode)) authCodes.set(error.statusCode, new Set());
    authCodes.get(error.statusCode)!.add(error.code);
  }

  const resolve = (name: string): { status: number; code: string } => {
    const row = catalog.table[name];
    if (row) return { status: row.status, code: name };
    const core = dialect.core[name as CoreFailure];
    if (core) return core;
    const infra = dialect.infra?.[name as InfraFailure] ?? INFRA_FAILURES[name as InfraFailure];
    if (infra) return infra;
    throw new Error(`${dialect.name}: ${name} is neither a code of the family's table nor a shared failure`);
  };

  return (codes: readonly Documented<keyof T & string>[], options: ErrorDocsOptions = {}): Record<string, TSchema> => {
    const lines = new Map<number, string[]>();
    const add = (status: number, line: string) => {
      const list = lines.get(status) ?? [];
      if (!list.includes(line)) list.push(line);
      lines.set(status, list);
    };
    for (const entry of codes) {
      const colon = entry.indexOf(': ');
      const { status, code } = resolve(colon < 0 ? entry : entry.slice(0, colon));
      add(status, colon < 0 ? `\`${code}\`` : `\`${code}\`: ${entry.slice(colon + 2)}`);
    }
    if (options.auth !== false) for (const [status, set] of authCodes) for (const code of set) add(status, `\`${code}\``);
    add(dialect.core.rate_limited.status, `\`${dialect.core.rate_limited.code}\``);
    return Object.fromEntries(
      [...lines].sort(([a], [b]) => a - b).map(([status, parts]) => [status, { ...body, description: parts.join('; ') }]),
    );
  };
}
