import crypto from 'node:crypto';
import { and, asc, count, desc, eq, gte, inArray, sql, sum } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import {
  canvasCreditAccounts,
  canvasCreditTransactions,
  canvasGenerations,
  CREDIT_TRANSACTION_TYPES,
  GENERATION_KINDS,
} from '../../../db/schema';
import { tierOf, type Tier } from '../plans/tiers';
import { errors } from '../errors';

export type CreditTransactionType = (typeof CREDIT_TRANSACTION_TYPES)[number];
export type GenerationKind = (typeof GENERATION_KINDS)[number];
export type GenerationRow = typeof canvasGenerations.$inferSelect;
type TransactionRow = typeof canvasCreditTransactions.$inferSelect;

/** Seconds of compute per work unit (step × megapixel) before anything was measured on this machine. */
export const DEFAULT_SECONDS_PER_UNIT = 4;
/** How many recent measured generations the speed estimate averages. */
const SPEED_WINDOW = 50;

const iso = (ms: number) => new Date(ms).toISOString();

/** One calendar month later, clamped to the month's last day (Jan 31 → Feb 28). */
function addMonth(ms: number): number {
  const d = new Date(ms);
  const target = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}

export interface Balance {
  balance: number;
  reserved: number;
  available: number;
  periodStart: string;
  periodEnd: string;
}

export interface ReserveInput {
  userId: string;
  jobId: string;
  kind: GenerationKind;
  model: string;
  workUnits: number;
  credits: number;
  inputKeys: string[];
}

/**
 * Credits: a balance per account, topped up by its plan each month. Starting a generation holds
 * its estimated cost (available = balance − held); a completed job is charged its measured compute
 * time, one credit a second; a cancelled or failed one releases its hold.
 */
export class CreditService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** The account's balance, creating it with the plan's first grant and granting any month that began since. */
  balance(userId: string, tierName: string): Balance {
    const tier = tierOf(tierName);
    const account = this.db.transaction(() => {
      let row = this.db.select().from(canvasCreditAccounts).where(eq(canvasCreditAccounts.userId, userId)).get();
      const now = this.now();
      if (!row) {
        row = this.db
          .insert(canvasCreditAccounts)
          .values({ userId, balance: 0, periodStart: iso(now), periodEnd: iso(addMonth(now)), updatedAt: iso(now) })
          .returning()
          .get();
        row = this.grant(row, tier, now);
      }
      // A month that passed while nobody looked still grants once, at its own start.
      while (Date.parse(row.periodEnd) <= now)
        row = this.grant(
          { ...row, periodStart: row.periodEnd, periodEnd: iso(addMonth(Date.parse(row.periodEnd))) },
          tier,
          Date.parse(row.periodEnd),
        );
      return row;
    });
    const reserved = this.reservedOf(userId);
    return {
      balance: account.balance,
      reserved,
      available: Math.max(0, account.balance - reserved),
      periodStart: account.periodStart,
      periodEnd: account.periodEnd,
    };
  }

  /**
   * Adds credits outside the monthly grant (an upgrade, a payment) and records them; returns the
   * new balance. Runs inside the caller's transaction when there is one.
   */
  add(
    userId: string,
    tierName: string,
    type: Extract<CreditTransactionType, 'upgrade_grant' | 'subscription_grant' | 'purchase'>,
    amount: number,
    description: string,
  ): number {
    return this.db.transaction(() => {
      this.balance(userId, tierName);
      const account = this.db.select().from(canvasCreditAccounts).where(eq(canvasCreditAccounts.userId, userId)).get()!;
      const now = this.now();
      const balance = account.balance + amount;
      this.db
        .update(canvasCreditAccounts)
        .set({ balance, updatedAt: iso(now) })
        .where(eq(canvasCreditAccounts.userId, userId))
        .run();
      this.record(userId, type, amount, description, balance, null, now);
      return balance;
    });
  }

  /** Credits granted (monthly, upgrade) in the account's current credit period, after rolling it forward. */
  grantedThisPeriod(userId: string, tierName: string): number {
    const { periodStart } = this.balance(userId, tierName);
    const row = this.db
      .select({ total: sum(canvasCreditTransactions.amount) })
      .from(canvasCreditTransactions)
      .where(
        and(
          eq(canvasCreditTransactions.userId, userId),
          inArray(canvasCreditTransactions.type, ['subscription_grant', 'upgrade_grant']),
          gte(canvasCreditTransactions.createdAt, periodStart),
        ),
      )
      .get();
    return Number(row?.total ?? 0);
  }

  private grant(row: typeof canvasCreditAccounts.$inferSelect, tier: Tier, at: number): typeof canvasCreditAccounts.$inferSelect {
    const balance = row.balance + tier.credits;
    this.record(row.userId, 'subscription_grant', tier.credits, `${tier.displayName} plan monthly credits`, balance, null, at);
    return this.db
      .update(canvasCreditAccounts)
      .set({ balance, periodStart: row.periodStart, periodEnd: row.periodEnd, updatedAt: iso(at) })
      .where(eq(canvasCreditAccounts.userId, row.userId))
      .returning()
      .get()!;
  }

  private record(
    userId: string,
    type: CreditTransactionType,
    amount: number,
    description: string,
    balanceAfter: number,
    jobId: string | null,
    at: number,
  ): void {
    this.db
      .insert(canvasCreditTransactions)
      .values({ id: crypto.randomUUID(), userId, type, amount, description, balanceAfter, jobId, createdAt: iso(at) })
      .run();
  }

  private reservedOf(userId: string): number {
    const row = this.db
      .select({ total: sum(canvasGenerations.reserved) })
      .from(canvasGenerations)
      .where(and(eq(canvasGenerations.userId, userId), eq(canvasGenerations.reservation, 'held')))
      .get();
    return Number(row?.total ?? 0);
  }

  /** Throws INSUFFICIENT_CREDITS (402) unless `credits` are available. */
  requireAvailable(userId: string, tierName: string, credits: number): void {
    const { available } = this.balance(userId, tierName);
    if (available < credits) {
      throw errors.error('INSUFFICIENT_CREDITS', 'Not enough credits for this generation', { required: credits, available });
    }
  }

  /** Holds the estimate for a job just enqueued (call in the same tick as the check). */
  reserve(input: ReserveInput): GenerationRow {
    return this.db
      .insert(canvasGenerations)
      .values({
        jobId: input.jobId,
        userId: input.userId,
        kind: input.kind,
        model: input.model,
        workUnits: input.workUnits,
        reserved: input.credits,
        reservation: 'held',
        inputKeys: input.inputKeys,
        createdAt: iso(this.now()),
      })
      .returning()
      .get();
  }

  generation(jobId: string): GenerationRow | null {
    return this.db.select().from(canvasGenerations).where(eq(canvasGenerations.jobId, jobId)).get() ?? null;
  }

  /**
   * Charges a finished job its compute time (at least one credit, never more than the balance) and
   * records it; returns the credits charged, or null when the hold was already released (the job
   * was cancelled meanwhile), in which case nothing is charged.
   */
  charge(jobId: string, computeMs: number, imagesCreated: number, description: string): number | null {
    return this.db.transaction(() => {
      const gen = this.generation(jobId);
      if (!gen || gen.reservation !== 'held') return null;
      const account = this.db.select().from(canvasCreditAccounts).where(eq(canvasCreditAccounts.userId, gen.userId)).get();
      const used = Math.min(Math.max(1, Math.ceil(computeMs / 1000)), account?.balance ?? 0);
      const now = this.now();
      this.db
        .update(canvasGenerations)
        .set({ reservation: 'charged', creditsUsed: used, computeMs: Math.round(computeMs), imagesCreated, finishedAt: iso(now) })
        .where(eq(canvasGenerations.jobId, jobId))
        .run();
      if (account) {
        const balance = account.balance - used;
        this.db
          .update(canvasCreditAccounts)
          .set({ balance, updatedAt: iso(now) })
          .where(eq(canvasCreditAccounts.userId, gen.userId))
          .run();
        this.record(gen.userId, 'generation_use', -used, description, balance, jobId, now);
      }
      return used;
    });
  }

  /** Releases a job's hold; returns the credits given back (0 when it was charged or released already). */
  release(jobId: string): number {
    const row = this.db
      .update(canvasGenerations)
      .set({ reservation: 'refunded', finishedAt: iso(this.now()) })
      .where(and(eq(canvasGenerations.jobId, jobId), eq(canvasGenerations.reservation, 'held')))
      .returning({ reserved: canvasGenerations.reserved })
      .get();
    return row?.reserved ?? 0;
  }

  /** Jobs whose hold is still on: after a crash some may have ended without releasing it. */
  heldJobIds(): string[] {
    return this.db
      .select({ jobId: canvasGenerations.jobId })
      .from(canvasGenerations)
      .where(eq(canvasGenerations.reservation, 'held'))
      .all()
      .map((r) => r.jobId);
  }

  /**
   * Measured seconds per work unit on this machine: the recent charged generations of this model,
   * else of any model, else the default.
   */
  secondsPerUnit(model: string): number {
    const measured = (where: ReturnType<typeof and>) => {
      const rows = this.db
        .select({ ms: canvasGenerations.computeMs, units: canvasGenerations.workUnits })
        .from(canvasGenerations)
        .where(where)
        .orderBy(desc(canvasGenerations.finishedAt))
        .limit(SPEED_WINDOW)
        .all();
      const ms = rows.reduce((a, r) => a + (r.ms ?? 0), 0);
      const units = rows.reduce((a, r) => a + r.units, 0);
      return units > 0 ? ms / 1000 / units : null;
    };
    const charged = and(eq(canvasGenerations.reservation, 'charged'), sql`${canvasGenerations.computeMs} IS NOT NULL`);
    return measured(and(charged, eq(canvasGenerations.model, model))) ?? measured(charged) ?? DEFAULT_SECONDS_PER_UNIT;
  }

  /** Estimated credits (= seconds of compute) for `workUnits` of this model. */
  estimate(model: string, workUnits: number): number {
    return Math.max(1, Math.ceil(workUnits * this.secondsPerUnit(model)));
  }

  /** When this account's generations since `sinceMs` started (epoch ms, oldest first). */
  startedSince(userId: string, sinceMs: number): number[] {
    return this.db
      .select({ at: canvasGenerations.createdAt })
      .from(canvasGenerations)
      .where(and(eq(canvasGenerations.userId, userId), gte(canvasGenerations.createdAt, iso(sinceMs))))
      .orderBy(asc(canvasGenerations.createdAt))
      .all()
      .map((r) => Date.parse(r.at));
  }

  transactions(
    userId: string,
    opts: { type?: CreditTransactionType; limit: number; offset: number },
  ): { rows: TransactionRow[]; total: number } {
    const where = and(eq(canvasCreditTransactions.userId, userId), opts.type ? eq(canvasCreditTransactions.type, opts.type) : undefined);
    const rows = this.db
      .select()
      .from(canvasCreditTransactions)
      .where(where)
      .orderBy(desc(canvasCreditTransactions.seq))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
    const total = this.db.select({ n: count() }).from(canvasCreditTransactions).where(where).get()?.n ?? 0;
    return { rows, total };
  }

  /** Generations of one account created at or after `sinceIso`, for usage statistics. */
  generationsSince(userId: string, sinceIso: string): GenerationRow[] {
    return this.db
      .select()
      .from(canvasGenerations)
      .where(and(eq(canvasGenerations.userId, userId), gte(canvasGenerations.createdAt, sinceIso)))
      .all();
  }

  /** Credits held by the given jobs (the wait estimate sums the jobs ahead). */
  heldCredits(jobIds: string[]): Map<string, number> {
    if (jobIds.length === 0) return new Map();
    const rows = this.db
      .select({ jobId: canvasGenerations.jobId, reserved: canvasGenerations.reserved })
      .from(canvasGenerations)
      .where(inArray(canvasGenerations.jobId, jobIds))
      .all();
    return new Map(rows.map((r) => [r.jobId, r.reserved]));
  }
}
