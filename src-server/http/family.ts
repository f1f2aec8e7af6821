import fp from 'fastify-plugin';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, INFRA_FAILURES, isAppError, type InfraFailure } from './errors';
import type { Dialect } from './dialect';

export type FamilyApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Replaces the family's generic validation failure on this route (stage's MISSING_FIELDS...). */
    validationError?: (message: string, validation: FastifyError['validation']) => AppError;
  }
}

const FASTIFY_CODES: Record<string, Parameters<typeof coreError>[1]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  FST_REQ_FILE_TOO_LARGE: 'too_large',
  FST_PARTS_LIMIT: 'too_large',
  FST_FILES_LIMIT: 'too_large',
  FST_FIELDS_LIMIT: 'too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media',
};

const CORE_MESSAGES = {
  validation: 'Request data is invalid',
  bad_json: 'Request body is not valid JSON',
  too_large: 'Request body is too large',
  unsupported_media: 'Unsupported content type',
  not_found: 'Route not found',
  method_not_allowed: 'Method not allowed',
  rate_limited: 'Too many requests; slow down and retry later',
  internal: 'Internal server error',
} as const;

export function coreError(
  dialect: Dialect,
  failure: keyof typeof CORE_MESSAGES,
  message?: string,
  details?: Record<string, unknown>,
): AppError {
  const { status, code } = dialect.core[failure];
  return new AppError(status, code, message ?? CORE_MESSAGES[failure], details);
}

/** A failure from below the families in the dialect's words (its own code where its spec has one). */
export function infraError(dialect: Dialect, failure: InfraFailure, message?: string): AppError {
  const { status, code } = dialect.infra?.[failure] ?? INFRA_FAILURES[failure];
  return new AppError(status, code, message ?? INFRA_FAILURES[failure].message);
}

const MiB = 1024 * 1024;

/**
 * The one place errors from the layers below (SQLite, the disk, ffmpeg, the file store's size
 * limit) become a client answer, whichever family's route met them. Matched by name and code, so
 * http/ needs none of those modules.
 */
function fromBelow(err: unknown, dialect: Dialect): AppError | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  if (err.name === 'SqliteError' && typeof code === 'string') {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return infraError(dialect, 'busy');
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return infraError(dialect, 'conflict');
    if (code === 'SQLITE_FULL') return infraError(dialect, 'storage_full');
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') return infraError(dialect, 'storage_full');
  if (err.name === 'FfmpegMissingError' || err.name === 'FfmpegFeatureMissingError')
    return infraError(dialect, 'ffmpeg_missing', err.message);
  if (err.name === 'FileTooLargeError') {
    const max = (err as { maxBytes?: number }).maxBytes;
    return coreError(dialect, 'too_large', max ? `The file may be at most ${Math.round((max / MiB) * 10) / 10} MB` : undefined);
  }
  return null;
}

function describeValidation(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  const where = err.validationContext ?? 'body';
  const field = first.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
  if (missing) return `${where}.${field ? field + '.' : ''}${missing} is required`;
  return `${where}${field ? '.' + field : ''} ${first.message ?? 'is invalid'}`;
}

/**
 * busboy's failures on a body that is not the multipart it claims to be (no boundary, a boundary
 * other than the header's, a body cut off before its closing boundary): the client's mistake.
 */
export function isMalformedMultipart(err: unknown): boolean {
  if (!(err instanceof Error) || isAppError(err) || (err as FastifyError).statusCode !== undefined) return false;
  return /^Multipart: |unexpected end of multipart data|^Unexpected end of form|^Malformed part header/i.test((err as Error).message);
}

/** A route's preValidation for a body that may be left out entirely: no body reads as `{}`. */
export const absentBodyIsEmpty = async (request: FastifyRequest) => {
  request.body ??= {};
};

/** Whether the client hung up before the answer: its request failing then is no server fault. */
export const clientGone = (request: FastifyRequest) => request.raw.aborted || request.raw.socket?.destroyed === true;

/** Logs a failure answered with a 5xx at error level, unless the client went away mid-request. */
export function logFailure(request: FastifyRequest, err: unknown, error: AppError): void {
  if (error.statusCode < 500) return;
  if (clientGone(request)) request.log.info({ err: (err as Error)?.message }, 'client went away during the request');
  else request.log.error({ err }, 'request failed');
}

/** Maps anything thrown inside a family onto an AppError in that family's words. */
export function toAppError(err: unknown, dialect: Dialect, request?: FastifyRequest): AppError {
  if (isAppError(err)) return err;
  const e = err as FastifyError;
  // A path names a thing: a value that cannot name one (`job-001` where ids are UUIDs) names
  // nothing, so it is the family's 404, as it was on the seed servers, not a validation error
  // (unless the family's spec names a validation code for it, as stage's `INVALID_ID`).
  if (
    e?.validation &&
    e.validationContext === 'params' &&
    !request?.routeOptions.config?.validationError &&
    dialect.malformedPathId !== 'validation'
  ) {
    const field = e.validation[0]?.instancePath.replace(/^\//, '') || 'id';
    return coreError(
      dialect,
      'not_found',
      `No ${field} ${JSON.stringify((request?.params as Record<string, unknown> | undefined)?.[field] ?? '')} exists`,
    );
  }
  if (e?.validation) {
    const message = describeValidation(e);
    const custom = request?.routeOptions.config?.validationError;
    return custom ? custom(message, e.validation) : coreError(dialect, 'validation', message);
  }
  if (isMalformedMultipart(err))
    return coreError(dialect, 'validation', `The multipart/form-data body is malformed: ${(err as Error).message}`);
  const below = fromBelow(err, dialect);
  if (below) return below;
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return coreError(dialect, mapped);
  if (e?.statusCode === 429) return coreError(dialect, 'rate_limited', e.message);
  if (e?.statusCode === 413) return coreError(dialect, 'too_large');
  if (e?.statusCode === 415) return coreError(dialect, 'unsupported_media');
  if (e?.statusCode === 404) return coreError(dialect, 'not_found', e.message);
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode, dialect.core.validation.code, e.message);
  }
  return coreError(dialect, 'internal');
}

export function sendError(reply: FastifyReply, dialect: Dialect, error: AppError): FastifyReply {
  return reply.status(error.statusCode).type('application/json; charset=utf-8').send(dialect.errorBody(error));
}

/**
 * An encapsulated scope that speaks one dialect: its routes, and an error handler that answers
 * every failure in that dialect's documented shape, never a bare 500 or a stack trace.
 */
export function errorScope(dialect: Dialect, register: (app: FamilyApp) => Promise<void>): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (instance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>() as unknown as FamilyApp;
    app.addHook('onRequest', async (request) => {
      request.dialect = dialect;
    });
    app.setErrorHandler((err, request, reply) => {
      const error = toAppError(err, dialect, request);
      logFailure(request, err, error);
      return sendError(reply, dialect, error);
    });
    await register(app);
  };
  Object.defineProperty(plugin, 'name', { value: `family-${dialect.name}` });
  return plugin;
}

/**
 * Everything the server needs to know about one API family, in one object (`families/<name>/family.ts`).
 * The registry (`families/registry.ts`) lists the manifests; `app.ts` mounts them with
 * `familyPlugin`, and the 404/405 and malformed-URL answers find a family's dialect by its prefixes.
 * See families/README.md, "Adding a family".
 */
export interface FamilyManifest<Services = unknown> {
  /** Error format, status codes and codes for shared failures; `dialect.name` names the family. */
  dialect: Dialect;
  /** URL prefixes the family owns, matched on whole path segments; the longest match wins. */
  prefixes: readonly string[];
  /** Server plugins (by name) that must be registered first. */
  dependencies?: readonly string[];
  /** Builds the family's services once; routes get them as one typed object. */
  services(app: FastifyInstance): Services;
  /** Job kinds, hooks, decorations: what the family adds to the whole server (runs before routes). */
  setup?(app: FastifyInstance, services: Services): void | Promise<void>;
  /** The family's routes, inside its own error scope. */
  routes(app: FamilyApp, services: Services): Promise<void>;
}

/** Declares a family; the identity function keeps `Services` inferred across the three hooks. */
export function defineFamily<Services>(manifest: FamilyManifest<Services>): FamilyManifest<Services> {
  return manifest;
}

/**
 * Mounts a family: services and setup on the server-wide instance (so decorations such as
 * `app.concerts` reach every plugin), routes inside the family's encapsulated error scope.
 */
export function familyPlugin<Services>(manifest: FamilyManifest<Services>): FastifyPluginAsync {
  return fp(
    async (app) => {
      const services = manifest.services(app);
      await manifest.setup?.(app, services);
      await app.register(errorScope(manifest.dialect, (family) => manifest.routes(family, services)));
    },
    { name: manifest.dialect.name, dependencies: [...(manifest.dependencies ?? [])] },
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The dialect of the family that owns the matched route; Atelier's own otherwise. */
    dialect: Dialect;
  }
}
