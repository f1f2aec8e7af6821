import { and, eq, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { storiesConversations, storiesSettings, storiesStories } from '../../../db/schema';

export type SettingsRow = typeof storiesSettings.$inferSelect;

export interface SettingsPatch {
  retentionDays?: number | null;
  narratorVoice?: string | null;
  voiceConsent?: boolean;
  ageBand?: SettingsRow['ageBand'];
  language?: SettingsRow['language'];
  pictureStyle?: SettingsRow['pictureStyle'];
}

/** The parent's Stories settings (one row per account, defaults until first saved). */
export class StorySettingsStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** Deletes what else was made from the parent's voice (a cloned voice's tensors). */
    private readonly forgetDerived: (ownerId: string) => void = () => {},
  ) {}

  get(ownerId: string): SettingsRow {
    return (
      this.db.select().from(storiesSettings).where(eq(storiesSettings.ownerId, ownerId)).get() ?? {
        ownerId,
        retentionDays: null,
        narratorVoice: null,
        voiceConsentAt: null,
        voiceMatch: null,
        ageBand: null,
        language: null,
        pictureStyle: null,
        updatedAt: new Date(this.now()).toISOString(),
      }
    );
  }

  update(ownerId: string, patch: SettingsPatch): SettingsRow {
    const at = new Date(this.now()).toISOString();
    const current = this.get(ownerId);
    const next: SettingsRow = {
      ...current,
      ...(patch.retentionDays !== undefined ? { retentionDays: patch.retentionDays } : {}),
      ...(patch.narratorVoice !== undefined ? { narratorVoice: patch.narratorVoice } : {}),
      ...(patch.ageBand !== undefined ? { ageBand: patch.ageBand } : {}),
      ...(patch.language !== undefined ? { language: patch.language } : {}),
      ...(patch.pictureStyle !== undefined ? { pictureStyle: patch.pictureStyle } : {}),
      // Withdrawing consent also forgets the voice match made from the samples.
      ...(patch.voiceConsent === true && !current.voiceConsentAt ? { voiceConsentAt: at } : {}),
      ...(patch.voiceConsent === false ? { voiceConsentAt: null, voiceMatch: null } : {}),
      updatedAt: at,
    };
    this.db
      .insert(storiesSettings)
      .values(next)
      .onConflictDoUpdate({ target: storiesSettings.ownerId, set: { ...next, ownerId: undefined } })
      .run();
    if (patch.voiceConsent === false) this.forgetDerived(ownerId);
    return next;
  }

  /** Deletes what was derived from the parent's voice (the samples themselves are never kept). */
  forgetVoice(ownerId: string): SettingsRow {
    return this.update(ownerId, { voiceConsent: false });
  }

  recordMatch(ownerId: string, voice: string, similarity: number): void {
    const at = new Date(this.now()).toISOString();
    this.db
      .update(storiesSettings)
      .set({ voiceMatch: { voice, similarity, at }, updatedAt: at })
      .where(and(eq(storiesSettings.ownerId, ownerId), isNotNull(storiesSettings.voiceConsentAt)))
      .run();
  }

  /**
   * What retention removes now: per account with a retention period, the stories and conversations
   * last changed before it, and its voice match past it. Stories still being written are left.
   */
  expired(): {
    stories: { id: string; ownerId: string }[];
    conversations: string[];
    voiceOwners: string[];
    /** Per account with a retention period: what was made before this is past it. */
    cutoffs: { ownerId: string; cutoff: string }[];
  } {
    const now = this.now();
    const rows = this.db.select().from(storiesSettings).where(isNotNull(storiesSettings.retentionDays)).all();
    const stories: { id: string; ownerId: string }[] = [];
    const conversations: string[] = [];
    const voiceOwners: string[] = [];
    const cutoffs: { ownerId: string; cutoff: string }[] = [];
    for (const s of rows) {
      const cutoff = new Date(now - s.retentionDays! * 86_400_000).toISOString();
      cutoffs.push({ ownerId: s.ownerId, cutoff });
      stories.push(
        ...this.db
          .select({ id: storiesStories.id, ownerId: storiesStories.ownerId })
          .from(storiesStories)
          .where(
            and(
              eq(storiesStories.ownerId, s.ownerId),
              lt(storiesStories.updatedAt, cutoff),
              inArray(storiesStories.status, ['completed', 'failed']),
            ),
          )
          .all(),
      );
      conversations.push(
        ...this.db
          .select({ id: storiesConversations.id })
          .from(storiesConversations)
          .where(and(eq(storiesConversations.ownerId, s.ownerId), lt(storiesConversations.updatedAt, cutoff)))
          .all()
          .map((c) => c.id),
      );
      if (s.voiceMatch && s.voiceMatch.at < cutoff) voiceOwners.push(s.ownerId);
    }
    return { stories, conversations, voiceOwners, cutoffs };
  }

  deleteConversations(ids: string[]): void {
    if (ids.length > 0) this.db.delete(storiesConversations).where(inArray(storiesConversations.id, ids)).run();
  }

  clearMatch(ownerId: string): void {
    this.db.update(storiesSettings).set({ voiceMatch: null }).where(eq(storiesSettings.ownerId, ownerId)).run();
    this.forgetDerived(ownerId);
  }
}
