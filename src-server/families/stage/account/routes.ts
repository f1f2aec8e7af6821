import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { authRateLimit } from '../../../plugins/external/rate-limit';
import { InvalidCredentialsError } from '../../../auth/service';
import { Fields } from '../../../auth/views';
import { errors } from '../errors';

const missingFields = () => errors.error('MISSING_FIELDS', 'user_id (or email) and password are required');

/** Stage's login (the spec's "mve-login-server"): a token for every /api/audio, /api/concert... call. */
export async function stageAccountRoutes(app: FamilyApp): Promise<void> {
  app.post(
    '/api/auth/login',
    {
      config: { ...authRateLimit(app.config.authRateLimitMax), validationError: () => missingFields() },
      schema: {
        tags: ['stage'],
        summary: 'Sign in with user_id (or email) and password',
        description:
          'Stage numbers users: `user.id` is the account number used as `user_id`/`clientId` elsewhere in this family; `user.uuid` is the id the other families use.',
        body: Type.Object({
          user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
          email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
          password: Fields.password,
        }),
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            message: Type.String(),
            token: Type.String(),
            refresh_token: Type.String(),
            expires_in: Type.Integer(),
            user: Type.Object({
              id: Type.Integer(),
              uuid: Type.String(),
              user_id: Type.Union([Type.String(), Type.Null()]),
              name: Type.String(),
              email: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
    },
    async (request) => {
      const identifier = request.body.user_id ?? request.body.email;
      if (!identifier) throw missingFields();
      try {
        const user = await app.auth.verifyCredentials(identifier, request.body.password);
        const pair = app.auth.startSession(user.id);
        return {
          success: true as const,
          message: 'Login successful',
          token: pair.accessToken,
          refresh_token: pair.refreshToken,
          expires_in: pair.expiresIn,
          user: { id: user.seq, uuid: user.id, user_id: user.userId, name: user.name, email: user.email },
        };
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw errors.error('INVALID_CREDENTIALS', 'Invalid user id or password');
        throw err;
      }
    },
  );

  app.get(
    '/health/resource',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['stage'],
        summary: 'Resource server health',
        description: 'Atelier has no Redis; `redis` reports "not_used".',
        response: {
          200: Type.Object({ status: Type.String(), server: Type.String(), redis: Type.String(), timestamp: Type.String() }),
        },
      },
    },
    async () => ({
      status: 'ok',
      server: 'atelier-resource-server',
      redis: 'not_used',
      timestamp: new Date(app.clock.now()).toISOString(),
    }),
  );
}
