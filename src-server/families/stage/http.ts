import type { FastifyError, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, preValidationAsyncHookHandler } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { AppError, isAppError } from '../../http/errors';
import { requireUser } from '../../plugins/app/auth';
import { clientGone, isMalformedMultipart } from '../../http/family';
import { errors } from './errors';
import { errorDocs } from '../../http/error-docs';
import { stageDialect } from './dialect';

/** What an unexpected failure on a route is called in the spec section it belongs to. */
export interface StageFailure {
  code: string;
  message: string;
  /** SQLite failures become `DATABASE_ERROR` with the driver's `code`, as the audio and model sections show. */
  database?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    failure?: StageFailure;
  }
}

const isSqliteError = (err: unknown): err is Error & { code: string } =>
  err instanceof Error && err.name === 'SqliteError' && typeof (err as { code?: unknown }).code === 'string';

/**
 * Error handler of the stage routes' context. It only renames unexpected failures after the
 * route's `config.failure` and rethrows: the family's own handler still writes every body.
 */
export async function stageFailureHandler(err: FastifyError, request: FastifyRequest, _reply: FastifyReply): Promise<never> {
  const expected = isAppError(err) || err.validation || (err.statusCode !== undefined && err.statusCode < 500) || isMalformedMultipart(err);
  const failure = request.routeOptions.config?.failure;
  if (expected || !failure) throw err;
  if (clientGone(request)) request.log.info({ err: err.message }, 'client went away during the request');
  else request.log.error({ err }, 'stage request failed');
  if (failure.database && isSqliteError(err)) throw errors.error('DATABASE_ERROR', 'Database error', undefined, { code: err.code });
  throw new AppError(500, failure.code, failure.message);
}

/**
 * Every stage route needs a signed-in user, checked before the body is parsed or validated: the
 * spec answers 403/401 first, and an upload from a stranger is refused before it is read.
 */
export const signedIn: onRequestAsyncHookHandler = requireUser();

export const security = [{ bearerAuth: [] }];

/** The stage error body; open, so `expiredAt` and `code` beside the error survive serialisation. */
export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);

/** A route's error responses from the codes it names (`errorResponses(['MISSING_FIELDS', ...])`), plus the sign-in failures and 429. */
export const errorResponses = errorDocs(stageDialect, errors, ErrorBody);

/** A 200/206 answer that is the file's bytes. */
export const FileBytes = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
});

/** The first schema failure: its field path (a missing property included) and a sentence naming the field. */
export interface Issue {
  path: string[];
  keyword: string;
  text: string;
}

export function firstIssue(validation: FastifyError['validation']): Issue {
  const first = validation?.[0];
  if (!first) return { path: [], keyword: '', text: 'Request data is invalid' };
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
  const path = [...first.instancePath.split('/').filter(Boolean), ...(missing ? [missing] : [])];
  const field = path.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
  return { path, keyword: first.keyword, text: missing ? `${field} is required` : `${field || 'body'} ${first.message ?? 'is invalid'}` };
}

/**
 * A route's `config.validationError`: the first failing field picks the spec's code
 * (`accessories` → `INVALID_ACCESSORIES`...); other fields get `otherwise`, by default `INVALID_INPUT`.
 */
export function fieldErrors(byField: Record<string, (issue: Issue) => AppError>, otherwise: (issue: Issue) => AppError = invalidInput) {
  return (_message: string, validation: FastifyError['validation']): AppError => {
    const issue = firstIssue(validation);
    return (byField[issue.path[0] ?? ''] ?? otherwise)(issue);
  };
}

export const invalidInput = (issue: Issue) => errors.error('INVALID_INPUT', issue.text);

/** A value the spec's checks treat as not sent: absent, null or an empty string. */
export const blank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/**
 * The spec's first checks (`MISSING_FIELDS`, "must be an array", "must be strings"), on the body as
 * the client sent it: the schema afterwards coerces types, turning `null` into `""` or `[null]`.
 */
export function precheck(check: (body: Record<string, unknown>) => AppError | null): preValidationAsyncHookHandler {
  return async (request) => {
    const body = request.body;
    const error = check(body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {});
    if (error) throw error;
  };
}

/**
 * `T | null` for request bodies. A union would not do: the server's Ajv coerces types, so whichever
 * branch comes first swallows the other (null first turns `0` and `""` into null; the other way
 * round turns null into `0` or `""`). A type list is checked against the value before coercing.
 */
export const OrNull = <T extends TSchema>(schema: T, options: { description?: string } = {}) => {
  const type = (schema as { type?: unknown }).type;
  if (typeof type !== 'string') return Type.Union([Type.Null(), schema], options);
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [type, 'null'] });
};

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'Numeric id' }) });

/** A malformed numeric id in the path: `INVALID_ID`, as the preset section defines it, for every stage resource. */
export const invalidId = (what: string) => () => errors.error('INVALID_ID', `Invalid ${what} ID`);

export const idErrors = (what: string) => fieldErrors({ id: invalidId(what) });
