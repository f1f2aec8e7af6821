import crypto from 'node:crypto';
import { and, asc, desc, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { storiesChapters, storiesStories, users, type StoryNarration, type StoryPreferences, type StoryStatus } from '../../../db/schema';
import { isAppError } from '../../../http/errors';
import type { Job, JobContext, JobQueue, JobSnapshot } from '../../../jobs/queue';
import type { FileStore } from '../../../storage/file-store';
import type { ConversationStore } from '../conversation/store';
import { calm, UnsafeOutputError } from '../engines/builtin-writer';
import { seedFrom } from '../engines/random';
import { checkText } from '../engines/safety';
import { ageBand, CHAPTERS_BY_LENGTH, detectLanguage, type StoryBrief, type StoryEngine, type StoryOutline } from '../engines/types';
import { storiesErrors } from '../errors';
import type { StoryIllustrator } from '../engines/illustrator';
import type { NarrationPlan, StoryNarrator } from '../engines/narrator';
import type { StorySettingsStore } from '../settings/store';
import type { CursorCodec, CursorState } from './cursor';

export const STORY_JOB = 'stories.write';

export type StoryRow = typeof storiesStories.$inferSelect;
export type ChapterRow = typeof storiesChapters.$inferSelect;
export type StoryWithChapters = StoryRow & { chapters: ChapterRow[] };

export interface StoryJobPayload {
  storyId: string;
}

export interface StoryJobResult {
  storyId: string;
  engine: string;
  chapters: number;
}

export interface CreateStoryInput {
  preferences: StoryPreferences;
  conversationId: string | null;
}

export interface ListQuery {
  status: StoryStatus | null;
  sort: CursorState['sort'];
  order: CursorState['order'];
  pageSize: number;
  cursor: string | null;
}

/** The placeholder a story carries until its outline names it (a title the user set is kept). */
export const UNTITLED = { ko: '새 이야기', en: 'New story' } as const;

/** Where a story's pictures and narration live, so deleting it removes them all. */
export const storyPrefix = (ownerId: string, storyId: string) => `stories/${ownerId}/${storyId}`;

const SORT_COLUMNS = { created_at: storiesStories.createdAt, updated_at: storiesStories.updatedAt, title: storiesStories.title } as const;

/** Stories: created as a durable job, written chapter by chapter, listed with keyset cursors. */
export class StoryService {
  constructor(
    private readonly db: Db,
    private readonly storage: FileStore,
    private readonly jobs: JobQueue,
    private readonly conversations: ConversationStore,
    private readonly cursors: CursorCodec,
    private readonly writer: () => StoryEngine,
    private readonly illustrator: StoryIllustrator,
    private readonly narrator: StoryNarrator,
    private readonly settings: StorySettingsStore,
    /** The second safety pass (an installed chat model's judgement); true when there is none. */
    private readonly approves: (text: string, signal: AbortSignal) => Promise<boolean>,
    private readonly now: () => number,
  ) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Registers the job kind and keeps a story's status in step with its job; call while the app builds. */
  register(): void {
    this.jobs.register<StoryJobPayload, StoryJobResult>(STORY_JOB, {
      lane: 'stories',
      handler: (job, ctx) => this.write(job, ctx),
    });
    // A job can fail without its handler running (a restart with no attempts left): the story follows the job.
    this.jobs.on('update', (job) => this.followJob(job));
  }

  create(ownerId: string, input: CreateStoryInput): StoryWithChapters {
    // What the request leaves out comes from the parent panel's defaults, fixed at creation.
    const defaults = this.settings.get(ownerId);
    const p: StoryPreferences = {
      ...input.preferences,
      language: input.preferences.language ?? defaults.language,
      pictureStyle: input.preferences.pictureStyle ?? defaults.pictureStyle ?? 'picture_book',
      ageBand: defaults.ageBand,
    };
    for (const text of [p.theme, ...p.characters]) {
      if (text && !checkText(text).ok) throw storiesErrors.error('UNSAFE_CONTENT');
    }
    if (input.conversationId !== null) {
      const conversation = this.conversations.get(input.conversationId);
      if (!conversation || conversation.ownerId !== ownerId) {
        throw storiesErrors.error('VALIDATION_ERROR', 'conversation_id does not name a conversation of this account');
      }
    }
    const at = this.iso();
    const language =
      p.language ??
      detectLanguage(p.theme, ...p.characters, ...(input.conversationId ? [this.conversations.get(input.conversationId)!.childName] : []));
    const row: StoryRow = {
      id: crypto.randomUUID(),
      ownerId,
      conversationId: input.conversationId,
      title: UNTITLED[language],
      status: 'pending',
      preferences: p,
      engine: null,
      narration: null,
      language,
      jobId: null,
      failCode: null,
      failReason: null,
      createdAt: at,
      updatedAt: at,
    };
    this.db.transaction((tx) => {
      tx.insert(storiesStories).values(row).run();
      const job = this.jobs.enqueue<StoryJobPayload, StoryJobResult>({ kind: STORY_JOB, ownerId, payload: { storyId: row.id } });
      row.jobId = job.id;
      tx.update(storiesStories).set({ jobId: job.id }).where(eq(storiesStories.id, row.id)).run();
    });
    return { ...row, chapters: [] };
  }

  private row(id: string): StoryRow | null {
    return this.db.select().from(storiesStories).where(eq(storiesStories.id, id)).get() ?? null;
  }

  private chapters(storyId: string): ChapterRow[] {
    return this.db
      .select()
      .from(storiesChapters)
      .where(eq(storiesChapters.storyId, storyId))
      .orderBy(asc(storiesChapters.chapterNumber))
      .all();
  }

  /** The caller's story with its chapters; 404 when there is none, 403 when it is another account's. */
  get(ownerId: string, id: string): StoryWithChapters {
    const row = this.owned(ownerId, id);
    return { ...row, chapters: this.chapters(id) };
  }

  private owned(ownerId: string, id: string): StoryRow {
    const row = this.row(id);
    if (!row) throw storiesErrors.error('RESOURCE_NOT_FOUND');
    if (row.ownerId !== ownerId) throw storiesErrors.error('INSUFFICIENT_PERMISSION');
    return row;
  }

  rename(ownerId: string, id: string, title: string): StoryWithChapters {
    this.owned(ownerId, id);
    if (!checkText(title).ok) throw storiesErrors.error('UNSAFE_CONTENT');
    this.db.update(storiesStories).set({ title, updatedAt: this.iso() }).where(eq(storiesStories.id, id)).run();
    return this.get(ownerId, id);
  }

  /** Deletes the story, its chapters and its files; a story still being written stops first. */
  async remove(ownerId: string, id: string): Promise<void> {
    const row = this.owned(ownerId, id);
    if (row.jobId) this.jobs.cancel(row.jobId, 'the story was deleted');
    this.db.delete(storiesStories).where(eq(storiesStories.id, id)).run();
    await this.storage.deletePrefix(storyPrefix(ownerId, id));
  }

  list(ownerId: string, q: ListQuery): { results: StoryWithChapters[]; nextCursor: string | null } {
    const column = SORT_COLUMNS[q.sort];
    const where: (SQL | undefined)[] = [eq(storiesStories.ownerId, ownerId)];
    if (q.status) where.push(eq(storiesStories.status, q.status));
    if (q.cursor !== null) {
      const c = this.cursors.decode(q.cursor);
      if (!c || c.owner !== ownerId) throw storiesErrors.error('INVALID_CURSOR', 'start_cursor is not a cursor this list handed out');
      if (c.sort !== q.sort || c.order !== q.order || c.status !== q.status) throw storiesErrors.error('INVALID_CURSOR');
      const after = q.order === 'asc' ? gt : lt;
      where.push(or(after(column, c.value), and(eq(column, c.value), after(storiesStories.id, c.id))));
    }
    const direction = q.order === 'asc' ? asc : desc;
    const rows = this.db
      .select()
      .from(storiesStories)
      .where(and(...where))
      .orderBy(direction(column), direction(storiesStories.id))
      .limit(q.pageSize + 1)
      .all();
    const page = rows.slice(0, q.pageSize);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > q.pageSize && last
        ? this.cursors.encode({
            owner: ownerId,
            sort: q.sort,
            order: q.order,
            status: q.status,
            value: sortValue(last, q.sort),
            id: last.id,
          })
        : null;
    return { results: page.map((r) => ({ ...r, chapters: this.chapters(r.id) })), nextCursor };
  }

  private owner(id: string) {
    return this.db.select({ name: users.name, age: users.age, tier: users.tier }).from(users).where(eq(users.id, id)).get();
  }

  /**
   * The chapter's picture, stored under the story's folder; null without an image model. A failing
   * image engine leaves the chapter without a picture rather than failing the story.
   */
  private async picture(
    story: StoryRow,
    outline: StoryOutline,
    chapter: number,
    scene: string,
    signal: AbortSignal,
  ): Promise<string | null> {
    const tier = this.owner(story.ownerId)?.tier ?? 'free';
    if (!this.illustrator.model(tier)) return null;
    try {
      const sheet = this.illustrator.characterSheet(outline, story.preferences.pictureStyle ?? 'picture_book');
      const drawn = await this.illustrator.draw(tier, sheet, scene, seedFrom(story.id), signal);
      if (!drawn) return null;
      // Named after the chapter number, so a run repeated after a restart overwrites its own files.
      const key = `${storyPrefix(story.ownerId, story.id)}/chapter-${chapter}.png`;
      await this.storage.put(key, drawn.png);
      return key;
    } catch (err) {
      if (signal.aborted) throw err;
      return null;
    }
  }

  /**
   * Reads the chapter aloud into `chapter-N.wav` (written atomically by the file store) and records
   * the engine and device on the story; a chapter the voice engine fails on keeps `audio: null` and
   * the story's narration says why.
   */
  private async narrateChapter(
    story: StoryRow,
    plan: NarrationPlan,
    narration: StoryNarration,
    chapterId: string,
    chapter: number,
    text: { title: string; content: string },
    language: 'ko' | 'en',
    signal: AbortSignal,
  ): Promise<void> {
    try {
      const spoken = await this.narrator.narrate(plan, [text.title, text.content], language, seedFrom(story.id) + chapter, signal);
      const key = `${storyPrefix(story.ownerId, story.id)}/chapter-${chapter}.wav`;
      await this.storage.put(key, spoken.wav);
      narration.engine = spoken.engine;
      narration.device = spoken.device;
      if (!this.row(story.id)) return;
      this.db.transaction((tx) => {
        tx.update(storiesChapters).set({ audioKey: key, audioSentences: spoken.sentences }).where(eq(storiesChapters.id, chapterId)).run();
        tx.update(storiesStories).set({ narration, updatedAt: this.iso() }).where(eq(storiesStories.id, story.id)).run();
      });
    } catch (err) {
      if (signal.aborted) throw err;
      narration.reason = `Chapter ${chapter} could not be read aloud: ${(err as Error).message}`;
      this.db.update(storiesStories).set({ narration }).where(eq(storiesStories.id, story.id)).run();
    }
  }

  /** Removes what the accounts' retention periods have expired: stories (with their files), conversations, voice matches. */
  async pruneExpired(): Promise<{ stories: number; conversations: number; voices: number }> {
    const expired = this.settings.expired();
    for (const s of expired.stories) {
      this.db.delete(storiesStories).where(eq(storiesStories.id, s.id)).run();
      await this.storage.deletePrefix(storyPrefix(s.ownerId, s.id));
    }
    this.settings.deleteConversations(expired.conversations);
    for (const owner of expired.voiceOwners) this.settings.clearMatch(owner);
    // A cloned voice expires on its own date, match or not.
    let cloned = 0;
    for (const { ownerId, cutoff } of expired.cutoffs) {
      if (expired.voiceOwners.includes(ownerId)) continue;
      const stored = this.narrator.clonedVoices.load(ownerId);
      if (stored && stored.at < cutoff) {
        this.narrator.clonedVoices.forget(ownerId);
        cloned++;
      }
    }
    return { stories: expired.stories.length, conversations: expired.conversations.length, voices: expired.voiceOwners.length + cloned };
  }

  private brief(story: StoryRow): StoryBrief {
    const conversation = story.conversationId ? this.conversations.get(story.conversationId) : null;
    const owner = this.owner(story.ownerId);
    const p = story.preferences;
    const elements = { ...(conversation?.elements ?? { hero: null, place: null, friend: null, problem: null }) };
    // Characters the parent chose fill what the conversation left open: the first is the hero, the next the friend.
    const [first, second] = p.characters;
    if (first && !elements.hero) elements.hero = first;
    if (second && !elements.friend) elements.friend = second;
    const age = p.age ?? conversation?.age ?? owner?.age ?? null;
    return {
      childName: conversation?.childName ?? owner?.name ?? (story.language === 'ko' ? '아이' : 'Little one'),
      age,
      band: age === null && p.ageBand ? p.ageBand : ageBand(age),
      language: story.language ?? 'en',
      elements,
      theme: p.theme,
      interests: conversation?.interests ?? [],
      chapterCount: CHAPTERS_BY_LENGTH[p.length],
      seed: seedFrom(story.id),
    };
  }

  private async write(job: Job<StoryJobPayload, StoryJobResult>, ctx: JobContext): Promise<StoryJobResult> {
    const story = this.row(job.payload.storyId);
    if (!story) throw storiesErrors.error('RESOURCE_NOT_FOUND', 'The story was deleted before it was written');
    const engine = this.writer();
    const brief = this.brief(story);
    const preferences = this.settings.get(story.ownerId);
    const voicePlan = this.narrator.plan(story.ownerId, preferences.voiceConsentAt !== null, preferences.narratorVoice);
    const narration: StoryNarration = voicePlan
      ? { engine: null, device: null, voice: voicePlan.kind === 'cloned' ? 'your voice' : voicePlan.voice, reason: null }
      : { engine: null, device: null, voice: null, reason: this.narrator.missingReason() };
    // A run repeated after a restart starts over: the chapters of the interrupted run go first.
    this.db.transaction((tx) => {
      tx.delete(storiesChapters).where(eq(storiesChapters.storyId, story.id)).run();
      tx.update(storiesStories)
        .set({ status: 'in_progress', engine: engine.name, narration, failCode: null, failReason: null, updatedAt: this.iso() })
        .where(eq(storiesStories.id, story.id))
        .run();
    });
    try {
      ctx.progress(0, { stage: 'outline', message: 'Planning the story' });
      const outline = await engine.outline(brief, ctx.signal);
      if (!checkText(outline.title).ok) throw new UnsafeOutputError();
      this.db
        .update(storiesStories)
        .set({ title: outline.title, updatedAt: this.iso() })
        .where(and(eq(storiesStories.id, story.id), eq(storiesStories.title, story.title)))
        .run();
      const total = outline.chapters.length;
      for (let i = 0; i < total; i++) {
        ctx.progress(i / total, { stage: 'chapter', message: `Writing chapter ${i + 1} of ${total}` });
        const written = await engine.chapter(brief, outline, i, ctx.signal);
        ctx.signal.throwIfAborted();
        // The output check runs on every engine's text: flagged sentences are rewritten, too many refuse the story.
        if (!checkText(written.title).ok) throw new UnsafeOutputError();
        const chapter = { title: written.title, content: calm(written.content, brief.language) };
        if (!(await this.approves(`${chapter.title}\n${chapter.content}`, ctx.signal))) throw new UnsafeOutputError();
        if (!this.row(story.id)) throw storiesErrors.error('RESOURCE_NOT_FOUND', 'The story was deleted while it was written');
        const at = this.iso();
        const chapterId = crypto.randomUUID();
        this.db.transaction((tx) => {
          tx.insert(storiesChapters)
            .values({
              id: chapterId,
              storyId: story.id,
              chapterNumber: i + 1,
              title: chapter.title,
              content: chapter.content,
              imageKey: null,
              audioKey: null,
              createdAt: at,
            })
            .run();
          tx.update(storiesStories).set({ updatedAt: at }).where(eq(storiesStories.id, story.id)).run();
        });
        // The text shows at once; its picture follows when an image model draws one.
        const imageKey = await this.picture(story, outline, i + 1, `${chapter.title}: ${outline.chapters[i]!.scene}`, ctx.signal);
        if (imageKey && this.row(story.id)) {
          this.db.update(storiesChapters).set({ imageKey }).where(eq(storiesChapters.id, chapterId)).run();
        }
        if (voicePlan) {
          ctx.progress((i + 0.9) / total, { stage: 'narration', message: `Reading chapter ${i + 1} of ${total} aloud` });
          await this.narrateChapter(story, voicePlan, narration, chapterId, i + 1, chapter, brief.language, ctx.signal);
        }
      }
      this.db.update(storiesStories).set({ status: 'completed', updatedAt: this.iso() }).where(eq(storiesStories.id, story.id)).run();
      return { storyId: story.id, engine: engine.name, chapters: total };
    } catch (err) {
      if (err instanceof UnsafeOutputError) throw storiesErrors.error('CONTENT_FILTERED');
      if (isAppError(err) || ctx.signal.aborted) throw err;
      throw storiesErrors.error('STORY_ENGINE_FAILED', `The story engine could not write the story: ${(err as Error).message}`);
    }
  }

  /** The story a job writes, as it stands now. */
  forJob(jobId: string): Pick<StoryRow, 'id' | 'status' | 'title'> | null {
    return (
      this.db
        .select({ id: storiesStories.id, status: storiesStories.status, title: storiesStories.title })
        .from(storiesStories)
        .where(eq(storiesStories.jobId, jobId))
        .get() ?? null
    );
  }

  private followJob(job: JobSnapshot): void {
    if (job.kind !== STORY_JOB || (job.status !== 'failed' && job.status !== 'cancelled')) return;
    const story = this.db.select().from(storiesStories).where(eq(storiesStories.jobId, job.id)).get();
    if (!story || story.status === 'completed') return;
    this.db
      .update(storiesStories)
      .set({
        status: 'failed',
        failCode: job.errorCode ?? 'STORY_ENGINE_FAILED',
        failReason: job.error ?? 'The story could not be written',
        updatedAt: this.iso(),
      })
      .where(eq(storiesStories.id, story.id))
      .run();
  }
}

function sortValue(row: StoryRow, sort: CursorState['sort']): string {
  return sort === 'created_at' ? row.createdAt : sort === 'updated_at' ? row.updatedAt : row.title;
}
