import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { MessageEnvelope } from '../../http/envelopes';
import { requireUser } from '../../plugins/app/auth';
import { errorDocs } from '../../http/error-docs';
import { studioDialect } from './dialect';
import { errors } from './errors';

/** Shared pieces of the studio family's routes: envelope, error docs, ids. */

export const tags = ['studio'];
export const security = [{ bearerAuth: [] }];

export const Envelope = MessageEnvelope;

export const ok = <T>(message: string, data: T) => ({ success: true as const, message, data });

export const ErrorBody = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/** A route's error responses from the codes it names (`errorResponses(['STUDIO_NOT_FOUND', ...])`), plus sign-in failures and 429. */
export const errorResponses = errorDocs(studioDialect, errors, ErrorBody);

/** A 200/206 answer that is the file's bytes. */
export const FileBytes = (description: string, type = 'application/octet-stream') => ({
  description,
  content: { [type]: { schema: { type: 'string', format: 'binary' } } },
});

const Id = (description: string) => Type.Integer({ minimum: 1, description });
export const StudioParams = Type.Object({ studioid: Id('Studio (작업실) id') });
export const TrackParams = Type.Object({ trackId: Id('Track id') });
export const StudioTrackParams = Type.Object({ studioid: Id('Studio (작업실) id'), trackId: Id('Track id') });
export const SongParams = Type.Object({ songId: Id('Song id') });

/** Free text a person typed: trimmed, never blank. */
export const Name = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description });

/** Every studio route but the public share page needs a signed-in user, checked before the body is read. */
export const signedIn: onRequestAsyncHookHandler = requireUser();
