import { PLAN_NAMES } from '../../src-shared/api/account';

/**
 * The plan names an account's `users.tier` holds, lowest first. Every family reads plans in this
 * order: canvas attaches its limits to them (families/canvas/plans/tiers.ts), models name the
 * lowest plan that may use them (ai/diffusion/catalog.ts).
 */
export { PLAN_NAMES };
export type PlanName = (typeof PLAN_NAMES)[number];

/** The order as the model catalog takes it (ai/diffusion/catalog.ts knows no plan names). */
export const PLAN_ORDER: readonly [PlanName, PlanName, ...PlanName[]] = PLAN_NAMES;

/** A plan's place in the order; a name this build does not know ranks as Free. */
export const planRank = (name: string): number => Math.max(0, (PLAN_NAMES as readonly string[]).indexOf(name));

/** Whether an account on `plan` is on `min` or above. */
export const planAtLeast = (plan: string, min: PlanName): boolean => planRank(plan) >= planRank(min);
