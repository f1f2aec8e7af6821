import { useEffect, useRef, useState } from 'react';
import { progressOf, useJob } from '../../../lib/jobs';
import { Alert, Button, confirmAction, Field, Spinner } from '../../../components';
import { ariaKeys, useShortcut, withShortcut } from '../../../lib/shortcuts';
import { canvasApi, describeError, type ImageDetail } from '../api';
import { applyRecall } from '../recall';
import { useAttempt } from '../useAttempt';
import { useImages } from '../store';

const bytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

/** The engine is always Atelier's own ONNX Runtime pipeline; what varies per image is the execution provider. */
const engineOf = (provider: unknown) =>
  `ONNX Runtime · ${typeof provider === 'string' && provider ? provider : 'unknown'} execution provider`;

/** Where it ran, in plain words; the engine's own name goes in the details line. */
const ranOn = (provider: unknown) =>
  typeof provider !== 'string' || provider === ''
    ? null
    : provider.toLowerCase().startsWith('cpu')
      ? 'This computer’s processor'
      : 'The graphics card (GPU)';

const KINDS: Record<string, string> = {
  text_to_image: 'Text to image',
  image_to_image: 'Image to image',
  inpaint: 'Inpaint',
  upscale: 'Upscale',
};

/** An outpaint's extension in words: "right 64 px, top 32 px". */
const outpaintWords = (o: unknown) =>
  o && typeof o === 'object'
    ? Object.entries(o as Record<string, number>)
        .filter(([, v]) => v > 0)
        .map(([side, v]) => `${side} ${v} px`)
        .join(', ')
    : null;

function Metadata({ image }: { image: ImageDetail }) {
  const m = image.metadata;
  const rows: [string, string | number | null | undefined][] = [
    ['Made by', m.outpaint ? 'Outpaint' : m.kind ? (KINDS[m.kind] ?? m.kind) : null],
    ['Prompt', m.prompt],
    ['Negative prompt', m.negative_prompt || null],
    ['Seed', m.seed],
    ['Steps', m.steps],
    ['CFG scale', m.cfg_scale],
    ['Sampler', m.sampler],
    ['Strength', m.strength],
    ['Upscaled', m.scale ? `×${m.scale}` : null],
    ['Outpainted', outpaintWords(m.outpaint)],
    ['Feather', typeof m.mask_feather === 'number' ? `${m.mask_feather} px` : null],
    ['Model', m.model],
    ['Ran on', ranOn(m.provider)],
    ['VAE', typeof m.vae === 'string' ? m.vae : null],
    [
      'LoRAs',
      Array.isArray(m.loras) && m.loras.length
        ? (m.loras as { name: string; weight: number }[]).map((l) => `${l.name} (${l.weight})`).join(', ')
        : null,
    ],
    ['Size', `${image.width} × ${image.height}`],
    ['File', `${image.mime_type}, ${bytes(image.file_size)}`],
    ['Created', new Date(image.created_at).toLocaleString()],
  ];
  return (
    <>
      <dl className="meta-list" data-testid="image-metadata">
        {rows
          .filter(([, v]) => v !== null && v !== undefined && v !== '')
          .map(([k, v]) => (
            <div key={k} data-testid={`meta-${k.toLowerCase().replace(/\s+/g, '-')}`}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      <details className="meta-details">
        <summary>Technical details</summary>
        <p data-testid="meta-engine">{engineOf(m.provider)}</p>
      </details>
    </>
  );
}

function Upscale({ image }: { image: ImageDetail }) {
  const { models, jobQueued } = useImages();
  const upscalers = (models ?? []).filter((m) => m.type === 'upscaler');
  const [scale, setScale] = useState<2 | 4>(2);
  const [model, setModel] = useState(upscalers.find((m) => m.is_available)?.name ?? '');
  const { busy, error, attempt } = useAttempt();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  const select = useImages((s) => s.select);
  const queue = useImages((s) => s.queue);
  // The finished upscale's image, from the queue the store keeps fresh.
  const made = job?.status === 'completed' ? (queue?.find((q) => q.job_id === jobId)?.result?.images[0] ?? null) : null;

  if (upscalers.length === 0) return <p className="muted small">No upscaler is installed; add one in Models to enlarge images.</p>;

  const run = () =>
    attempt(async () => {
      const accepted = await canvasApi.upscale(image.id, scale, model || undefined);
      setJobId(accepted.job_id);
      jobQueued(accepted, 'upscale', { image: image.id, scale, model });
    });

  return (
    <div className="stack-sm" data-testid="upscale">
      <div className="form-grid upscale-form">
        <Field label="Upscaler">
          {(c) => (
            <select {...c} className="input" value={model} onChange={(e) => setModel(e.target.value)}>
              {upscalers.map((m) => (
                <option key={m.id} value={m.name} disabled={!m.is_available}>
                  {m.display_name}
                  {m.scale ? ` (×${m.scale} network)` : ''}
                  {m.is_available ? '' : ` — unavailable: ${m.unavailable_reason ?? 'unknown reason'}`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Scale">
          {(c) => (
            <select {...c} className="input" value={scale} onChange={(e) => setScale(Number(e.target.value) as 2 | 4)}>
              <option value={2}>×2</option>
              <option value={4}>×4</option>
            </select>
          )}
        </Field>
      </div>
      <Button size="sm" busy={busy} disabled={!model} onClick={() => void run()}>
        Upscale
      </Button>
      {error && <Alert tone="error">{error}</Alert>}
      {job && (
        <Alert tone={job.status === 'failed' ? 'error' : job.status === 'completed' ? 'success' : 'info'} data-testid="upscale-status">
          {job.status === 'queued' && `Upscale waiting in the queue${job.position ? ` (position ${job.position})` : ''}.`}
          {job.status === 'processing' && `Upscaling… ${Math.round(progressOf(job).fraction * 100)}%`}
          {job.status === 'completed' && (
            <>
              Upscaled.{' '}
              {made && (
                <button type="button" className="link-button" onClick={() => void select(made.image_id)}>
                  Open the upscaled image
                </button>
              )}
            </>
          )}
          {job.status === 'failed' && `The upscale failed: ${job.error ?? 'unknown error'}`}
          {job.status === 'cancelled' && 'The upscale was cancelled.'}
        </Alert>
      )}
    </div>
  );
}

/** One image: the full picture, every generation parameter, and what can be done with it. */
export function ImageDetailPanel() {
  const {
    selectedId,
    detail,
    detailError,
    select,
    toggleStar,
    deleteImage,
    share,
    unshare,
    boards,
    addToBoard,
    removeFromBoard,
    setSettings,
    setSource,
    setMode,
    openLightbox,
    models,
  } = useImages();
  const [boardId, setBoardId] = useState('');
  const panel = useRef<HTMLElement>(null);
  // Opened from the gallery below the fold, the panel comes into view.
  useEffect(() => {
    if (selectedId) panel.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, [selectedId]);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useShortcut('close', () => void select(null), { enabled: !!selectedId });

  const act = async (what: () => Promise<unknown>, done?: string) => {
    setError(null);
    setNote(null);
    try {
      await what();
      if (done) setNote(done);
    } catch (err) {
      setError(describeError(err));
    }
  };

  if (!selectedId) return null;
  const m = detail?.metadata;
  const generated = m && m.kind !== 'upscale' && typeof m.prompt === 'string';
  const otherBoards = (boards ?? []).filter((b) => !detail?.boards.some((d) => d.id === b.id));

  return (
    <section className="card image-detail" role="region" aria-label="Image details" data-testid="image-detail" ref={panel}>
      <div className="row image-detail-head">
        <h2 className="card-title">Image</h2>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => void select(null)}
          title={withShortcut('Close', 'close')}
          aria-keyshortcuts={ariaKeys('close')}
        >
          Close
        </Button>
      </div>
      {detailError && <Alert tone="error">{detailError}</Alert>}
      {!detail && !detailError && <Spinner label="Loading the image" />}
      {detail && (
        <div className="stack-sm">
          <button type="button" className="detail-full" onClick={() => openLightbox(detail.id)} aria-label="View larger">
            <img src={detail.full_url} alt={m?.prompt ?? 'Generated image'} />
          </button>
          <Metadata image={detail} />
          {typeof m?.source_image_id === 'string' && (
            <button
              type="button"
              className="link-button small"
              onClick={() => void select(m.source_image_id as string)}
              data-testid="upscale-source"
            >
              {m.kind === 'upscale' ? 'Upscaled from' : 'Made from'} an image in your gallery: open the original
            </button>
          )}
          <div className="row wrap">
            <Button
              size="sm"
              aria-pressed={detail.is_starred}
              onClick={() => void act(() => toggleStar(detail.id, !detail.is_starred))}
              data-testid="detail-star"
            >
              {detail.is_starred ? '★ Starred' : '☆ Star'}
            </Button>
            {generated && (
              <Button
                size="sm"
                data-testid="use-all"
                onClick={() =>
                  void act(async () => {
                    const { change, notes } = applyRecall(await canvasApi.recall(detail.id), models ?? []);
                    setSettings(change);
                    setNote(['The form now holds all of its settings.', ...notes].join(' '));
                  })
                }
              >
                Use all
              </Button>
            )}
            {generated && m.prompt && (
              <Button
                size="sm"
                onClick={() => {
                  setSettings({ prompt: m.prompt ?? '', negative_prompt: m.negative_prompt ?? '' });
                  setNote('The form now holds its prompt.');
                }}
              >
                Use prompt
              </Button>
            )}
            {generated && typeof m.seed === 'number' && (
              <Button
                size="sm"
                onClick={() => {
                  setSettings({ seed: m.seed as number });
                  setNote(`The form now uses seed ${m.seed}.`);
                }}
              >
                Use seed
              </Button>
            )}
            <Button
              size="sm"
              onClick={() => {
                setSource({ ref: detail.id, url: detail.full_url, label: `From the gallery: ${m?.prompt ?? detail.id}` });
                setNote('Set as the starting image of image-to-image and inpainting.');
              }}
            >
              Use as source
            </Button>
            <Button
              size="sm"
              onClick={() => {
                setSource({ ref: detail.id, url: detail.full_url, label: `From the gallery: ${m?.prompt ?? detail.id}` });
                setMode('inpaint');
              }}
            >
              Inpaint
            </Button>
            <Button
              size="sm"
              variant="danger"
              onClick={() =>
                void confirmAction({
                  title: 'Delete this image?',
                  body: 'Its file and its share link go too.',
                  confirmLabel: 'Delete image',
                }).then((ok) => void (ok && act(() => deleteImage(detail.id))))
              }
            >
              Delete
            </Button>
          </div>
          <div className="stack-sm">
            <span className="field-label">Share link</span>
            {detail.share_url ? (
              <div className="row wrap">
                <a href={detail.share_url} target="_blank" rel="noreferrer" data-testid="share-url" className="small">
                  {detail.share_url}
                </a>
                <Button size="sm" onClick={() => void act(() => navigator.clipboard.writeText(detail.share_url!), 'Link copied.')}>
                  Copy link
                </Button>
                <Button size="sm" variant="ghost" onClick={() => void act(() => unshare(detail.id))}>
                  Turn off link
                </Button>
              </div>
            ) : (
              <Button size="sm" onClick={() => void act(() => share(detail.id))}>
                Create share link
              </Button>
            )}
          </div>
          <div className="stack-sm">
            <span className="field-label">Boards</span>
            {detail.boards.length === 0 && <p className="muted small">On no board.</p>}
            <ul className="plain-list" data-testid="image-boards">
              {detail.boards.map((b) => (
                <li key={b.id} className="row">
                  <span>{b.name}</span>
                  <button
                    type="button"
                    className="icon-button danger"
                    aria-label={`Take off ${b.name}`}
                    onClick={() => void act(() => removeFromBoard(b.id, detail.id))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
            {otherBoards.length > 0 && (
              <div className="row wrap add-board">
                <Field label="Add to board">
                  {(c) => (
                    <select {...c} className="input" value={boardId} onChange={(e) => setBoardId(e.target.value)}>
                      <option value="">Choose a board</option>
                      {otherBoards.map((b) => (
                        <option key={b.id} value={b.id}>
                          {b.name}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Button
                  size="sm"
                  disabled={!boardId}
                  onClick={() => void act(() => addToBoard(boardId, detail.id).then(() => setBoardId('')))}
                >
                  Add
                </Button>
              </div>
            )}
          </div>
          <div className="stack-sm">
            <span className="field-label">Upscale</span>
            <Upscale image={detail} />
          </div>
          {error && <Alert tone="error">{error}</Alert>}
          {note && <Alert tone="success">{note}</Alert>}
        </div>
      )}
    </section>
  );
}
