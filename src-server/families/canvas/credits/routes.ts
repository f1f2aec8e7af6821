import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { currentUser } from '../../../plugins/app/auth';
import { CREDIT_TRANSACTION_TYPES } from '../../../db/schema';
import { Envelope, PageQuery, errorResponses, ok, pageOf, security, signedIn, Meta } from '../http';
import type { ImageService } from '../images/service';
import type { CreditService } from './service';
import { Credits, Usage } from '../../../../src-shared/api/canvas';

const tags = ['canvas'];

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** GET /users/me/credits and /users/me/usage. */
export async function creditRoutes(app: FamilyApp, credits: CreditService, images: ImageService): Promise<void> {
  app.get(
    '/api/v1/users/me/credits',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your credit balance and its history (크레딧 잔액 및 내역 조회)',
        description:
          'One credit pays one second of compute. Your plan grants its credits each month; a job holds its estimate while queued and is charged its measured time when it completes.',
        querystring: Type.Object(
          { ...PageQuery(100), type: Type.Optional(Type.Enum([...CREDIT_TRANSACTION_TYPES])) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ success: Type.Literal(true), data: Credits, meta: Meta }),
          ...errorResponses(['validation']),
        },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const balance = credits.balance(me.id, me.tier);
      const { page, perPage, offset } = pageOf(request.query);
      const { rows, total } = credits.transactions(me.id, {
        type: request.query.type as (typeof CREDIT_TRANSACTION_TYPES)[number] | undefined,
        limit: perPage,
        offset,
      });
      return {
        success: true as const,
        data: {
          balance: balance.balance,
          reserved: balance.reserved,
          available: balance.available,
          transactions: rows.map((t) => ({
            id: t.id,
            type: t.type,
            amount: t.amount,
            description: t.description,
            balance_after: t.balanceAfter,
            created_at: t.createdAt,
          })),
        },
        meta: { page, per_page: perPage, total },
      };
    },
  );

  app.get(
    '/api/v1/users/me/usage',
    {
      onRequest: signedIn,
      schema: {
        tags,
        security,
        summary: 'Your usage statistics (사용량 통계 조회)',
        description: '`day`: today; `week`: the last 7 days; `month`: since the 1st of this month (UTC).',
        querystring: Type.Object(
          { period: Type.Optional(Type.Enum(['day', 'week', 'month'], { default: 'month' })) },
          { additionalProperties: false },
        ),
        response: { 200: Envelope(Usage), ...errorResponses(['validation: an unknown period']) },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const period = (request.query.period ?? 'month') as 'day' | 'week' | 'month';
      const now = app.clock.now();
      const today = Date.parse(dateOf(now));
      const start =
        period === 'day'
          ? today
          : period === 'week'
            ? today - 6 * DAY
            : Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
      const rows = credits.generationsSince(me.id, new Date(start).toISOString());
      const daily = new Map<string, { date: string; generations: number; credits_used: number; images_created: number }>();
      for (let d = start; d <= today; d += DAY)
        daily.set(dateOf(d), { date: dateOf(d), generations: 0, credits_used: 0, images_created: 0 });
      const byModel = new Map<string, { model: string; generations: number; credits_used: number }>();
      let generations = 0;
      let used = 0;
      let made = 0;
      for (const g of rows) {
        if (g.reservation !== 'charged') continue;
        generations += 1;
        used += g.creditsUsed;
        made += g.imagesCreated;
        const day = daily.get(g.createdAt.slice(0, 10));
        if (day) {
          day.generations += 1;
          day.credits_used += g.creditsUsed;
          day.images_created += g.imagesCreated;
        }
        const m = byModel.get(g.model) ?? { model: g.model, generations: 0, credits_used: 0 };
        m.generations += 1;
        m.credits_used += g.creditsUsed;
        byModel.set(g.model, m);
      }
      const storage = images.usage(me.id);
      return ok({
        period,
        start_date: dateOf(start),
        end_date: dateOf(today),
        summary: {
          total_generations: generations,
          total_credits_used: used,
          total_images_created: made,
          storage_used_bytes: storage.images + storage.thumbnails + storage.workflows,
          api_calls: rows.length,
        },
        daily: [...daily.values()],
        by_model: [...byModel.values()].sort((a, b) => b.credits_used - a.credits_used || a.model.localeCompare(b.model)),
      });
    },
  );
}
