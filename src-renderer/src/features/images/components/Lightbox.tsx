import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { Alert, Button, Spinner } from '../../../components';
import { canvasApi, describeError, type ImageDetail } from '../api';
import { FIT_VIEW, panBy, type Point, type View } from '../canvas/geometry';
import { applyRecall } from '../recall';
import { useImages } from '../store';
import { wheelZoom, ZoomControls, zoomKey } from './ZoomControls';
import type { Mode } from '../store/settings';

const MADE_FROM: Record<string, string> = { upscale: 'Upscaled from', image_to_image: 'Redrawn from', inpaint: 'Painted into' };

/** Where the source sits in the result, in percent: all of it, or the middle of an outpaint. */
function beforeBox(image: ImageDetail) {
  const o = image.metadata.outpaint as { left: number; right: number; top: number; bottom: number } | undefined;
  if (!o) return { left: '0%', top: '0%', width: '100%', height: '100%' };
  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  return {
    left: pct(o.left, image.width),
    top: pct(o.top, image.height),
    width: pct(image.width - o.left - o.right, image.width),
    height: pct(image.height - o.top - o.bottom, image.height),
  };
}

/**
 * The selected image full size over the page: ← and → step through the gallery, zoom (wheel, + and
 * −, 0 fits) and pan, and a before/after slider against the image it was made from (upscales,
 * image-to-image, inpaint and outpaint record it).
 */
export function Lightbox() {
  const { lightbox, closeLightbox, detail, detailError, images, selectedId, step, models, setSettings, setSource, setMode } = useImages();
  const dialog = useRef<HTMLDialogElement>(null);
  const [view, setView] = useState<View>(FIT_VIEW);
  const [comparing, setComparing] = useState(false);
  const [split, setSplit] = useState(50);
  const [before, setBefore] = useState<ImageDetail | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const drag = useRef<Point | null>(null);
  const sourceId = typeof detail?.metadata.source_image_id === 'string' ? detail.metadata.source_image_id : null;

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (lightbox && !el.open) el.showModal();
    if (!lightbox && el.open) el.close();
    // Each opening starts on the image alone.
    setComparing(false);
  }, [lightbox]);

  // Each image opens fitted, with its own note.
  useEffect(() => {
    setView(FIT_VIEW);
    setNote(null);
    setError(null);
  }, [selectedId]);

  useEffect(() => {
    if (!comparing || !sourceId || before?.id === sourceId) return;
    let live = true;
    canvasApi.image(sourceId).then(
      (d) => live && setBefore(d),
      (err: unknown) => live && (setError(describeError(err)), setComparing(false)),
    );
    return () => void (live = false);
  }, [comparing, sourceId, before]);

  const at = images.findIndex((i) => i.id === selectedId);
  const canCompare = !!sourceId;
  const showBefore = comparing && canCompare && before?.id === sourceId && detail;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === 'ArrowLeft') step(-1);
    else if (event.key === 'ArrowRight') step(1);
    else if (event.key.toLowerCase() === 'c' && canCompare) setComparing((c) => !c);
    else if (!zoomKey(event.key, setView)) return;
    event.preventDefault();
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (view.zoom <= 1 || event.target instanceof HTMLInputElement) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    setView((v) => panBy(v, event.clientX - drag.current!.x, event.clientY - drag.current!.y));
    drag.current = { x: event.clientX, y: event.clientY };
  };

  const startFrom = (mode: Mode) => {
    if (!detail) return;
    setSource({ ref: detail.id, url: detail.full_url, label: `From the gallery: ${detail.metadata.prompt || detail.id}` });
    setMode(mode);
    closeLightbox();
  };
  const useAll = async () => {
    if (!detail) return;
    setError(null);
    try {
      const { change, notes } = applyRecall(await canvasApi.recall(detail.id), models ?? []);
      setSettings(change);
      setNote(['The form now holds all of its settings.', ...notes].join(' '));
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <dialog
      ref={dialog}
      className="lightbox"
      aria-label="Image viewer"
      data-testid="lightbox"
      onCancel={(event) => {
        event.preventDefault();
        closeLightbox();
      }}
      onKeyDown={onKeyDown}
    >
      {lightbox && (
        <div className="lightbox-panel">
          <header className="lightbox-head">
            <span className="lightbox-title" title={detail?.metadata.prompt}>
              {detail?.metadata.prompt || 'Image'}
            </span>
            <span className="muted small" data-testid="lightbox-position">
              {at >= 0 ? `${at + 1} of ${images.length}` : ''}
              {detail ? ` · ${detail.width} × ${detail.height}` : ''}
            </span>
            <span className="toolbar-gap" />
            {canCompare && (
              <Button
                size="sm"
                aria-pressed={comparing}
                onClick={() => setComparing(!comparing)}
                title="Compare with the image it was made from (C)"
              >
                Compare
              </Button>
            )}
            <ZoomControls view={view} setView={setView} testId="lightbox-zoom" />
            <Button size="sm" onClick={closeLightbox} title="Close (Esc)">
              Close
            </Button>
          </header>
          <div
            className={`lightbox-stage${view.zoom > 1 ? ' zoomed' : ''}`}
            onWheel={(e) => wheelZoom(e, setView)}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={() => (drag.current = null)}
          >
            <Button variant="ghost" className="lightbox-nav prev" aria-label="Previous image" disabled={at <= 0} onClick={() => step(-1)}>
              ‹
            </Button>
            {detailError && <Alert tone="error">{detailError}</Alert>}
            {!detail && !detailError && <Spinner label="Loading the image" />}
            {detail && (
              <div
                className="lightbox-frame"
                style={{
                  aspectRatio: `${detail.width} / ${detail.height}`,
                  // As large as the stage allows with the whole image in view.
                  width: `min(100%, calc((100dvh - 190px) * ${detail.width / detail.height}))`,
                  transform: `translate(${view.panX}px, ${view.panY}px) scale(${view.zoom})`,
                }}
              >
                <img src={detail.full_url} alt={detail.metadata.prompt || 'Image'} data-testid="lightbox-image" draggable={false} />
                {showBefore && (
                  <div className="compare-before" style={{ clipPath: `inset(0 ${100 - split}% 0 0)` }} data-testid="compare-before">
                    <img src={before.full_url} alt="Before" style={beforeBox(detail)} draggable={false} />
                  </div>
                )}
                {showBefore && <div className="compare-line" style={{ left: `${split}%` }} aria-hidden="true" />}
              </div>
            )}
            <Button
              variant="ghost"
              className="lightbox-nav next"
              aria-label="Next image"
              disabled={at < 0 || at >= images.length - 1}
              onClick={() => step(1)}
            >
              ›
            </Button>
          </div>
          <footer className="lightbox-foot">
            {showBefore ? (
              <label className="compare-slider">
                <span className="small">
                  Before · {detail.metadata.outpaint ? 'Extended from' : (MADE_FROM[String(detail.metadata.kind)] ?? 'Made from')} the
                  original
                </span>
                <input
                  type="range"
                  min={0}
                  max={100}
                  value={split}
                  aria-label="Compare position"
                  onChange={(e) => setSplit(Number(e.target.value))}
                />
                <span className="small">After</span>
              </label>
            ) : (
              <span className="muted small">← → step through the gallery · wheel or + − to zoom{canCompare ? ' · C compares' : ''}</span>
            )}
            <span className="toolbar-gap" />
            {detail && typeof detail.metadata.prompt === 'string' && detail.metadata.kind !== 'upscale' && (
              <Button size="sm" onClick={() => void useAll()}>
                Use all
              </Button>
            )}
            <Button size="sm" onClick={() => startFrom('image')} disabled={!detail}>
              Image to image
            </Button>
            <Button size="sm" onClick={() => startFrom('inpaint')} disabled={!detail}>
              Inpaint
            </Button>
          </footer>
          {(note || error) && (
            <div className="lightbox-note">
              {error && <Alert tone="error">{error}</Alert>}
              {note && <Alert tone="success">{note}</Alert>}
            </div>
          )}
        </div>
      )}
    </dialog>
  );
}
