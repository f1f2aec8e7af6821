/**
 * The canvas plans (spec 004 "구독 API" and "Rate Limiting"): the one table every limit comes
 * from — monthly credits, storage quota, how many jobs an account may have in the queue, which
 * model families it may use and how many generations a minute it may start.
 *
 * Starter and Pro are the spec's own figures. The spec names Free, Studio and Enterprise only in
 * its rate-limit table (and Studio's 30,000 credits in the upgrade example); their other figures
 * are Atelier's choice. Accounts start on Free, which runs Stable Diffusion models, so a fresh
 * local installation can make images.
 */

import { PLAN_NAMES, planAtLeast, planRank, type PlanName } from '../../../auth/plans';

export const TIER_NAMES = PLAN_NAMES;
export type TierName = PlanName;

export interface TierFeatures {
  sd_models: boolean;
  flux_model: boolean;
  nano_banana_api: boolean;
  lora_training: boolean;
}

export interface Tier {
  name: TierName;
  displayName: string;
  monthlyPrice: number | null;
  yearlyPrice: number | null;
  /** Credits granted each month; one credit pays one second of compute. */
  credits: number;
  storageGb: number;
  /** Generation jobs one account may have queued or running at once. */
  queueCount: number;
  requestsPerMinute: number | null;
  generationsPerMinute: number;
  features: TierFeatures;
}

const GB = 1024 ** 3;

export const TIERS: Record<TierName, Tier> = {
  free: {
    name: 'free',
    displayName: 'Free',
    monthlyPrice: 0,
    yearlyPrice: 0,
    credits: 500,
    storageGb: 5,
    queueCount: 1,
    requestsPerMinute: 30,
    generationsPerMinute: 2,
    features: { sd_models: true, flux_model: false, nano_banana_api: false, lora_training: false },
  },
  starter: {
    name: 'starter',
    displayName: 'Starter',
    monthlyPrice: 25,
    yearlyPrice: 250,
    credits: 5000,
    storageGb: 20,
    queueCount: 1,
    requestsPerMinute: 60,
    generationsPerMinute: 5,
    features: { sd_models: true, flux_model: false, nano_banana_api: false, lora_training: false },
  },
  pro: {
    name: 'pro',
    displayName: 'Pro',
    monthlyPrice: 75,
    yearlyPrice: 750,
    credits: 15000,
    storageGb: 100,
    queueCount: 1,
    requestsPerMinute: 120,
    generationsPerMinute: 10,
    features: { sd_models: true, flux_model: true, nano_banana_api: true, lora_training: false },
  },
  studio: {
    name: 'studio',
    displayName: 'Studio',
    monthlyPrice: 150,
    yearlyPrice: 1500,
    credits: 30000,
    storageGb: 500,
    queueCount: 3,
    requestsPerMinute: 240,
    generationsPerMinute: 20,
    features: { sd_models: true, flux_model: true, nano_banana_api: true, lora_training: true },
  },
  enterprise: {
    name: 'enterprise',
    displayName: 'Enterprise',
    monthlyPrice: null,
    yearlyPrice: null,
    credits: 100000,
    storageGb: 2000,
    queueCount: 10,
    requestsPerMinute: null,
    generationsPerMinute: 60,
    features: { sd_models: true, flux_model: true, nano_banana_api: true, lora_training: true },
  },
};

/** The account's tier; a value this build does not know counts as Free rather than failing. */
export function tierOf(name: string): Tier {
  return (TIER_NAMES as readonly string[]).includes(name) ? TIERS[name as TierName] : TIERS.free;
}

export const tierRank = (name: TierName): number => planRank(name);

/** Whether `tier` is `min` or above. */
export const tierAllows = (tier: Tier, min: TierName): boolean => planAtLeast(tier.name, min);

export const storageQuotaBytes = (tier: Tier): number => tier.storageGb * GB;

/** The `features` object of GET /users/me. */
export const featuresOf = (tier: Tier) => ({ ...tier.features, queue_count: tier.queueCount });
