import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { AppError } from '../../../http/errors';
import { MessageEnvelope } from '../../../http/envelopes';
import { authRateLimit } from '../../../plugins/external/rate-limit';
import { InvalidCredentialsError } from '../../../auth/service';
import { Fields, TokenPairSchema, tokenPairView } from '../../../auth/views';

/** Stories §6.1: POST /api/v1/auth/token. (Its refresh and users/me are shared with canvas.) */
export async function storiesAccountRoutes(app: FamilyApp): Promise<void> {
  app.post(
    '/api/v1/auth/token',
    {
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags: ['stories'],
        summary: 'Exchange credentials (user id or e-mail, and password) for an access and refresh token',
        body: Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 254 }), password: Fields.password }),
        response: { 200: MessageEnvelope(TokenPairSchema) },
      },
    },
    async (request) => {
      try {
        const user = await app.auth.verifyCredentials(request.body.user_id, request.body.password);
        const pair = app.auth.startSession(user.id);
        return { success: true as const, message: 'Tokens issued', data: tokenPairView(pair) };
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw new AppError(401, 'AUTHENTICATION_FAILED', 'Incorrect user id or password');
        throw err;
      }
    },
  );
}
