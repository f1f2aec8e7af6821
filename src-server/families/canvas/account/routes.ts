import { Type } from 'typebox';
import { LoginUser, Registration } from '../../../../src-shared/api/account';
import type { FamilyApp } from '../../../http/family';
import { DataEnvelope } from '../../../http/envelopes';
import { currentUser, requireUser } from '../../../plugins/app/auth';
import { authRateLimit } from '../../../plugins/external/rate-limit';
import { DuplicateAccountError, InvalidCredentialsError, InvalidRefreshTokenError, type UserRow } from '../../../auth/service';
import { passwordWeakness } from '../../../auth/passwords';
import { AccountSchema, EMAIL_PATTERN, Fields, TokenPairSchema, accountView, tokenPairView } from '../../../auth/views';
import type { CreditService } from '../credits/service';
import type { ImageService } from '../images/service';
import { storageUsage } from '../storage/usage';
import { TIER_NAMES, featuresOf, tierOf } from '../plans/tiers';
import type { SubscriptionService } from '../subscriptions/service';
import { SUBSCRIPTION_STATUSES } from '../../../db/schema';
import { errors } from '../errors';

const tags = ['canvas'];
const sharedTags = ['canvas', 'stories'];

/**
 * `GET /api/v1/users/me` is shared by canvas and stories: the answer is the union of both
 * documented user shapes (stories' `object:"user"`, `age`; canvas' e-mail, avatar, tier, credits,
 * storage, subscription and plan features).
 */
const MeSchema = Type.Object({
  ...AccountSchema.properties,
  object: Type.Literal('user'),
  credits: Type.Integer({ description: 'Credit balance (GET /users/me/credits also shows what queued jobs hold)' }),
  storage_used: Type.Integer({ description: 'Bytes your images take' }),
  storage_quota: Type.Integer({ description: 'Bytes your plan allows' }),
  subscription: Type.Object({
    plan: Type.Enum([...TIER_NAMES]),
    status: Type.Enum([...SUBSCRIPTION_STATUSES], { description: 'As GET /subscriptions/current shows it; `active` for a Free account' }),
    current_period_end: Type.String({
      format: 'date-time',
      description: 'The end of the current billing period, or for a Free account when the next monthly credits are granted',
    }),
  }),
  features: Type.Object({
    sd_models: Type.Boolean(),
    flux_model: Type.Boolean(),
    nano_banana_api: Type.Boolean(),
    lora_training: Type.Boolean(),
    queue_count: Type.Integer({ description: 'Generation jobs you may have queued or running at once' }),
  }),
});

export interface CanvasAccountServices {
  credits: CreditService;
  images: ImageService;
  subscriptions: SubscriptionService;
}

export async function canvasAccountRoutes(app: FamilyApp, canvas: CanvasAccountServices): Promise<void> {
  const meView = (u: UserRow) => {
    // Settles first: a cancelled plan whose period is over is Free from here on.
    const subscription = canvas.subscriptions.current(u);
    const tier = tierOf(subscription.plan.name);
    const credits = canvas.credits.balance(u.id, tier.name);
    const storage = storageUsage(canvas.images, u.id, tier.name);
    return {
      ...accountView(u),
      tier: tier.name,
      object: 'user' as const,
      credits: credits.balance,
      storage_used: storage.used_bytes,
      storage_quota: storage.quota_bytes,
      subscription: { plan: tier.name, status: subscription.status, current_period_end: subscription.current_period_end },
      features: featuresOf(tier),
    };
  };

  app.post(
    '/api/v1/auth/register',
    {
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags,
        summary: 'Create an account',
        description: 'A local installation sends no e-mail: `email_verified` stays false and nothing waits on it.',
        body: Type.Object({ email: Fields.email, password: Fields.password, name: Fields.name }),
        response: {
          201: DataEnvelope(Registration),
        },
      },
    },
    async (request, reply) => {
      const { email, password, name } = request.body;
      if (!EMAIL_PATTERN.test(email)) throw errors.error('INVALID_EMAIL', 'That is not a valid e-mail address');
      const weak = passwordWeakness(password);
      if (weak) throw errors.error('WEAK_PASSWORD', weak);
      try {
        const user = await app.auth.register({ email, password, name });
        return reply.status(201).send({
          success: true as const,
          message: 'Account created. Atelier runs locally, so no verification e-mail is sent.',
          data: { id: user.id, email: user.email!, name: user.name, email_verified: false },
        });
      } catch (err) {
        if (err instanceof DuplicateAccountError) throw errors.error('EMAIL_EXISTS', 'That e-mail address is already in use');
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/auth/login',
    {
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        body: Type.Object({ email: Fields.email, password: Fields.password }),
        response: { 200: DataEnvelope(Type.Object({ ...TokenPairSchema.properties, user: LoginUser })) },
      },
    },
    async (request) => {
      try {
        const user = await app.auth.verifyCredentials(request.body.email, request.body.password);
        const pair = app.auth.startSession(user.id);
        return {
          success: true as const,
          data: {
            ...tokenPairView(pair),
            user: {
              id: user.id,
              email: user.email,
              name: user.name,
              tier: user.tier,
              credits: canvas.credits.balance(user.id, user.tier).balance,
            },
          },
        };
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw errors.error('INVALID_CREDENTIALS', 'E-mail or password is incorrect');
        throw err;
      }
    },
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      // Its own budget, like sign-in: an app refreshing its token must not spend the plan's requests.
      config: authRateLimit(app.config.authRateLimitMax),
      schema: {
        tags: sharedTags,
        summary: 'Rotate a refresh token (shared by canvas and stories)',
        description:
          'Each refresh token works once; the answer carries its replacement. Presenting a used token revokes the whole session.',
        body: Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) }),
        response: { 200: DataEnvelope(TokenPairSchema) },
      },
    },
    async (request) => {
      try {
        const rotated = app.auth.refresh(request.body.refresh_token);
        return { success: true as const, message: 'Tokens refreshed', data: tokenPairView(rotated) };
      } catch (err) {
        if (err instanceof InvalidRefreshTokenError) throw errors.error('INVALID_TOKEN', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/api/v1/users/me',
    {
      preHandler: requireUser(),
      schema: {
        tags: sharedTags,
        summary: 'The signed-in user (shared by canvas and stories)',
        security: [{ bearerAuth: [] }],
        response: { 200: DataEnvelope(MeSchema) },
      },
    },
    async (request) => ({ success: true as const, message: 'OK', data: meView(currentUser(request)) }),
  );

  app.patch(
    '/api/v1/users/me',
    {
      preHandler: requireUser(),
      schema: {
        tags: sharedTags,
        summary: 'Edit the signed-in user',
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          {
            name: Type.Optional(Fields.name),
            avatar_url: Type.Optional(Type.Union([Fields.avatarUrl, Type.Null()])),
            age: Type.Optional(Type.Union([Fields.age, Type.Null()])),
            phone_number: Type.Optional(Type.Union([Fields.phone, Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DataEnvelope(MeSchema) },
      },
    },
    async (request) => {
      const b = request.body;
      const updated = app.auth.updateProfile(currentUser(request).id, {
        name: b.name,
        avatarUrl: b.avatar_url,
        age: b.age,
        phoneNumber: b.phone_number,
      });
      return { success: true as const, message: 'Profile updated', data: meView(updated) };
    },
  );
}
