import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeAudio, encodeAudio, locateFfmpeg } from '../../../media/ffmpeg';
import type { FileStore } from '../../../storage/file-store';
import { storiesErrors } from '../errors';
import type { StoryService } from '../stories/service';
import { buildEpub, type EpubChapter } from './epub';

export interface ExportedBook {
  bytes: Buffer;
  filename: string;
  /** "included", or why the narration is not in the book. */
  narration: string;
}

/** EPUB readers play MP3 (a core media type) but not WAV, so narration is re-encoded for the book. */
async function wavToMp3(wavFile: string): Promise<Buffer> {
  const head = Buffer.alloc(28);
  const handle = await fsp.open(wavFile, 'r');
  try {
    await handle.read(head, 0, 28, 0);
  } finally {
    await handle.close();
  }
  const sampleRate = head.readUInt32LE(24);
  const pcm = await decodeAudio(wavFile, { sampleRate });
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atelier-epub-'));
  try {
    const out = path.join(dir, 'chapter.mp3');
    await encodeAudio(pcm, { sampleRate, channels: 1, output: out, bitrateKbps: 64 });
    return await fsp.readFile(out);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export class StoryExporter {
  constructor(
    private readonly stories: StoryService,
    private readonly storage: FileStore,
    private readonly authorName: (ownerId: string) => string,
  ) {}

  async epub(ownerId: string, storyId: string): Promise<ExportedBook> {
    const story = this.stories.get(ownerId, storyId);
    if (story.status !== 'completed') {
      throw storiesErrors.error('STORY_NOT_READY', `The story is ${story.status}; only a completed story can be exported`);
    }
    const narrated = story.chapters.some((c) => c.audioKey);
    const mp3 = narrated ? await locateFfmpeg(['libmp3lame']) : null;
    const narration = !narrated
      ? (story.narration?.reason ?? 'The story has no narration')
      : mp3
        ? 'included'
        : 'No ffmpeg with an MP3 encoder (libmp3lame) was found, so the narration is left out of the book';
    const chapters: EpubChapter[] = [];
    for (const c of story.chapters) {
      const picture = c.imageKey ? await this.storage.get(c.imageKey).catch(() => null) : null;
      const audio =
        mp3 && c.audioKey && c.audioSentences
          ? { mp3: await wavToMp3(this.storage.absolutePath(c.audioKey)), sentences: c.audioSentences }
          : null;
      chapters.push({ number: c.chapterNumber, title: c.title, content: c.content, picture, audio });
    }
    const bytes = await buildEpub({
      id: story.id,
      title: story.title,
      language: story.language ?? 'en',
      author: this.authorName(ownerId),
      modified: story.updatedAt,
      narrator: story.narration?.engine ?? null,
      chapters,
    });
    const safe = story.title.replace(/[^\p{L}\p{N} _-]+/gu, '').trim() || 'story';
    return { bytes, filename: `${safe}.epub`, narration };
  }
}
