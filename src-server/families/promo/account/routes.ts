import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { AppError } from '../../../http/errors';
import { requireUser, SESSION_COOKIE } from '../../../plugins/app/auth';
import { authRateLimit } from '../../../plugins/external/rate-limit';
import { DuplicateAccountError, InvalidCredentialsError } from '../../../auth/service';
import { passwordWeakness } from '../../../auth/passwords';
import { REFRESH_TOKEN_TTL_SECONDS } from '../../../auth/tokens';
import { promoErrors } from '../errors';
import { assertOwnId, OwnId as OwnIdField } from '../http';
import { EMAIL_PATTERN, Fields } from '../../../auth/views';

const tags = ['promo'];
const IdName = Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() });
const OwnId = Type.Object({ id: OwnIdField });

function checkEmail(email: string | undefined) {
  if (email !== undefined && email !== '' && !EMAIL_PATTERN.test(email)) {
    throw new AppError(422, 'VALIDATION_001', 'email is not a valid e-mail address');
  }
}

export async function promoAccountRoutes(app: FamilyApp): Promise<void> {
  app.post(
    '/auth/join',
    {
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags,
        summary: 'Create an account',
        body: Type.Object({
          user_id: Fields.userId,
          name: Fields.name,
          password: Fields.password,
          email: Type.Optional(Fields.email),
          phone_number: Type.Optional(Fields.phone),
        }),
        response: { 201: IdName },
      },
    },
    async (request, reply) => {
      const b = request.body;
      checkEmail(b.email);
      const weak = passwordWeakness(b.password);
      if (weak) throw new AppError(422, 'VALIDATION_001', weak);
      try {
        const user = await app.auth.register({
          userId: b.user_id,
          name: b.name,
          password: b.password,
          email: b.email || null,
          phoneNumber: b.phone_number || null,
        });
        return reply.status(201).send({ id: user.id, name: user.name });
      } catch (err) {
        if (err instanceof DuplicateAccountError) {
          throw promoErrors.error('AUTH_002', err.field === 'email' ? 'That e-mail address is already registered' : undefined);
        }
        throw err;
      }
    },
  );

  app.post(
    '/auth/login',
    {
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags,
        summary: 'Sign in; sets the session cookie',
        body: Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 254 }), password: Fields.password }),
        response: { 200: IdName },
      },
    },
    async (request, reply) => {
      try {
        const user = await app.auth.verifyCredentials(request.body.user_id, request.body.password);
        const session = app.auth.startSession(user.id, { withCookie: true });
        reply.setCookie(SESSION_COOKIE, session.cookie!, {
          httpOnly: true,
          sameSite: 'lax',
          path: '/',
          maxAge: REFRESH_TOKEN_TTL_SECONDS,
        });
        return { id: user.id, name: user.name };
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw promoErrors.error('AUTH_001');
        throw err;
      }
    },
  );

  app.post(
    '/user/profile',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        summary: 'Read your profile',
        security: [{ cookieAuth: [] }, { bearerAuth: [] }],
        body: OwnId,
        response: {
          200: Type.Object({
            id: Type.String(),
            name: Type.String(),
            email: Type.Union([Type.String(), Type.Null()]),
            phone_number: Type.Union([Type.String(), Type.Null()]),
            created_at: Type.String(),
          }),
        },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      return { id: me.id, name: me.name, email: me.email, phone_number: me.phoneNumber, created_at: me.createdAt };
    },
  );

  app.put(
    '/user/profile/update',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        summary: 'Edit your profile',
        security: [{ cookieAuth: [] }, { bearerAuth: [] }],
        body: Type.Object({
          id: OwnId.properties.id,
          name: Type.Optional(Fields.name),
          email: Type.Optional(Fields.email),
          phone_number: Type.Optional(Fields.phone),
        }),
        response: { 200: Type.Object({ user_id: Type.Union([Type.String(), Type.Null()]), name: Type.String() }) },
      },
    },
    async (request) => {
      const me = assertOwnId(request, request.body.id);
      checkEmail(request.body.email);
      try {
        const updated = app.auth.updateProfile(me.id, {
          name: request.body.name,
          email: request.body.email,
          phoneNumber: request.body.phone_number,
        });
        return { user_id: updated.userId, name: updated.name };
      } catch (err) {
        if (err instanceof DuplicateAccountError) throw promoErrors.error('AUTH_002', 'That e-mail address is already registered');
        throw err;
      }
    },
  );
}
