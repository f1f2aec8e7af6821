import { Type } from 'typebox';
import type { FamilyApp } from '../../../http/family';
import { JobStatusSchema } from '../../../http/schemas';
import { requireUser } from '../../../plugins/app/auth';
import { security, tags } from '../http';
import { checkTarget, type AddressRule } from '../crawl/guard';
import { promoErrors } from '../errors';
import { progressOf, type TaskRow, type TaskService } from './service';
import type { JobSnapshot } from '../../../jobs/queue';
import type { ItemService } from '../items/service';
import { CAPTION_PRESETS, CAPTION_PRESET_NAMES } from '../video/captions';
import { formLines, MAX_LINE_SYLLABLES, syllabify, type Form } from '../lyrics/writer';

const Flags = Type.Object({
  metadata: Type.Boolean(),
  lyrics: Type.Boolean(),
  songs: Type.Boolean(),
  images: Type.Boolean(),
  movies: Type.Boolean(),
  combined: Type.Boolean(),
});

const TaskState = Type.Object({
  progress: Flags,
  task_id: Type.String(),
  status: JobStatusSchema,
  stage: Type.Union([Type.String(), Type.Null()]),
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  error: Type.Union([Type.String(), Type.Null()]),
  error_code: Type.Union([Type.String(), Type.Null()]),
  item_id: Type.Union([Type.String(), Type.Null()]),
  video_id: Type.Union([Type.String(), Type.Null()]),
  lyrics: Type.Union([Type.Unknown(), Type.Null()]),
  caption_style: Type.String(),
  reused: Type.Array(Type.String(), { description: 'Stages taken from an earlier run because nothing they depend on changed' }),
});

const TaskId = Type.Object({ task_id: Type.String({ minLength: 1, maxLength: 64 }) });

const stateView = (task: TaskRow, job: JobSnapshot) => ({
  progress: progressOf(task),
  task_id: task.id,
  status: job.status,
  stage: job.stage,
  percent: Math.round(job.progress * 100),
  error: job.error,
  error_code: job.errorCode,
  item_id: task.itemId,
  video_id: task.videoId,
  lyrics: task.lyricsText ? (JSON.parse(task.lyricsText) as unknown) : null,
  caption_style: task.captionStyle,
  reused: (job.result as { reused?: string[] } | null)?.reused ?? [],
});

/** `/moviemaker/start-workflow`, `/moviemaker/progress` and (Atelier's) `/moviemaker/cancel`. */
export async function moviemakerRoutes(
  app: FamilyApp,
  tasks: TaskService,
  items: ItemService,
  allow: () => AddressRule,
  form: () => Form,
): Promise<void> {
  app.post(
    '/moviemaker/start-workflow',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'Make a promo video from a business web address',
        description:
          'Runs crawl → lyrics ∥ images → song → video → merge on the job queue. `aspect_ratio` (16:9, 9:16, 1:1), `language` (ko, en), `mood` and `seed` are Atelier additions with defaults; ' +
          '`item_id` instead of `url` makes the video from a business you already have (after editing it) without crawling again.',
        body: Type.Object({
          url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
          item_id: Type.Optional(Type.String({ format: 'uuid' })),
          aspect_ratio: Type.Optional(Type.Union([Type.Literal('16:9'), Type.Literal('9:16'), Type.Literal('1:1')])),
          language: Type.Optional(Type.Union([Type.Literal('ko'), Type.Literal('en')])),
          mood: Type.Optional(Type.String({ maxLength: 30 })),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
          lyrics: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 120 }), {
              maxItems: 20,
              description:
                'Your own lyric lines (with `item_id`), one per line of the song as `progress` showed them. Lines with the same syllable counts keep the song; the pictures are kept too: only the captions and the merge are made again.',
            }),
          ),
          caption_style: Type.Optional(
            Type.Union(
              CAPTION_PRESET_NAMES.map((n) => Type.Literal(n)),
              { description: `Caption look: ${CAPTION_PRESET_NAMES.map((n) => `${n} (${CAPTION_PRESETS[n].label})`).join(', ')}` },
            ),
          ),
        }),
        response: { 200: Type.Object({ task_id: Type.String(), progress: Flags }) },
      },
    },
    async (request) => {
      const b = request.body;
      const item = b.item_id ? items.get(request.user!.id, b.item_id) : null;
      const url = item?.url ?? b.url;
      if (!url) throw promoErrors.error('URL_001', 'Give the url of the business, or the item_id of one you already have');
      if (b.lyrics) {
        if (!item) throw promoErrors.error('LYRICS_001', 'Edited lyrics go with the item_id of the business they were written for');
        const want = formLines(form());
        if (b.lyrics.length !== want) throw promoErrors.error('LYRICS_001', `The song has ${want} lines; send one lyric line for each`);
        b.lyrics.forEach((line, i) => {
          const n = syllabify(line).length;
          if (n === 0 || n > MAX_LINE_SYLLABLES)
            throw promoErrors.error(
              'LYRICS_001',
              `Line ${i + 1} has ${n} syllables; a line takes 1 to ${MAX_LINE_SYLLABLES} (one per note)`,
            );
        });
      }
      const target = checkTarget(url, allow());
      if (!target.ok) throw promoErrors.error('URL_001', target.reason);
      const payload = {
        url: target.url.href,
        aspect: b.aspect_ratio ?? '16:9',
        language: b.language ?? 'ko',
        mood: b.mood ?? null,
        seed: b.seed ?? Math.floor(Math.random() * 2 ** 31),
        captionStyle: b.caption_style ?? 'classic',
        lyrics: b.lyrics ?? null,
      } as const;
      const { task } = tasks.start(request.user!.id, payload, item?.id ?? null);
      return { task_id: task.id, progress: progressOf(task) };
    },
  );

  app.post(
    '/moviemaker/progress',
    {
      preHandler: requireUser({ cookie: true }),
      schema: {
        tags,
        security,
        summary: 'Where a workflow stands: the six flags, plus status, stage, percent and why it failed',
        body: TaskId,
        response: { 200: TaskState },
      },
    },
    async (request) => {
      const { task, job } = tasks.get(request.user!.id, request.body.task_id);
      return stateView(task, job);
    },
  );

  app.post(
    '/moviemaker/cancel',
    {
      preHandler: requireUser({ cookie: true }),
      schema: { tags, security, summary: 'Stop a workflow at whatever stage it is in', body: TaskId, response: { 200: TaskState } },
    },
    async (request) => {
      const { task, job } = tasks.cancel(request.user!.id, request.body.task_id);
      return stateView(task, job);
    },
  );
}
