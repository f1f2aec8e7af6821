import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Alert, Button, Card, SelectField, TextField } from '../../../components';
import { errorMessage } from '../../../api/client';
import { useAuth } from '../../auth/store';
import { PageHeader } from '../../shell/components/PageHeader';
import {
  CAPTION_STYLES,
  promoApi,
  STAGES,
  type Aspect,
  type CaptionStyle,
  type PromoItem,
  type PromoVideo,
  type Stage,
  type TaskState,
} from '../api';
import { PicturesPanel } from './PicturesPanel';
import '../promo.css';

const STAGE_LABELS: Record<Stage, string> = {
  metadata: 'Read the site',
  lyrics: 'Write the jingle',
  songs: 'Compose the song',
  images: 'Pick the pictures',
  movies: 'Film the video',
  combined: 'Finish the MP4',
};

const running = (t: TaskState | null) => t !== null && (t.status === 'queued' || t.status === 'processing');

export default function PromoScreen() {
  const user = useAuth((s) => s.user);
  const [url, setUrl] = useState('');
  const [aspect, setAspect] = useState<Aspect>('16:9');
  const [language, setLanguage] = useState<'ko' | 'en'>('ko');
  const [captionStyle, setCaptionStyle] = useState<CaptionStyle>('classic');
  const options = { aspect, language, captionStyle };
  const [task, setTask] = useState<TaskState | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [videos, setVideos] = useState<PromoVideo[]>([]);
  const [items, setItems] = useState<PromoItem[]>([]);

  const reload = useCallback(async () => {
    if (!user) return;
    const [v, i] = await Promise.all([promoApi.videos(user.id), promoApi.items(user.id)]);
    setVideos(v.videos);
    setItems(i.items);
  }, [user]);

  useEffect(() => {
    reload().catch((err) => setProblem(errorMessage(err)));
  }, [reload]);

  // Follow the task until it ends; the flags tick as each stage finishes.
  useEffect(() => {
    if (!task || !running(task)) return;
    const timer = setTimeout(async () => {
      try {
        const next = await promoApi.progress(task.task_id);
        setTask(next);
        if (!running(next)) await reload();
      } catch (err) {
        setProblem(errorMessage(err));
      }
    }, 1000);
    return () => clearTimeout(timer);
  }, [task, reload]);

  async function start(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      const { task_id } = await promoApi.start(url.trim(), options);
      setTask(await promoApi.progress(task_id));
    } catch (err) {
      setProblem(errorMessage(err));
    }
  }

  if (!user) return null;
  return (
    <>
      <PageHeader
        title="Promo Videos"
        description="Paste a business's web address: Atelier reads the site, writes a jingle, composes it and films a video with its pictures."
      />
      <div className="stack">
        <Card title="New promo video">
          <form className="promo-form" onSubmit={start}>
            <TextField label="Web address" type="url" required placeholder="https://your-shop.example" value={url} onChange={setUrl} />
            <SelectField
              label="Shape"
              value={aspect}
              onChange={(value) => setAspect(value as Aspect)}
              options={{ '16:9': 'Wide 16:9', '9:16': 'Tall 9:16', '1:1': 'Square 1:1' }}
            />
            <SelectField
              label="Lyrics"
              value={language}
              onChange={(value) => setLanguage(value as 'ko' | 'en')}
              options={{ ko: 'Korean', en: 'English' }}
            />
            <SelectField
              label="Captions"
              value={captionStyle}
              onChange={(value) => setCaptionStyle(value as CaptionStyle)}
              options={CAPTION_STYLES}
            />
            <Button type="submit" variant="primary" busy={running(task)} disabled={running(task)}>
              Make the video
            </Button>
          </form>
          {problem && <Alert tone="error">{problem}</Alert>}
        </Card>

        {task && (
          <TaskCard
            task={task}
            onCancel={async () => setTask(await promoApi.cancel(task.task_id))}
            onRelyric={async (lines) => {
              setProblem(null);
              try {
                const { task_id } = await promoApi.startFromItem(task.item_id!, options, lines);
                setTask(await promoApi.progress(task_id));
              } catch (err) {
                setProblem(errorMessage(err));
              }
            }}
          />
        )}

        {items.length > 0 && (
          <Card title="Businesses" description="What the crawl found. Correct anything it got wrong.">
            <div className="stack">
              {items.map((item) => (
                <div key={item.item_id} className="stack">
                  <ItemForm
                    key={`${item.item_id}:${item.name}:${item.phone_number}`}
                    item={item}
                    busy={running(task)}
                    onSave={async (edit) => {
                      await promoApi.updateItem(user.id, edit);
                      await reload();
                    }}
                    onRemake={async () => {
                      setProblem(null);
                      try {
                        const { task_id } = await promoApi.startFromItem(item.item_id, options);
                        setTask(await promoApi.progress(task_id));
                      } catch (err) {
                        setProblem(errorMessage(err));
                      }
                    }}
                  />
                  <PicturesPanel userId={user.id} itemId={item.item_id} />
                </div>
              ))}
            </div>
          </Card>
        )}

        <Card title="Your videos" description={videos.length ? undefined : 'Finished videos appear here.'}>
          <ul className="promo-videos">
            {videos.map((v) => (
              <li key={v.id} className="promo-video" data-testid="promo-video">
                <video controls preload="metadata" src={v.url} poster={v.thumbnail_url ?? undefined} />
                <div className="promo-video-meta">
                  <strong>{v.title}</strong>
                  <span>
                    {v.resolution} · {v.duration.toFixed(1)} s · {v.encoder}
                  </span>
                  <div className="promo-video-actions">
                    <a className="btn btn-secondary btn-sm" href={`${v.url}&download=true`} download>
                      Download
                    </a>
                    <Button
                      size="sm"
                      variant="danger"
                      onClick={async () => {
                        await promoApi.deleteVideo(user.user_id ?? user.id, v.id);
                        await reload();
                      }}
                    >
                      Delete
                    </Button>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </>
  );
}

const REUSED: Partial<Record<Stage, string>> = { songs: 'the song', images: 'the pictures', movies: 'the filmed video' };

function TaskCard({ task, onCancel, onRelyric }: { task: TaskState; onCancel: () => void; onRelyric: (lines: string[]) => void }) {
  const [lines, setLines] = useState<string[] | null>(null);
  const editable = task.status === 'completed' && task.item_id !== null && task.lyrics !== null;
  return (
    <Card title="Making your video" data-testid="promo-task">
      <div className="promo-progress" role="progressbar" aria-valuenow={task.percent} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${task.percent}%` }} />
      </div>
      <ol className="promo-stages">
        {STAGES.map((s) => (
          <li key={s} className={task.progress[s] ? 'done' : task.stage === s ? (running(task) ? 'active' : 'stopped') : ''} data-stage={s}>
            {task.progress[s] ? '✓' : task.stage === s && task.status === 'failed' ? '✕' : '○'} {STAGE_LABELS[s]}
          </li>
        ))}
      </ol>
      {task.status === 'failed' && <Alert tone="error">{task.error}</Alert>}
      {task.status === 'cancelled' && <Alert>Cancelled.</Alert>}
      {task.status === 'completed' && <Alert tone="success">Your video is ready below.</Alert>}
      {task.reused.length > 0 && <p className="muted">Kept from the last run: {task.reused.map((s) => REUSED[s] ?? s).join(', ')}.</p>}
      {task.lyrics && !lines && (
        <>
          <pre className="promo-lyrics" aria-label="Lyrics">
            {task.lyrics.lines.map((l) => l.text).join('\n')}
          </pre>
          {task.lyrics.engine && <p className="muted">Lyrics by the {task.lyrics.engine}</p>}
          {editable && (
            <Button size="sm" variant="ghost" onClick={() => setLines(task.lyrics!.lines.map((l) => l.text))}>
              Edit the lyrics
            </Button>
          )}
        </>
      )}
      {task.lyrics && lines && (
        <form
          className="promo-lyrics-edit"
          aria-label="Edit the lyrics"
          onSubmit={(e) => {
            e.preventDefault();
            onRelyric(lines);
            setLines(null);
          }}
        >
          {lines.map((text, i) => (
            <TextField
              key={i}
              label={`Line ${i + 1} (${task.lyrics!.lines[i]!.section})`}
              hint={`${task.lyrics!.lines[i]!.syllables.length} notes: keep the count and the song stays as it is`}
              value={text}
              onChange={(value) => setLines(lines.map((l, j) => (j === i ? value : l)))}
            />
          ))}
          <div className="row">
            <Button type="submit" size="sm" variant="primary">
              Make it again with these lyrics
            </Button>
            <Button type="button" size="sm" variant="ghost" onClick={() => setLines(null)}>
              Keep the old ones
            </Button>
          </div>
        </form>
      )}
      {running(task) && (
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      )}
    </Card>
  );
}

function ItemForm({
  item,
  busy,
  onSave,
  onRemake,
}: {
  item: PromoItem;
  busy: boolean;
  onSave: (edit: PromoItem) => Promise<void>;
  onRemake: () => void;
}) {
  const [draft, setDraft] = useState(item);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <form
      className="promo-item"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await onSave(draft);
          setSaved('Saved');
        } catch (err) {
          setSaved(errorMessage(err));
        }
      }}
    >
      {item.colors.length > 0 && (
        <div className="promo-colors" aria-label="Brand colours">
          {item.colors.map((c) => (
            <span key={c} style={{ background: c }} title={c} />
          ))}
        </div>
      )}
      <TextField label="Name" value={draft.name} onChange={(value) => setDraft({ ...draft, name: value })} />
      <TextField label="Address" value={draft.address ?? ''} onChange={(value) => setDraft({ ...draft, address: value })} />
      <TextField label="Phone" value={draft.phone_number ?? ''} onChange={(value) => setDraft({ ...draft, phone_number: value })} />
      <TextField
        label="Hashtags"
        value={draft.hashtags.join(', ')}
        onChange={(value) =>
          setDraft({
            ...draft,
            hashtags: value
              .split(',')
              .map((h) => h.trim())
              .filter(Boolean),
          })
        }
      />
      <Button type="submit" size="sm">
        Save
      </Button>
      <Button size="sm" variant="primary" disabled={busy} onClick={onRemake}>
        Make a video from these facts
      </Button>
      {saved && <span className="promo-saved">{saved}</span>}
    </form>
  );
}
