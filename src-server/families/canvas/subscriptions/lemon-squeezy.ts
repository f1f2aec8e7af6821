import type { LemonSqueezyConfig } from '../../../config';
import { errors } from '../errors';

/**
 * The few calls Atelier makes to Lemon Squeezy's JSON:API (https://docs.lemonsqueezy.com/api):
 * create a checkout, change a subscription's variant, cancel a subscription. Every failure becomes
 * an AppError a client can read: 503 when billing is not configured, 502 when the provider
 * refused, failed or did not answer in time.
 */

export const BILLING_CYCLE_NAMES = ['monthly', 'yearly'] as const;
export type BillingCycle = (typeof BILLING_CYCLE_NAMES)[number];

const JSON_API = 'application/vnd.api+json';

export const notConfigured = (what: string, details?: Record<string, unknown>) =>
  errors.error('BILLING_NOT_CONFIGURED', `Billing is not configured on this server: ${what}`, details);

const upstream = (message: string, details: Record<string, unknown>) => errors.error('PAYMENT_PROVIDER_ERROR', message, details);

export interface Checkout {
  url: string;
  expiresAt: string | null;
}

export class LemonSqueezy {
  constructor(private readonly config: LemonSqueezyConfig) {}

  /** Whether the API can be called at all (key and store). */
  get configured(): boolean {
    return this.config.apiKey !== null && this.config.storeId !== null;
  }

  variantOf(plan: string, cycle: BillingCycle): string | null {
    return this.config.variants[`${plan}:${cycle}`] ?? null;
  }

  /** The plan and cycle a variant id was configured for, or null. */
  planOfVariant(variantId: unknown): { plan: string; cycle: BillingCycle } | null {
    if (variantId === null || variantId === undefined) return null;
    const id = String(variantId);
    for (const [key, value] of Object.entries(this.config.variants)) {
      if (value === id) {
        const [plan, cycle] = key.split(':') as [string, BillingCycle];
        return { plan, cycle };
      }
    }
    return null;
  }

  /** POST /v1/checkouts for one variant; the user's id rides along as custom data for the webhooks. */
  async createCheckout(input: {
    variantId: string;
    userId: string;
    email: string | null;
    name: string;
    expiresAt: string;
  }): Promise<Checkout> {
    const body = {
      data: {
        type: 'checkouts',
        attributes: {
          checkout_data: { ...(input.email ? { email: input.email } : {}), name: input.name, custom: { user_id: input.userId } },
          expires_at: input.expiresAt,
        },
        relationships: {
          store: { data: { type: 'stores', id: this.config.storeId } },
          variant: { data: { type: 'variants', id: input.variantId } },
        },
      },
    };
    const answer = await this.call('POST', '/v1/checkouts', body);
    const attributes = (answer as { data?: { attributes?: { url?: unknown; expires_at?: unknown } } } | null)?.data?.attributes;
    if (typeof attributes?.url !== 'string' || attributes.url === '') {
      throw upstream('The payment provider answered without a checkout URL', { reason: 'bad_response' });
    }
    return { url: attributes.url, expiresAt: typeof attributes.expires_at === 'string' ? attributes.expires_at : null };
  }

  /** PATCH /v1/subscriptions/{id}: moves a paid subscription to another variant (prorated by the provider). */
  async changeVariant(subscriptionId: string, variantId: string): Promise<void> {
    await this.call('PATCH', `/v1/subscriptions/${encodeURIComponent(subscriptionId)}`, {
      data: { type: 'subscriptions', id: subscriptionId, attributes: { variant_id: Number(variantId) } },
    });
  }

  /** DELETE /v1/subscriptions/{id}: cancels at the end of the paid period (the provider's grace period). */
  async cancel(subscriptionId: string): Promise<void> {
    await this.call('DELETE', `/v1/subscriptions/${encodeURIComponent(subscriptionId)}`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    if (!this.configured) throw notConfigured('set LEMONSQUEEZY_API_KEY and LEMONSQUEEZY_STORE_ID');
    let res: Response;
    try {
      res = await fetch(`${this.config.apiBase}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.config.apiKey}`,
          accept: JSON_API,
          ...(body !== undefined ? { 'content-type': JSON_API } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw upstream(timedOut ? 'The payment provider did not answer in time' : 'The payment provider could not be reached', {
        reason: timedOut ? 'timeout' : 'unreachable',
      });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      // JSON:API errors carry `errors[].detail`; pass the first on, never the whole answer.
      let detail: string | undefined;
      try {
        const first = (JSON.parse(text) as { errors?: Array<{ detail?: unknown }> }).errors?.[0]?.detail;
        if (typeof first === 'string') detail = first.slice(0, 300);
      } catch {
        detail = undefined;
      }
      throw upstream(`The payment provider refused the request (HTTP ${res.status})`, {
        reason: 'status',
        upstream_status: res.status,
        ...(detail ? { upstream_detail: detail } : {}),
      });
    }
    if (text === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw upstream('The payment provider answered with something that is not JSON', { reason: 'bad_response' });
    }
  }
}
