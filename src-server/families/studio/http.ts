import type { onRequestAsyncHookHandler } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { MessageEnvelope } from '../../http/envelopes';
import { requireUser } from '../../plugins/app/auth';

/** Shared pieces of the studio family's routes: envelope, error docs, ids. */

export const tags = ['studio'];
export const security = [{ bearerAuth: [] }];

export const Envelope = MessageEnvelope;

export const ok = <T>(message: string, data: T) => ({ success: true as const, message, data });

export const ErrorBody = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

const AUTH = '`UNAUTHORIZED` (no Bearer token), `INVALID_TOKEN`, `TOKEN_EXPIRED`';

/** Response schemas for a route's error statuses, `{404: '`STUDIO_NOT_FOUND`'}`, plus the 401 every signed-in route has. */
export function errorResponses(codes: Record<number, string>, opts: { auth?: boolean } = {}): Record<string, TSchema> {
  const texts: Record<number, string[]> = {};
  const all = Object.entries(codes);
  if (opts.auth !== false) all.push(['401', AUTH]);
  for (const [status, text] of all) (texts[Number(status)] ??= []).push(text);
  return Object.fromEntries(Object.entries(texts).map(([status, parts]) => [status, { ...ErrorBody, description: parts.join('; ') }]));
}

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
