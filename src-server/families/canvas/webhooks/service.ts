import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Log } from '../../../log';
import type { Db } from '../../../db/client';
import { canvasWebhookEvents, users } from '../../../db/schema';
import type { CreditService } from '../credits/service';
import { TIER_NAMES, tierOf, type TierName } from '../plans/tiers';
import type { LemonSqueezy } from '../subscriptions/lemon-squeezy';
import type { PaymentMethod, SubscriptionService, SubscriptionStatus } from '../subscriptions/service';
import { errors } from '../errors';

/** The parts of a Lemon Squeezy webhook body Atelier reads. */
export interface LemonSqueezyEvent {
  meta: { event_name: string; custom_data?: Record<string, unknown> | null };
  data: { type: string; id: string | number; attributes: Record<string, unknown> };
}

export type WebhookResult = 'applied' | 'duplicate' | 'ignored';

/** Events that carry a subscription object (`data.type: "subscriptions"`). */
const SUBSCRIPTION_EVENTS = new Set([
  'subscription_created',
  'subscription_updated',
  'subscription_cancelled',
  'subscription_resumed',
  'subscription_expired',
  'subscription_paused',
  'subscription_unpaused',
]);

/**
 * Lemon Squeezy's subscription statuses in Atelier's words: `cancelled` there is the grace period
 * (the plan lasts until `ends_at`); a paused subscription gives no plan until it is resumed.
 */
const STATUS: Record<string, SubscriptionStatus> = {
  on_trial: 'active',
  active: 'active',
  cancelled: 'cancelling',
  past_due: 'past_due',
  unpaid: 'past_due',
  paused: 'cancelled',
  expired: 'expired',
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** Verifies `X-Signature` (hex HMAC-SHA256 of the raw body; `sha256=<hex>` accepted too) in constant time. */
export function signatureValid(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const hex = header.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * Applies Lemon Squeezy webhook events, each once: the event's key (name, object type and id, and
 * its `updated_at`) is stored with its writes in one transaction, so a redelivery changes nothing.
 * An event Atelier cannot place (a variant not in LEMONSQUEEZY_VARIANTS, a payment for a
 * subscription not seen yet) is refused with 422 and not stored, so the provider retries it.
 */
export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly subscriptions: SubscriptionService,
    private readonly credits: CreditService,
    private readonly billing: LemonSqueezy,
    private readonly now: () => number,
    private readonly log: Log,
  ) {}

  apply(event: LemonSqueezyEvent): { result: WebhookResult; credits_granted: number } {
    const name = event.meta.event_name;
    const attrs = event.data.attributes;
    const key = [name, event.data.type, String(event.data.id), str(attrs.updated_at) ?? ''].join(':');
    return this.db.transaction(() => {
      const userId = this.userOf(event);
      const inserted = this.db
        .insert(canvasWebhookEvents)
        .values({ eventKey: key, eventName: name, userId, receivedAt: new Date(this.now()).toISOString() })
        .onConflictDoNothing()
        .returning()
        .all();
      if (inserted.length === 0) return { result: 'duplicate' as const, credits_granted: 0 };
      if (!userId) {
        this.log.warn({ event: name, id: event.data.id }, 'Lemon Squeezy event for no known account; ignored');
        return { result: 'ignored' as const, credits_granted: 0 };
      }
      if (SUBSCRIPTION_EVENTS.has(name)) {
        this.applySubscription(userId, event);
        return { result: 'applied' as const, credits_granted: 0 };
      }
      if (name === 'subscription_payment_success') return { result: 'applied' as const, credits_granted: this.applyPayment(event) };
      return { result: 'ignored' as const, credits_granted: 0 };
    });
  }

  /** The account: the checkout's `custom_data.user_id`, else the owner of the subscription it names. */
  private userOf(event: LemonSqueezyEvent): string | null {
    const custom = str(event.meta.custom_data?.user_id);
    if (custom && this.db.select({ id: users.id }).from(users).where(eq(users.id, custom)).get()) return custom;
    const subscriptionId = event.data.type === 'subscriptions' ? String(event.data.id) : str(event.data.attributes.subscription_id);
    return subscriptionId ? (this.subscriptions.rowByProviderId(subscriptionId)?.userId ?? null) : null;
  }

  private applySubscription(userId: string, event: LemonSqueezyEvent): void {
    const attrs = event.data.attributes;
    const variant = this.billing.planOfVariant(attrs.variant_id);
    if (!variant || !(TIER_NAMES as readonly string[]).includes(variant.plan)) {
      throw errors.error('UNKNOWN_VARIANT', `Variant ${String(attrs.variant_id)} is not a plan in LEMONSQUEEZY_VARIANTS`, {
        variant_id: attrs.variant_id ?? null,
      });
    }
    const status = event.meta.event_name === 'subscription_expired' ? 'expired' : STATUS[String(attrs.status)];
    if (!status)
      throw errors.error('INVALID_PARAMETERS', `Unknown subscription status "${String(attrs.status)}"`, { status: attrs.status ?? null });
    const endsAt = str(attrs.ends_at);
    const renewsAt = str(attrs.renews_at);
    const periodEnd = status === 'cancelling' || status === 'expired' ? (endsAt ?? renewsAt) : (renewsAt ?? endsAt);
    const brand = str(attrs.card_brand);
    const lastFour = str(attrs.card_last_four);
    const paymentMethod: PaymentMethod | null = brand || lastFour ? { type: 'card', brand, last_four: lastFour } : null;
    this.subscriptions.applyProviderState({
      userId,
      providerSubscriptionId: String(event.data.id),
      providerCustomerId: str(attrs.customer_id),
      plan: variant.plan as TierName,
      cycle: variant.cycle,
      status,
      periodEnd: periodEnd && Number.isFinite(Date.parse(periodEnd)) ? Date.parse(periodEnd) : null,
      paymentMethod,
    });
  }

  /**
   * A paid invoice makes sure the current credit period holds the plan's monthly credits: it
   * grants what the period's grants (monthly and upgrade) fall short of, so a renewal that the
   * monthly grant already covered adds nothing and no month is paid twice.
   */
  private applyPayment(event: LemonSqueezyEvent): number {
    const subscriptionId = str(event.data.attributes.subscription_id);
    const row = subscriptionId ? this.subscriptions.rowByProviderId(subscriptionId) : null;
    if (!row) {
      throw errors.error(
        'UNKNOWN_SUBSCRIPTION',
        `Subscription ${subscriptionId ?? '(none)'} has not been seen yet; retry after its subscription_created event`,
        {
          subscription_id: subscriptionId,
        },
      );
    }
    const tierName = this.subscriptions.tierNow(row.userId);
    const plan = tierOf(row.plan);
    const shortfall = Math.max(0, plan.credits - this.credits.grantedThisPeriod(row.userId, tierName));
    if (shortfall > 0)
      this.credits.add(
        row.userId,
        tierName,
        'subscription_grant',
        shortfall,
        `${plan.displayName} plan monthly credits (payment received)`,
      );
    return shortfall;
  }
}
