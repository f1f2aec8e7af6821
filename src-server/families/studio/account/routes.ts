import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { FamilyApp } from '../../../http/family';
import { MessageEnvelope } from '../../../http/envelopes';
import { currentUser, requireUser } from '../../../plugins/app/auth';
import { authRateLimit } from '../../../plugins/external/rate-limit';
import { DuplicateAccountError, InvalidCredentialsError, InvalidRefreshTokenError } from '../../../auth/service';
import { passwordWeakness } from '../../../auth/passwords';
import { AccountSchema, EMAIL_PATTERN, Fields, TokenPairSchema, accountView, tokenPairView } from '../../../auth/views';
import { errors } from '../errors';
import { errorResponses } from '../http';

const tags = ['studio'];
const Envelope = MessageEnvelope;
const Session = Type.Object({ ...TokenPairSchema.properties, user: AccountSchema });

const invalidCredentials = () => errors.error('INVALID_CREDENTIALS', 'User id/e-mail or password is incorrect');

/** The studio's refresh is a GET: the refresh token travels in a header, not a body. */
function refreshTokenFrom(request: FastifyRequest): string | null {
  const explicit = request.headers['x-refresh-token'];
  if (typeof explicit === 'string' && explicit.trim() !== '') return explicit.trim();
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ') && auth.slice(7).trim() !== '') return auth.slice(7).trim();
  return null;
}

export async function studioAccountRoutes(app: FamilyApp): Promise<void> {
  app.post(
    '/api/login',
    {
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags,
        summary: 'Sign in with a user id or e-mail and a password',
        body: Type.Object({
          user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
          email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
          password: Fields.password,
        }),
        response: { 200: Envelope(Session) },
      },
    },
    async (request) => {
      const identifier = request.body.user_id ?? request.body.email;
      if (!identifier) throw errors.error('VALIDATION_ERROR', 'body.user_id or body.email is required');
      try {
        const user = await app.auth.verifyCredentials(identifier, request.body.password);
        const pair = app.auth.startSession(user.id);
        return { success: true as const, message: 'Signed in', data: { ...tokenPairView(pair), user: accountView(user) } };
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw invalidCredentials();
        throw err;
      }
    },
  );

  app.post(
    '/api/logout',
    {
      preHandler: requireUser(),
      schema: {
        tags,
        summary: 'Sign out this session (its access and refresh tokens stop working)',
        security: [{ bearerAuth: [] }],
        response: { 200: Envelope(Type.Null()) },
      },
    },
    async (request) => {
      app.auth.revokeSession(request.sessionId!);
      return { success: true as const, message: 'Signed out', data: null };
    },
  );

  app.get(
    '/api/refresh',
    {
      schema: {
        tags,
        summary: 'Rotate the refresh token (send it as X-Refresh-Token, or as Authorization: Bearer)',
        headers: Type.Object({ 'x-refresh-token': Type.Optional(Type.String()) }),
        response: { 200: Envelope(Session) },
      },
    },
    async (request) => {
      const token = refreshTokenFrom(request);
      if (!token) throw errors.error('INVALID_TOKEN', 'Send the refresh token in X-Refresh-Token');
      try {
        const rotated = app.auth.refresh(token);
        return {
          success: true as const,
          message: 'Tokens refreshed',
          data: { ...tokenPairView(rotated), user: accountView(rotated.user) },
        };
      } catch (err) {
        if (err instanceof InvalidRefreshTokenError) throw errors.error('INVALID_TOKEN', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/api/users',
    {
      preHandler: requireUser(),
      schema: { tags, summary: 'The signed-in account', security: [{ bearerAuth: [] }], response: { 200: Envelope(AccountSchema) } },
    },
    async (request) => ({ success: true as const, message: 'OK', data: accountView(currentUser(request)) }),
  );

  app.patch(
    '/api/users',
    {
      preHandler: requireUser(),
      schema: {
        tags,
        summary: 'Edit the signed-in account; changing the password needs the current one',
        description:
          '`new_password` with `current_password` changes the password (stored as an argon2 hash) and signs out every other session of the account: ' +
          'their access and refresh tokens stop working at once; the session that asked stays signed in. ' +
          'A wrong `current_password` is 401 `INVALID_CREDENTIALS`; a missing one or a weak new password is 400 `VALIDATION_ERROR`; nothing changes then.',
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          {
            name: Type.Optional(Fields.name),
            user_id: Type.Optional(Fields.userId),
            email: Type.Optional(Type.Union([Fields.email, Type.Null()])),
            age: Type.Optional(Type.Union([Fields.age, Type.Null()])),
            phone_number: Type.Optional(Type.Union([Fields.phone, Type.Null()])),
            avatar_url: Type.Optional(Type.Union([Fields.avatarUrl, Type.Null()])),
            current_password: Type.Optional(Fields.password),
            new_password: Type.Optional(Fields.password),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: {
          200: Envelope(AccountSchema),
          ...errorResponses([
            'VALIDATION_ERROR: a bad field, `new_password` without `current_password`, or a weak new password',
            "INVALID_CREDENTIALS: `current_password` is not the account's",
            'DUPLICATE_ACCOUNT: the `user_id` or `email` is taken',
          ]),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const b = request.body;
      if (b.email && !EMAIL_PATTERN.test(b.email)) throw errors.error('VALIDATION_ERROR', 'body.email is not a valid e-mail address');
      if (b.new_password !== undefined) {
        if (!b.current_password) throw errors.error('VALIDATION_ERROR', 'body.current_password is required to change the password');
        const weak = passwordWeakness(b.new_password);
        if (weak) throw errors.error('VALIDATION_ERROR', weak);
        try {
          await app.auth.changePassword(me.id, b.current_password, b.new_password, request.sessionId);
        } catch (err) {
          if (err instanceof InvalidCredentialsError) throw errors.error('INVALID_CREDENTIALS', 'Current password is incorrect');
          throw err;
        }
      }
      try {
        const updated = app.auth.updateProfile(me.id, {
          name: b.name,
          userId: b.user_id,
          email: b.email,
          age: b.age,
          phoneNumber: b.phone_number,
          avatarUrl: b.avatar_url,
        });
        return { success: true as const, message: 'Account updated', data: accountView(updated) };
      } catch (err) {
        if (err instanceof DuplicateAccountError) throw errors.error('DUPLICATE_ACCOUNT', `${err.field} is already taken`);
        throw err;
      }
    },
  );

  app.delete(
    '/api/users',
    {
      preHandler: requireUser(),
      schema: {
        tags,
        summary: 'Delete the signed-in account and everything it owns',
        description:
          'The access token is enough, as in the seed service (a bare `DELETE` with no body works); when `password` is sent it must be ' +
          "the account's (Atelier's own UI always asks for it), else 401 `INVALID_CREDENTIALS`.",
        security: [{ bearerAuth: [] }],
        body: Type.Object({ password: Type.Optional(Fields.password) }),
        response: { 200: Envelope(Type.Null()) },
      },
    },
    async (request) => {
      try {
        await app.auth.deleteAccount(currentUser(request).id, request.body.password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw errors.error('INVALID_CREDENTIALS', 'Password is incorrect');
        throw err;
      }
      return { success: true as const, message: 'Account deleted', data: null };
    },
  );
}
