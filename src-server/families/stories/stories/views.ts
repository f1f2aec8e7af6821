import type { Static } from 'typebox';
import type { UrlSigner } from '../../../storage/signed-url';
import type { Chapter, FileObject, Story } from './schemas';
import type { ChapterRow, StoryWithChapters } from './service';

/** How long a chapter's picture or narration URL stays valid. */
export const FILE_URL_SECONDS = 60 * 60;

export class StoryViews {
  constructor(private readonly signer: UrlSigner) {}

  file(key: string | null, origin: string): Static<typeof FileObject> | null {
    if (!key) return null;
    const url = this.signer.sign({ method: 'GET', key, expiresInSeconds: FILE_URL_SECONDS });
    const exp = Number(new URL(url, 'http://x').searchParams.get('exp')) * 1000;
    return { object: 'file', type: 'internal', url: origin + url, expiry_time: new Date(exp).toISOString() };
  }

  chapter(c: ChapterRow, origin: string): Static<typeof Chapter> {
    return {
      id: c.id,
      object: 'chapter',
      chapter_number: c.chapterNumber,
      title: c.title,
      content: c.content,
      image: this.file(c.imageKey, origin),
      audio: this.file(c.audioKey, origin),
      audio_sentences: c.audioKey ? (c.audioSentences ?? null) : null,
    };
  }

  story(s: StoryWithChapters, origin: string): Static<typeof Story> {
    return {
      id: s.id,
      object: 'story',
      owner_id: s.ownerId,
      title: s.title,
      status: s.status,
      chapters: s.chapters.map((c) => this.chapter(c, origin)),
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      conversation_id: s.conversationId,
      language: s.language,
      engine: s.engine,
      narration: s.narration,
      job_id: s.jobId,
      fail_code: s.failCode,
      fail_reason: s.failReason,
    };
  }
}
