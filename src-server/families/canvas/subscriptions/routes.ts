import { Type } from 'typebox';
import { absentBodyIsEmpty, type FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { BILLING_CYCLES, SUBSCRIPTION_STATUSES } from '../../../db/schema';
import { Envelope, Nullable, errorResponses, ok, security, signedIn } from '../http';
import { TIER_NAMES, featuresOf } from '../plans/tiers';
import { PAID_PLANS, type SubscriptionService } from './service';
import type { BillingCycle } from './lemon-squeezy';
import { isLoopback } from '../../../plugins/app/lan';

const tags = ['canvas'];

const Plan = Type.Object({
  id: Type.String({ description: '`plan-<name>`' }),
  name: Type.Enum(PAID_PLANS.map((t) => t.name)),
  display_name: Type.String(),
  monthly_price: Type.Number({ description: 'USD' }),
  yearly_price: Type.Number({ description: 'USD' }),
  credits: Type.Integer({ description: 'Granted each month; one credit pays one second of compute' }),
  storage_gb: Type.Integer(),
  queue_count: Type.Integer({ description: 'Generation jobs queued or running at once' }),
  features: Type.Object({
    sd_models: Type.Boolean(),
    flux_model: Type.Boolean(),
    nano_banana_api: Type.Boolean(),
    lora_training: Type.Boolean(),
  }),
  requests_per_minute: Type.Integer({ description: 'Atelier addition: API requests a minute (the X-RateLimit-Limit you will see)' }),
  generations_per_minute: Type.Integer({ description: 'Atelier addition: generation requests a minute' }),
});

const PaymentMethod = Type.Object({ type: Type.String(), last_four: Nullable(Type.String()), brand: Nullable(Type.String()) });

const Current = Type.Object({
  id: Nullable(Type.String({ description: 'null when the account has no subscription' })),
  plan: Type.Object({ name: Type.Enum([...TIER_NAMES]), display_name: Type.String() }),
  status: Type.Enum([...SUBSCRIPTION_STATUSES], {
    description:
      '`cancelling`: cancelled, the plan lasts until `current_period_end`; `past_due`: a renewal payment failed and is being retried',
  }),
  billing_cycle: Nullable(Type.Enum([...BILLING_CYCLES])),
  current_period_start: Type.String({ format: 'date-time' }),
  current_period_end: Type.String({ format: 'date-time' }),
  cancel_at_period_end: Type.Boolean(),
  payment_method: Nullable(PaymentMethod),
  managed_by: Nullable(
    Type.Enum(['lemon_squeezy', 'local'], {
      description: 'Atelier addition: who bills it; `local` is an upgrade made on an installation without billing',
    }),
  ),
});

const BILLING_ERRORS = [
  'PAYMENT_PROVIDER_ERROR: Lemon Squeezy refused, failed or did not answer in time (`details.reason`: `status`, `timeout`, `unreachable`, `bad_response`; `details.upstream_status`)',
  'BILLING_NOT_CONFIGURED: this server has no Lemon Squeezy API key, store or variant for that plan (a local installation sells nothing)',
] as const;

/** /subscriptions/**: plans, the account's subscription, checkout, upgrade and cancel. */
export async function subscriptionRoutes(app: FamilyApp, subscriptions: SubscriptionService): Promise<void> {
  app.get(
    '/api/v1/subscriptions/plans',
    {
      schema: {
        tags,
        summary: 'Plans you can buy (플랜 목록)',
        description:
          'The paid plans, cheapest first. No sign-in needed. Free (every new account) and Enterprise (arranged directly) are not listed.',
        response: { 200: Envelope(Type.Array(Plan)), ...errorResponses([], { auth: false }) },
      },
    },
    async () =>
      ok(
        PAID_PLANS.map((t) => {
          const { queue_count, ...features } = featuresOf(t);
          return {
            id: `plan-${t.name}`,
            name: t.name,
            display_name: t.displayName,
            monthly_price: t.monthlyPrice!,
            yearly_price: t.yearlyPrice!,
            credits: t.credits,
            storage_gb: t.storageGb,
            queue_count,
            features,
            requests_per_minute: t.requestsPerMinute!,
            generations_per_minute: t.generationsPerMinute,
          };
        }),
      ),
  );

  app.get(
    '/api/v1/subscriptions/current',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your subscription (현재 구독 조회)',
        description:
          'An account without a subscription (every Free account, or one whose subscription ended) gets its current plan with `id: null`, `status: "active"`, `billing_cycle: null`, `cancel_at_period_end: false`, `payment_method: null`, and the period of its monthly credit grant as `current_period_start`/`end`.',
        response: { 200: Envelope(Current), ...errorResponses([]) },
      },
    },
    async (request) => ok(subscriptions.current(currentUser(request))),
  );

  app.post(
    '/api/v1/subscriptions/checkout',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Open a Lemon Squeezy checkout (체크아웃 세션 생성)',
        description:
          'Creates a checkout for the plan and cycle; your account id travels with it, and the webhook applies the subscription once paid. The link expires after one hour. Refused while you have an active subscription (upgrade it instead).',
        body: Type.Object(
          { plan: Type.Enum(PAID_PLANS.map((t) => t.name)), billing_cycle: Type.Enum([...BILLING_CYCLES], { default: 'monthly' }) },
          { additionalProperties: false },
        ),
        response: {
          200: Envelope(Type.Object({ checkout_url: Type.String({ format: 'uri' }), expires_at: Type.String({ format: 'date-time' }) })),
          ...errorResponses([
            'validation: unknown plan or cycle',
            'INVALID_PARAMETERS: you already have a subscription',
            ...BILLING_ERRORS,
          ]),
        },
      },
    },
    async (request) =>
      ok(await subscriptions.checkout(currentUser(request), request.body.plan, (request.body.billing_cycle ?? 'monthly') as BillingCycle)),
  );

  app.post(
    '/api/v1/subscriptions/upgrade',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Upgrade your plan (구독 업그레이드)',
        description:
          "Moves you to a higher plan at once and grants the new plan's monthly credits (an `upgrade_grant` transaction). A Lemon Squeezy subscription is moved to the new plan's variant (same cycle; the provider prorates the charge); without one, the upgrade is local to this installation (`managed_by: local`, monthly, renews by itself) — allowed only from the computer running Atelier where billing is not configured (a LAN peer gets 403 `FORBIDDEN`), and pointed to checkout where it is.",
        body: Type.Object({ target_plan: Type.Enum([...TIER_NAMES]) }, { additionalProperties: false }),
        response: {
          200: Envelope(
            Type.Object({
              previous_plan: Type.Enum([...TIER_NAMES]),
              new_plan: Type.Enum([...TIER_NAMES]),
              effective_immediately: Type.Literal(true),
              credits_granted: Type.Integer(),
              message: Type.String(),
            }),
          ),
          ...errorResponses([
            'validation: unknown plan',
            'INVALID_PARAMETERS: the same or a lower plan, or Enterprise, or no paid subscription where billing is configured (`details.checkout`)',
            'FORBIDDEN: a LAN peer asking for a plan on an installation without billing',
            ...BILLING_ERRORS,
          ]),
        },
      },
    },
    async (request) =>
      ok(await subscriptions.upgrade(currentUser(request), request.body.target_plan, isLoopback(request.socket.remoteAddress))),
  );

  app.post(
    '/api/v1/subscriptions/cancel',
    {
      onRequest: signedIn,
      // Both fields are optional, so a bare POST (no body at all) is a valid cancel too.
      preValidation: absentBodyIsEmpty,
      schema: {
        tags,
        security,
        summary: 'Cancel your subscription (구독 취소)',
        description:
          'The plan lasts until the paid period ends (`ends_at`), then the account is Free. A Lemon Squeezy subscription is cancelled there too.',
        body: Type.Object(
          {
            reason: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
            feedback: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Envelope(
            Type.Object({ status: Type.Literal('cancelling'), ends_at: Type.String({ format: 'date-time' }), message: Type.String() }),
          ),
          ...errorResponses([
            'validation',
            'INVALID_PARAMETERS: already cancelled',
            'NOT_FOUND: no active subscription',
            ...BILLING_ERRORS,
          ]),
        },
      },
    },
    async (request) => ok(await subscriptions.cancel(currentUser(request), request.body.reason ?? null, request.body.feedback ?? null)),
  );
}
