import { useEffect, useState } from 'react';
import { Alert, Button, Card, confirmAction, Input, Spinner } from '../../../components';
import { errorMessage } from '../../../api/client';
import { navigate } from '../../../app/router';
import { storiesApi, type Chapter, type Story } from '../api';
import { STATUS_LABEL } from './labels';
import { NarrationPlayer } from './NarrationPlayer';
import { SpeedSelect } from './SpeedSelect';

/** How often an unfinished story is fetched again to show new chapters. */
const POLL_MS = 1000;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The story as a printable picture book in a window of its own: a title page, then a page per
 * chapter with its picture. The print dialog it opens saves it as a PDF (Electron and browsers alike).
 */
function printBook(story: Story): void {
  const w = window.open('', '_blank');
  if (!w) return;
  const pages = story.chapters
    .map(
      (c) =>
        `<section class="page">${c.image ? `<img src="${escape(c.image.url)}" alt="">` : ''}<h2>${c.chapter_number}. ${escape(c.title)}</h2><p>${escape(c.content)}</p></section>`,
    )
    .join('');
  w.document.write(
    `<!doctype html><html lang="${story.language ?? 'en'}"><head><meta charset="utf-8"><title>${escape(story.title)}</title><style>` +
      'body{font-family:Georgia,"Noto Serif KR",serif;margin:0}.page{page-break-after:always;padding:3rem;min-height:90vh;box-sizing:border-box}' +
      'h1{font-size:2.6rem;text-align:center;margin-top:30vh}h2{font-size:1.6rem}p{font-size:1.4rem;line-height:1.8}img{max-width:100%;border-radius:12px}' +
      `</style></head><body><section class="page"><h1>${escape(story.title)}</h1></section>${pages}</body></html>`,
  );
  w.document.close();
  w.focus();
  w.print();
}

const SYSTEM_VOICE_RATES = [
  [0.7, 'Slow'],
  [0.9, 'Gentle'],
  [1.1, 'Normal'],
] as const;

/** The browser's own speech synthesis, for chapters without narration: no neural voice is installed. */
function SystemVoice({ chapter, language, reason }: { chapter: Chapter; language: Story['language']; reason: string | null }) {
  const [speaking, setSpeaking] = useState(false);
  const [rate, setRate] = useState(0.9);
  const available = typeof speechSynthesis !== 'undefined';
  useEffect(() => () => void (available && speechSynthesis.cancel()), [available, chapter.id]);
  if (!available) return <p className="muted">This browser has no speech synthesis; read the story aloud yourself.</p>;
  const speak = () => {
    speechSynthesis.cancel();
    const u = new SpeechSynthesisUtterance(chapter.content);
    u.lang = language === 'ko' ? 'ko-KR' : 'en-US';
    u.rate = rate;
    u.onend = () => setSpeaking(false);
    setSpeaking(true);
    speechSynthesis.speak(u);
  };
  return (
    <div className="row stories-voice" data-testid="system-voice">
      <Button size="sm" onClick={speaking ? () => (speechSynthesis.cancel(), setSpeaking(false)) : speak}>
        {speaking ? 'Stop' : 'Read aloud'}
      </Button>
      <SpeedSelect rate={rate} onChange={setRate} rates={SYSTEM_VOICE_RATES} aria-label="Reading speed" />
      <span className="muted">System voice (your browser’s speech synthesis): {reason ?? 'this chapter has no narration'}.</span>
    </div>
  );
}

export function StoryReader({ id }: { id: string }) {
  const [story, setStory] = useState<Story | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [page, setPage] = useState(0);
  const [title, setTitle] = useState<string | null>(null);
  const [playAll, setPlayAll] = useState(false);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const s = await storiesApi.get(id);
        if (stop) return;
        setStory(s);
        if (s.status === 'pending' || s.status === 'in_progress') timer = setTimeout(() => void load(), POLL_MS);
      } catch (err) {
        if (!stop) setProblem(errorMessage(err));
      }
    };
    void load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [id]);

  if (problem) return <Alert tone="error">{problem}</Alert>;
  if (!story) return <Spinner label="Opening the story" />;
  const writing = story.status === 'pending' || story.status === 'in_progress';
  const chapter = story.chapters[Math.min(page, story.chapters.length - 1)];

  const rename = async () => {
    if (title === null || !title.trim()) return;
    try {
      setStory(await storiesApi.rename(story.id, title.trim()));
      setTitle(null);
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  const exportEpub = async () => {
    setExporting(true);
    try {
      const blob = await storiesApi.epub(story.id);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `${story.title}.epub`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setExporting(false);
    }
  };
  const remove = async () => {
    if (
      !(await confirmAction({
        title: `Delete “${story.title}”?`,
        body: 'Its chapters and narration go too.',
        confirmLabel: 'Delete story',
      }))
    )
      return;
    await storiesApi.remove(story.id).catch((err) => setProblem(errorMessage(err)));
    navigate('/stories');
  };

  return (
    <div className="stack stories-reader">
      <div className="row stories-reader-head">
        <Button size="sm" variant="ghost" onClick={() => navigate('/stories')}>
          ← Stories
        </Button>
        {title === null ? (
          <h2 className="stories-title" data-testid="story-title">
            {story.title}
          </h2>
        ) : (
          <form className="row" onSubmit={(e) => (e.preventDefault(), void rename())}>
            <Input aria-label="Title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} autoFocus />
            <Button type="submit" size="sm" variant="primary">
              Save
            </Button>
          </form>
        )}
        <Button size="sm" onClick={() => setTitle(story.title)}>
          Rename
        </Button>
        <Button size="sm" onClick={() => printBook(story)} disabled={story.status !== 'completed'}>
          Print or save as PDF
        </Button>
        <Button size="sm" onClick={() => void exportEpub()} disabled={story.status !== 'completed'} busy={exporting}>
          Export EPUB
        </Button>
        <Button size="sm" variant="danger" onClick={() => void remove()}>
          Delete
        </Button>
      </div>
      <p className="muted" data-testid="story-status">
        {STATUS_LABEL[story.status]}
        {writing && ` · ${story.chapters.length} chapter${story.chapters.length === 1 ? '' : 's'} so far`}
        {story.engine && ` · written by ${story.engine}`}
      </p>
      {story.status === 'failed' && <Alert tone="error">{story.fail_reason ?? 'The story could not be written.'}</Alert>}
      {writing && <Spinner label="Writing the next chapter" />}
      {chapter && (
        <Card title={`Chapter ${chapter.chapter_number}: ${chapter.title}`} data-testid="chapter">
          {chapter.image && (
            <img className="stories-picture" src={chapter.image.url} alt={`Picture for chapter ${chapter.chapter_number}`} />
          )}
          {chapter.audio ? (
            <NarrationPlayer
              chapter={chapter}
              narration={story.narration}
              autoPlay={playAll}
              onPlayAll={setPlayAll}
              onEnded={() => {
                if (playAll && page < story.chapters.length - 1) setPage((p) => p + 1);
                else setPlayAll(false);
              }}
            />
          ) : (
            <>
              <p className="stories-text">{chapter.content}</p>
              <SystemVoice chapter={chapter} language={story.language} reason={story.narration?.reason ?? null} />
            </>
          )}
        </Card>
      )}
      {story.chapters.length > 0 && (
        <div className="row stories-pager">
          <Button onClick={() => setPage((p) => Math.max(0, p - 1))} disabled={page === 0}>
            Previous page
          </Button>
          <span className="muted" data-testid="page-number">
            Page {Math.min(page, story.chapters.length - 1) + 1} of {story.chapters.length}
          </span>
          <Button onClick={() => setPage((p) => Math.min(story.chapters.length - 1, p + 1))} disabled={page >= story.chapters.length - 1}>
            Next page
          </Button>
        </div>
      )}
    </div>
  );
}
