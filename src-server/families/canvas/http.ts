import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { requireUser } from '../../plugins/app/auth';
import { errorDocs } from '../../http/error-docs';
import { ErrorEnvelope } from '../../http/envelopes';
import { canvasDialect } from './dialect';
import { errors } from './errors';

/** Shared pieces of the canvas family's routes: envelope, error docs, paging. */

export const security = [{ bearerAuth: [] }];

/** A route's error responses from the codes it names (`errorResponses(['NOT_FOUND', ...])`), plus sign-in failures and 429. */
export const errorResponses = errorDocs(canvasDialect, errors, ErrorEnvelope);

export const Meta = Type.Object({ page: Type.Integer(), per_page: Type.Integer(), total: Type.Integer() });

/** `{success:true, data}`. */
export const Envelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data });
/** `{success:true, data, meta:{page, per_page, total}}`. */
export const PagedEnvelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), data, meta: Meta });

export const ok = <T>(data: T) => ({ success: true as const, data });
export const paged = <T>(data: T, meta: { page: number; per_page: number; total: number }) => ({ success: true as const, data, meta });

export const PageQuery = (maxPerPage: number) => ({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'From 1' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: maxPerPage, default: 20, description: `1-${maxPerPage}` })),
});

export const pageOf = (q: { page?: number; per_page?: number }) => {
  const page = q.page ?? 1;
  const perPage = q.per_page ?? 20;
  return { page, perPage, offset: (page - 1) * perPage };
};

export const Id = (what: string) => Type.String({ format: 'uuid', description: `${what} id` });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** The URL as the client reached this server (`http://127.0.0.1:8000/...`, or a LAN address). */
export const absoluteUrl = (request: FastifyRequest, pathAndQuery: string) => `${request.protocol}://${request.host}${pathAndQuery}`;

/** Every canvas route but the public share link needs a signed-in user, checked before the body is read. */
export const signedIn: onRequestAsyncHookHandler = requireUser();
