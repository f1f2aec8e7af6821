import { Type, type Static } from 'typebox';

/** Stories spec §5: the File, Chapter and Story objects, and the bodies of §6.3. */

export const FileObject = Type.Object(
  {
    object: Type.Literal('file'),
    type: Type.Literal('internal'),
    url: Type.String({ description: 'Signed, expiring URL on this server; supports HTTP Range' }),
    expiry_time: Type.String({ format: 'date-time' }),
  },
  { description: 'A stored file (§5.1)' },
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description: string) =>
  Type.Union([t, Type.Null()], { description });

export const Chapter = Type.Object({
  id: Type.String({ format: 'uuid' }),
  object: Type.Literal('chapter'),
  chapter_number: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  content: Type.String(),
  image: Nullable(FileObject, "The chapter's picture; null when no image engine is installed"),
  audio: Nullable(
    FileObject,
    "The chapter's narration (16-bit mono WAV); null when no voice engine is installed or it failed (the story's `narration.reason` says which; the app then offers the system voice)",
  ),
  audio_sentences: Type.Union(
    [Type.Array(Type.Object({ text: Type.String(), start: Type.Number({ minimum: 0 }), end: Type.Number({ minimum: 0 }) })), Type.Null()],
    { description: 'Atelier: when each sentence is spoken in `audio`, in seconds, for highlighting; null without audio' },
  ),
});

export const Narration = Type.Object(
  {
    engine: Type.Union([Type.String(), Type.Null()], { description: 'The voice engine that read the chapters, e.g. "supertonic-2 …"' }),
    device: Type.Union([Type.String(), Type.Null()], { description: 'Where it ran: cpu, cuda, dml, coreml' }),
    voice: Type.Union([Type.String(), Type.Null()], { description: 'The preset voice used' }),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why some or all chapters have no audio; null when all do' }),
  },
  { description: 'Atelier: how the chapters were read aloud; null while pending' },
);

const Status = Type.Union([Type.Literal('pending'), Type.Literal('in_progress'), Type.Literal('completed'), Type.Literal('failed')]);

export const Story = Type.Object({
  id: Type.String({ format: 'uuid' }),
  object: Type.Literal('story'),
  owner_id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  status: Status,
  chapters: Type.Array(Chapter, { description: 'Grows while the story is in_progress' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  conversation_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'Atelier: the conversation it was written from',
  }),
  language: Type.Union([Type.Literal('ko'), Type.Literal('en'), Type.Null()], { description: "Atelier: the story's language" }),
  engine: Type.Union([Type.String(), Type.Null()], { description: 'Atelier: the engine that writes it; null while pending' }),
  narration: Type.Union([Narration, Type.Null()]),
  job_id: Type.Union([Type.String(), Type.Null()], { description: 'Atelier: follow it on socket.io `job:update` (kind `stories.write`)' }),
  fail_code: Type.Union([Type.String(), Type.Null()], {
    description: 'Atelier: why a failed story failed (`CONTENT_FILTERED`, `STORY_ENGINE_FAILED`...); null otherwise',
  }),
  fail_reason: Type.Union([Type.String(), Type.Null()], { description: 'Atelier: the same, for people' }),
});

const ShortText = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description });

export const CreateStoryBody = Type.Object({
  user_preferences: Type.Optional(
    Type.Object({
      theme: Type.Optional(ShortText(100, 'e.g. "모험" (adventure)')),
      characters: Type.Optional(Type.Array(ShortText(60, 'A character; the first is the hero, the second the friend'), { maxItems: 10 })),
      length: Type.Optional(
        Type.Union([Type.Literal('short'), Type.Literal('medium'), Type.Literal('long')], {
          description: 'short: 4 chapters, medium: 5 (default), long: 6',
        }),
      ),
      language: Type.Optional(
        Type.Union([Type.Literal('ko'), Type.Literal('en')], { description: 'Atelier: default from the conversation (Hangul: ko)' }),
      ),
      age: Type.Optional(
        Type.Integer({ minimum: 2, maximum: 14, description: "Atelier: the child's age; sets vocabulary and length (3-5, 6-8, 9-12)" }),
      ),
      picture_style: Type.Optional(
        Type.Union([Type.Literal('picture_book'), Type.Literal('watercolour'), Type.Literal('crayon')], {
          description:
            'Atelier: how chapter pictures are drawn (default picture_book) when an image model is installed; otherwise `image` is null',
        }),
      ),
    }),
  ),
  conversation_id: Type.Optional(
    Type.String({ format: 'uuid', description: 'A conversation this account held on /wss/v1/audio (its `conversation_id`)' }),
  ),
});
export type CreateStoryBody = Static<typeof CreateStoryBody>;

export const PAGE_SIZE_MAX = 100;
export const PAGE_SIZE_DEFAULT = 20;

export const ListQuery = Type.Object({
  status: Type.Optional(Status),
  sort_by: Type.Optional(
    Type.Union([Type.Literal('created_at'), Type.Literal('updated_at'), Type.Literal('title')], { default: 'created_at' }),
  ),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })),
  start_cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'The `next_cursor` of the previous page, with the same status, sort_by and order',
    }),
  ),
});

export const StoryList = Type.Object({
  object: Type.Literal('list'),
  results: Type.Array(Story),
  has_more: Type.Boolean(),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const StoryParams = Type.Object({ story_id: Type.String({ format: 'uuid' }) });

export const RenameBody = Type.Object({ title: ShortText(200, 'The new title') });
