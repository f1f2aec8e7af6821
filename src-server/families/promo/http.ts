import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { currentUser } from '../../plugins/app/auth';
import type { UserRow } from '../../auth/service';
import { errorDocs } from '../../http/error-docs';
import { promoDialect } from './dialect';
import { promoErrors } from './errors';

export const tags = ['promo'];
export const security: { [label: string]: string[] }[] = [{ cookieAuth: [] }, { bearerAuth: [] }];
export const OwnId = Type.String({ minLength: 1, maxLength: 64, description: 'Your own account id (UUID)' });
export const ErrorBody = Type.Object({ error_code: Type.String(), error_message: Type.String() });

/** A route's error responses from the codes it names, plus sign-in failures (unless `auth: false`) and 429. */
export const errorResponses = errorDocs(promoDialect, promoErrors, ErrorBody);

/** Promo bodies name the account they act on; it must be the caller's own (API-MAP). */
export function assertOwnId(request: FastifyRequest, id: string, field: 'id' | 'user_id' = 'id'): UserRow {
  const me = currentUser(request);
  // `user_id` is the login handle; accounts made by e-mail (canvas) have none and may send their id.
  const mine = field === 'id' ? id === me.id : id === me.userId || id === me.id;
  if (!mine) throw request.dialect.forbidden(`The ${field} in the body is not your account`);
  return me;
}
