import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { coreError } from '../../../http/family';
import { Envelope, errorResponses } from '../http';
import { notConfigured } from '../subscriptions/lemon-squeezy';
import { signatureValid, type LemonSqueezyEvent, type WebhookService } from './service';
import { errors } from '../errors';

const tags = ['canvas'];

const Event = Type.Object({
  meta: Type.Object({
    event_name: Type.String({ minLength: 1 }),
    custom_data: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description: '`user_id`: the Atelier account the checkout was opened for',
      }),
    ),
  }),
  data: Type.Object({
    type: Type.String(),
    id: Type.Union([Type.String({ minLength: 1 }), Type.Integer()]),
    attributes: Type.Record(Type.String(), Type.Unknown()),
  }),
});

/**
 * POST /webhooks/lemon-squeezy. The signature covers the exact bytes sent, so this route lives in
 * its own scope whose JSON parser keeps the raw body; it is parsed only once the signature holds.
 */
export async function webhookRoutes(app: FamilyApp, webhooks: WebhookService): Promise<void> {
  await app.register(async (scope: FamilyApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'application/vnd.api+json'], { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );

    const verify = async (request: FastifyRequest) => {
      const secret = scope.config.lemonSqueezy.webhookSecret;
      if (!secret) throw notConfigured('set LEMONSQUEEZY_WEBHOOK_SECRET');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['x-signature'];
      if (!signatureValid(secret, raw, Array.isArray(header) ? header[0] : header)) {
        throw errors.error('INVALID_SIGNATURE', 'X-Signature is missing or is not the HMAC-SHA256 of this body with the webhook secret');
      }
      try {
        request.body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        throw coreError(request.dialect, 'bad_json');
      }
    };

    scope.post(
      '/api/v1/webhooks/lemon-squeezy',
      {
        // Signed by Lemon Squeezy, not sent by an account: the server-wide per-IP budget applies, not a plan's.
        config: { tierRateLimit: false },
        preValidation: verify,
        schema: {
          tags,
          summary: 'Lemon Squeezy webhook (Lemon Squeezy 웹훅 수신)',
          description: [
            'No Bearer token: `X-Signature` must be the hex HMAC-SHA256 of the raw body with LEMONSQUEEZY_WEBHOOK_SECRET (`sha256=<hex>` is accepted too).',
            "Subscription events (`subscription_created`, `_updated`, `_cancelled`, `_resumed`, `_expired`, `_paused`, `_unpaused`) set the account's subscription and plan; the plan comes from `variant_id` through LEMONSQUEEZY_VARIANTS. Status: `on_trial`/`active` → active, `cancelled` → cancelling (plan kept until `ends_at`), `past_due`/`unpaid` → past_due (plan kept), `paused` → cancelled and `expired` → expired (plan back to Free).",
            "`subscription_payment_success` tops the current credit period up to the plan's monthly credits (nothing when that month was granted already). Other events (`order_created`...) are acknowledged and ignored.",
            'The account is `meta.custom_data.user_id` (set at checkout), else the owner of the subscription the event names; an event for no known account answers 200 with `result: "ignored"` and is logged.',
            'Each event applies once (key: event name, object type, id and `updated_at`): a redelivery answers 200 with `result: "duplicate"` and changes nothing.',
          ].join('\n\n'),
          body: Event,
          response: {
            200: Envelope(
              Type.Object({
                result: Type.Enum(['applied', 'duplicate', 'ignored'], { description: 'Atelier addition: what the event did' }),
                credits_granted: Type.Integer({ description: 'Atelier addition: credits this event granted' }),
              }),
            ),
            ...errorResponses(
              [
                'validation: not JSON or not a Lemon Squeezy event',
                'INVALID_PARAMETERS: unknown subscription status',
                'INVALID_SIGNATURE',
                'UNKNOWN_VARIANT: the variant is not in LEMONSQUEEZY_VARIANTS',
                'UNKNOWN_SUBSCRIPTION: a payment for a subscription not seen yet. Not stored, so the provider retries it',
                'BILLING_NOT_CONFIGURED: no LEMONSQUEEZY_WEBHOOK_SECRET',
              ],
              { auth: false },
            ),
          },
        },
      },
      async (request) => ({ success: true as const, data: webhooks.apply(request.body as LemonSqueezyEvent) }),
    );
  });
}
