import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { canvasSubscriptions, users, SUBSCRIPTION_STATUSES } from '../../../db/schema';
import type { UserRow } from '../../../auth/service';
import type { CreditService } from '../credits/service';
import { TIERS, tierOf, tierRank, type Tier, type TierName } from '../plans/tiers';
import { notConfigured, type BillingCycle, type LemonSqueezy } from './lemon-squeezy';
import { errors } from '../errors';

export type SubscriptionRow = typeof canvasSubscriptions.$inferSelect;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
export type PaymentMethod = NonNullable<SubscriptionRow['paymentMethod']>;

/** Plans sold through checkout and upgrade: those with a price (Free is the default, Enterprise is arranged by hand). */
export const PAID_PLANS: Tier[] = Object.values(TIERS).filter((t) => (t.monthlyPrice ?? 0) > 0);
export const isPaidPlan = (name: string): name is TierName => PAID_PLANS.some((t) => t.name === name);

/** Statuses under which the subscription's plan is the account's plan. */
const LIVE: readonly SubscriptionStatus[] = ['active', 'cancelling', 'past_due'];

/** How long a checkout link stays valid. */
export const CHECKOUT_TTL_MS = 60 * 60 * 1000;

const iso = (ms: number) => new Date(ms).toISOString();

/** One billing cycle later (or earlier with `sign` −1), clamped to the month's last day. */
export function shiftCycle(ms: number, cycle: BillingCycle, sign: 1 | -1 = 1): number {
  const d = new Date(ms);
  const months = (cycle === 'yearly' ? 12 : 1) * sign;
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}

export interface CurrentSubscription {
  id: string | null;
  plan: { name: TierName; display_name: string };
  status: SubscriptionStatus;
  billing_cycle: BillingCycle | null;
  current_period_start: string;
  current_period_end: string;
  cancel_at_period_end: boolean;
  payment_method: PaymentMethod | null;
  managed_by: 'lemon_squeezy' | 'local' | null;
}

/** What a provider event says about a subscription (webhooks/service.ts reads it from Lemon Squeezy's body). */
export interface ProviderState {
  userId: string;
  providerSubscriptionId: string;
  providerCustomerId: string | null;
  plan: TierName;
  cycle: BillingCycle;
  status: SubscriptionStatus;
  periodEnd: number | null;
  paymentMethod: PaymentMethod | null;
}

/**
 * An account's paid plan. `users.tier` is what every limit reads; this service keeps it equal to
 * the plan of the account's live subscription (or `free` once that ended). A subscription comes
 * from Lemon Squeezy (its webhooks) or, on an installation without billing, from an upgrade,
 * which is then `managed_by: local` and renews by itself.
 */
export class SubscriptionService {
  constructor(
    private readonly db: Db,
    private readonly credits: CreditService,
    private readonly billing: LemonSqueezy,
    private readonly now: () => number,
  ) {}

  row(userId: string): SubscriptionRow | null {
    return this.db.select().from(canvasSubscriptions).where(eq(canvasSubscriptions.userId, userId)).get() ?? null;
  }

  rowByProviderId(providerSubscriptionId: string): SubscriptionRow | null {
    return (
      this.db.select().from(canvasSubscriptions).where(eq(canvasSubscriptions.providerSubscriptionId, providerSubscriptionId)).get() ?? null
    );
  }

  /**
   * Brings the row up to now: a cancelled subscription whose period ended expires (plan back to
   * Free); a local one whose period ended renews. Provider subscriptions renew by webhook.
   */
  settle(userId: string): SubscriptionRow | null {
    return this.db.transaction(() => {
      let row = this.row(userId);
      if (!row) return null;
      const now = this.now();
      if (row.status === 'cancelling' && Date.parse(row.currentPeriodEnd) <= now) {
        row = this.write(row, { status: 'expired' });
      } else if (row.status === 'active' && !row.providerSubscriptionId && Date.parse(row.currentPeriodEnd) <= now) {
        let start = Date.parse(row.currentPeriodStart);
        let end = Date.parse(row.currentPeriodEnd);
        while (end <= now) [start, end] = [end, shiftCycle(end, row.billingCycle)];
        row = this.write(row, { currentPeriodStart: iso(start), currentPeriodEnd: iso(end) });
      }
      return row;
    });
  }

  /** The account's plan after settling its subscription: what every limit of this request should read. */
  planNow(userId: string): string {
    this.settle(userId);
    return this.tierNow(userId);
  }

  /** GET /subscriptions/current. With no live subscription: the account's plan, `id` and `billing_cycle` null, the credit period. */
  current(user: UserRow): CurrentSubscription {
    const row = this.settle(user.id);
    if (row && LIVE.includes(row.status)) {
      const tier = tierOf(row.plan);
      return {
        id: row.id,
        plan: { name: tier.name, display_name: tier.displayName },
        status: row.status,
        billing_cycle: row.billingCycle,
        current_period_start: row.currentPeriodStart,
        current_period_end: row.currentPeriodEnd,
        cancel_at_period_end: row.cancelAtPeriodEnd,
        payment_method: row.paymentMethod ?? null,
        managed_by: row.providerSubscriptionId ? 'lemon_squeezy' : 'local',
      };
    }
    const tier = tierOf(this.tierNow(user.id));
    const period = this.credits.balance(user.id, tier.name);
    return {
      id: null,
      plan: { name: tier.name, display_name: tier.displayName },
      status: 'active',
      billing_cycle: null,
      current_period_start: period.periodStart,
      current_period_end: period.periodEnd,
      cancel_at_period_end: false,
      payment_method: null,
      managed_by: null,
    };
  }

  /** POST /subscriptions/checkout: a Lemon Squeezy checkout URL for the plan, carrying the account id. */
  async checkout(user: UserRow, plan: string, cycle: BillingCycle): Promise<{ checkout_url: string; expires_at: string }> {
    if (!isPaidPlan(plan))
      throw errors.error(
        'INVALID_PARAMETERS',
        `"${plan}" is not a plan you can buy; choose one of ${PAID_PLANS.map((t) => t.name).join(', ')}`,
      );
    const row = this.settle(user.id);
    if (row && (row.status === 'active' || row.status === 'past_due')) {
      throw errors.error('INVALID_PARAMETERS', 'You already have a subscription; change its plan with POST /subscriptions/upgrade', {
        current_plan: row.plan,
      });
    }
    if (!this.billing.configured) throw notConfigured('set LEMONSQUEEZY_API_KEY and LEMONSQUEEZY_STORE_ID');
    const variantId = this.billing.variantOf(plan, cycle);
    if (!variantId)
      throw notConfigured(`no Lemon Squeezy variant for ${plan}:${cycle} in LEMONSQUEEZY_VARIANTS`, { plan, billing_cycle: cycle });
    const expiresAt = iso(this.now() + CHECKOUT_TTL_MS);
    const checkout = await this.billing.createCheckout({ variantId, userId: user.id, email: user.email, name: user.name, expiresAt });
    return { checkout_url: checkout.url, expires_at: checkout.expiresAt ?? expiresAt };
  }

  /**
   * POST /subscriptions/upgrade: a higher plan at once, with the new plan's monthly credits granted
   * (`upgrade_grant`). A Lemon Squeezy subscription is moved to the new variant first (the provider
   * prorates the charge). With no provider subscription the upgrade is local to this installation,
   * allowed only where billing is not configured (elsewhere checkout is the way to a paid plan).
   */
  async upgrade(
    user: UserRow,
    target: string,
    fromThisComputer = true,
  ): Promise<{ previous_plan: TierName; new_plan: TierName; effective_immediately: true; credits_granted: number; message: string }> {
    const row = this.settle(user.id);
    const previous = tierOf(this.tierNow(user.id));
    if (!isPaidPlan(target)) {
      const reason =
        target === 'enterprise' ? 'the Enterprise plan is arranged with us directly' : `"${target}" is not a plan you can upgrade to`;
      throw errors.error('INVALID_PARAMETERS', `Cannot upgrade: ${reason}`, { target_plan: target });
    }
    const next = TIERS[target];
    if (tierRank(next.name) <= tierRank(previous.name)) {
      throw errors.error(
        'INVALID_PARAMETERS',
        `Cannot upgrade from ${previous.displayName} to ${next.displayName}: the target must be a higher plan`,
        {
          current_plan: previous.name,
          target_plan: next.name,
        },
      );
    }
    const live = row && LIVE.includes(row.status) ? row : null;
    if (live?.providerSubscriptionId) {
      if (!this.billing.configured)
        throw notConfigured('this subscription is billed by Lemon Squeezy; set LEMONSQUEEZY_API_KEY and LEMONSQUEEZY_STORE_ID');
      const variantId = this.billing.variantOf(next.name, live.billingCycle);
      if (!variantId)
        throw notConfigured(`no Lemon Squeezy variant for ${next.name}:${live.billingCycle} in LEMONSQUEEZY_VARIANTS`, {
          plan: next.name,
          billing_cycle: live.billingCycle,
        });
      await this.billing.changeVariant(live.providerSubscriptionId, variantId);
    } else if (!this.billing.configured && !fromThisComputer) {
      // Without billing a plan costs nothing: only the person at this computer hands them out.
      throw errors.error('FORBIDDEN', 'This Atelier sells no plans; a plan can be changed only on the computer running it', {
        target_plan: next.name,
      });
    } else if (this.billing.configured) {
      // Where plans are sold, a plan with no payment behind it must not be had for the asking.
      throw errors.error(
        'INVALID_PARAMETERS',
        `This server bills plans through Lemon Squeezy: subscribe to ${next.displayName} with POST /subscriptions/checkout`,
        {
          target_plan: next.name,
          checkout: '/api/v1/subscriptions/checkout',
        },
      );
    }
    const granted = this.db.transaction(() => {
      // Another upgrade may have landed while the provider was answering: grant once.
      if (tierRank(tierOf(this.tierNow(user.id)).name) >= tierRank(next.name)) {
        throw errors.error('INVALID_PARAMETERS', `You are already on the ${next.displayName} plan or higher`, { target_plan: next.name });
      }
      // The credit account exists (with the old plan's grants) before the tier changes under it.
      this.credits.balance(user.id, previous.name);
      const now = this.now();
      const current = this.row(user.id);
      if (current && LIVE.includes(current.status)) {
        this.write(current, { plan: next.name, status: 'active', cancelAtPeriodEnd: false, cancelReason: null, cancelFeedback: null });
      } else {
        this.replace(user.id, {
          plan: next.name,
          status: 'active',
          billingCycle: 'monthly',
          currentPeriodStart: iso(now),
          currentPeriodEnd: iso(shiftCycle(now, 'monthly')),
          providerSubscriptionId: null,
          providerCustomerId: null,
          paymentMethod: null,
        });
      }
      this.credits.add(user.id, next.name, 'upgrade_grant', next.credits, `Upgrade from ${previous.displayName} to ${next.displayName}`);
      return next.credits;
    });
    return {
      previous_plan: previous.name,
      new_plan: next.name,
      effective_immediately: true,
      credits_granted: granted,
      message: `Upgraded to the ${next.displayName} plan.`,
    };
  }

  /** POST /subscriptions/cancel: the plan stays until the paid period ends, then the account is Free. */
  async cancel(
    user: UserRow,
    reason: string | null,
    feedback: string | null,
  ): Promise<{ status: 'cancelling'; ends_at: string; message: string }> {
    const row = this.settle(user.id);
    if (!row || !LIVE.includes(row.status)) throw errors.error('NOT_FOUND', 'You have no subscription to cancel');
    if (row.status === 'cancelling') {
      throw errors.error('INVALID_PARAMETERS', `Your subscription is already cancelled and ends at ${row.currentPeriodEnd}`, {
        ends_at: row.currentPeriodEnd,
      });
    }
    if (row.providerSubscriptionId) {
      if (!this.billing.configured)
        throw notConfigured('this subscription is billed by Lemon Squeezy; set LEMONSQUEEZY_API_KEY and LEMONSQUEEZY_STORE_ID');
      await this.billing.cancel(row.providerSubscriptionId);
    }
    const updated = this.write(row, { status: 'cancelling', cancelAtPeriodEnd: true, cancelReason: reason, cancelFeedback: feedback });
    return {
      status: 'cancelling',
      ends_at: updated.currentPeriodEnd,
      message: `Your subscription ends on ${updated.currentPeriodEnd.slice(0, 10)}.`,
    };
  }

  /**
   * Records what the provider says a subscription is now (one webhook's writes; call inside its
   * transaction) and sets the account's tier to match.
   */
  applyProviderState(s: ProviderState): SubscriptionRow {
    const now = this.now();
    const existing = this.rowByProviderId(s.providerSubscriptionId) ?? this.row(s.userId);
    const end = s.periodEnd ?? (existing ? Date.parse(existing.currentPeriodEnd) : shiftCycle(now, s.cycle));
    const fields = {
      plan: s.plan,
      status: s.status,
      billingCycle: s.cycle,
      currentPeriodStart: iso(shiftCycle(end, s.cycle, -1)),
      currentPeriodEnd: iso(end),
      cancelAtPeriodEnd: s.status === 'cancelling',
      providerSubscriptionId: s.providerSubscriptionId,
      providerCustomerId: s.providerCustomerId ?? existing?.providerCustomerId ?? null,
      paymentMethod: s.paymentMethod ?? existing?.paymentMethod ?? null,
    };
    if (existing && existing.userId === s.userId) return this.write(existing, fields);
    return this.replace(s.userId, fields);
  }

  /** The tier the account is on now (read fresh: a request's user row may predate a change). */
  tierNow(userId: string): string {
    return this.db.select({ tier: users.tier }).from(users).where(eq(users.id, userId)).get()?.tier ?? 'free';
  }

  /** Updates a row and keeps `users.tier` equal to what it grants. */
  private write(row: SubscriptionRow, fields: Partial<Omit<SubscriptionRow, 'id' | 'userId' | 'createdAt'>>): SubscriptionRow {
    const updated = this.db
      .update(canvasSubscriptions)
      .set({ ...fields, updatedAt: iso(this.now()) })
      .where(eq(canvasSubscriptions.id, row.id))
      .returning()
      .get()!;
    this.syncTier(updated);
    return updated;
  }

  /** The account's one row, replaced (a new subscription after an old one ended, or another provider subscription). */
  private replace(
    userId: string,
    fields: Omit<SubscriptionRow, 'id' | 'userId' | 'createdAt' | 'updatedAt' | 'cancelAtPeriodEnd' | 'cancelReason' | 'cancelFeedback'> & {
      cancelAtPeriodEnd?: boolean;
    },
  ): SubscriptionRow {
    const now = iso(this.now());
    if (fields.providerSubscriptionId)
      this.db.delete(canvasSubscriptions).where(eq(canvasSubscriptions.providerSubscriptionId, fields.providerSubscriptionId)).run();
    this.db.delete(canvasSubscriptions).where(eq(canvasSubscriptions.userId, userId)).run();
    const row = this.db
      .insert(canvasSubscriptions)
      .values({ id: crypto.randomUUID(), userId, cancelAtPeriodEnd: false, ...fields, createdAt: now, updatedAt: now })
      .returning()
      .get();
    this.syncTier(row);
    return row;
  }

  private syncTier(row: SubscriptionRow): void {
    const tier = LIVE.includes(row.status) ? row.plan : 'free';
    this.db
      .update(users)
      .set({ tier, updatedAt: iso(this.now()) })
      .where(eq(users.id, row.userId))
      .run();
  }
}
