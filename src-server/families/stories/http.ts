import type { FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { requireUser } from '../../plugins/app/auth';
import { storiesErrors } from './errors';

/** Shared pieces of the stories routes: tags, envelope helpers and error documentation. */

export const tags = ['stories'];
export const security = [{ bearerAuth: [] }];
export const signedIn = requireUser();

export const ok = <T>(message: string, data: T) => ({ success: true as const, message, data });

const ErrorBody = Type.Object({ success: Type.Literal(false), error: Type.Object({ code: Type.String(), message: Type.String() }) });

/** The error responses of a route, listed from the family's catalog plus the common 400/401/429. */
export function errorResponses(...statuses: number[]): Record<string, TSchema> {
  const all = new Set([400, 401, 429, ...statuses]);
  const extra: Record<number, string[]> = { 400: ['VALIDATION_ERROR'], 401: ['INVALID_TOKEN'], 429: ['RATE_LIMIT_EXCEEDED'] };
  return Object.fromEntries(
    [...all].map((status) => {
      const codes = new Set([...(extra[status] ?? []), ...storiesErrors.codesFor(status)]);
      return [String(status), { ...ErrorBody, description: [...codes].map((c) => `\`${c}\``).join(', ') }];
    }),
  );
}

/** The origin the client used, so File URLs work from wherever it connected (loopback or LAN). */
export const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
