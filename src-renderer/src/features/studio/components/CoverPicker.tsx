import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, ProgressBar, Spinner } from '../../../components';
import { progressOf, useJob } from '../../../lib/jobs';
import { isCoverJob, studioApi, type Cover, type CoverJob, type ImageModel } from '../api';
import { Glyph } from './glyphs';

/** The engine select's value: an image model's id, or the procedural cover. */
const PROCEDURAL = '';
/** How often a drawing job is asked about when socket.io events do not arrive. */
const POLL_MS = 2000;

/** "Drawn by Stable Diffusion (Model)" or "Procedural cover", from the answer's `engine`. */
export function coverEngineLabel(cover: Cover, models: ImageModel[]): string {
  if (!cover.engine.startsWith('diffusion:')) return 'Procedural cover';
  const id = cover.model ?? cover.engine.slice('diffusion:'.length).split(' ')[0]!;
  return `Drawn by Stable Diffusion (${models.find((m) => m.id === id)?.display_name ?? id})`;
}

/**
 * Draws an album cover from the title, genre and mood, to be attached when the song is saved:
 * with the Image Studio's diffusion engine when an image model is installed (a job, followed
 * until the cover is drawn), else the procedural cover. The label says which drew it.
 */
export function CoverPicker({
  title,
  genre,
  mood,
  cover,
  onChange,
}: {
  title: string;
  genre: string;
  mood: string;
  cover: Cover | null;
  onChange(cover: Cover | null): void;
}) {
  const [models, setModels] = useState<ImageModel[]>([]);
  const [engine, setEngine] = useState<string>(PROCEDURAL);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<CoverJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The ref for callbacks and the unmount cleanup, the state for useJob.
  const following = useRef<string | null>(null);
  const [followingId, setFollowingId] = useState<string | null>(null);
  const follow = (id: string | null) => {
    following.current = id;
    setFollowingId(id);
  };
  const live = useJob(followingId);

  useEffect(() => {
    let live = true;
    // Without the models list (signed out of the image family, server too old) the procedural cover still works.
    studioApi.imageModels().then(
      (list) => {
        if (!live) return;
        setModels(list);
        setEngine((e) => (e === PROCEDURAL && list[0] ? list[0].id : e));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  const settle = useCallback(
    (next: CoverJob) => {
      if (following.current !== next.jobId) return;
      setJob(next);
      if (next.status === 'completed' || next.status === 'failed' || next.status === 'cancelled') {
        follow(null);
        setBusy(false);
        if (next.cover) onChange(next.cover);
        if (next.status === 'failed') setError(next.error?.message ?? 'The image engine could not draw the cover.');
      }
    },
    [onChange],
  );

  // Live progress; the job's own answer (with a signed URL) is fetched once it has finished.
  useEffect(() => {
    if (!live || live.kind !== 'studio.cover' || live.id !== following.current) return;
    if (live.status === 'completed' || live.status === 'failed') {
      studioApi.coverJob(live.id).then(settle, (err) => setError(errorMessage(err)));
      return;
    }
    const { fraction, stage, message } = progressOf(live);
    setJob((j) => j && { ...j, status: live.status, progress: fraction, stage, message, position: live.position });
  }, [live, settle]);

  const drawing = busy && job !== null;
  useEffect(() => {
    if (!drawing) return;
    const timer = setInterval(() => {
      if (following.current) studioApi.coverJob(following.current).then(settle, () => undefined);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [drawing, settle]);

  useEffect(
    () => () => {
      // Leaving the form while the engine draws: nobody will see that cover.
      if (following.current) void studioApi.cancelCoverJob(following.current).catch(() => undefined);
    },
    [],
  );

  const make = async () => {
    setBusy(true);
    setError(null);
    setJob(null);
    try {
      const answer = await studioApi.drawCover({
        title: title.trim(),
        genre: genre || undefined,
        mood: mood || undefined,
        ...(engine === PROCEDURAL ? { engine: 'procedural' as const } : { engine: 'diffusion' as const, model: engine, wait: 0 }),
      });
      if (!isCoverJob(answer)) {
        onChange(answer);
        setBusy(false);
        return;
      }
      follow(answer.jobId);
      settle(answer);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  const cancel = async () => {
    const id = following.current;
    if (!id) return;
    try {
      settle(await studioApi.cancelCoverJob(id));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const progress = job?.progress ?? 0;
  const stageText =
    job?.status === 'queued' ? `Waiting for the image engine${job.position ? ` (#${job.position})` : ''}` : (job?.message ?? 'Drawing');
  return (
    <div className="cover-picker">
      <div className="cover-preview">
        {cover ? (
          <img src={cover.imageUrl} alt="Album cover" data-testid="cover-preview" />
        ) : drawing ? (
          <Spinner label="Drawing the cover" />
        ) : (
          <span className="muted">No cover</span>
        )}
      </div>
      <div className="stack-sm">
        {models.length > 0 && (
          <label className="muted small">
            Drawn by{' '}
            <select className="input" value={engine} onChange={(e) => setEngine(e.target.value)} disabled={busy} data-testid="cover-engine">
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  Stable Diffusion ({m.display_name})
                </option>
              ))}
              <option value={PROCEDURAL}>Procedural cover (no model)</option>
            </select>
          </label>
        )}
        <Button size="sm" onClick={() => void make()} busy={busy} disabled={!title.trim()} data-testid="make-cover">
          <Glyph name="sparkle" />
          {cover ? 'Draw again' : 'Make album cover'}
        </Button>
        {drawing && (
          <>
            <ProgressBar label="Drawing the cover" share={progress} value={Math.round(progress * 100)} valueText={stageText} />
            <span className="muted small">{stageText}</span>
            <Button size="sm" variant="ghost" onClick={() => void cancel()}>
              Stop drawing
            </Button>
          </>
        )}
        {cover && !busy && (
          <Button size="sm" variant="ghost" onClick={() => onChange(null)}>
            Remove cover
          </Button>
        )}
        <span className="muted small" data-testid="cover-engine-label">
          {cover ? coverEngineLabel(cover, models) : 'Drawn from the title, genre and mood.'}
        </span>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
