import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { Alert, Button, Field, Input, Slider } from '../../../components';
import { canvasApi } from '../api';
import { useAttempt } from '../useAttempt';
import {
  FIT_VIEW,
  extendedSize,
  maxExtension,
  panBy,
  SIDES,
  toImagePoint,
  visibleStrokes,
  type Point,
  type Side,
  type Stroke,
  type View,
} from '../canvas/geometry';
import { drawStrokes } from '../canvas/render';
import { useImages } from '../store';
import { DropZone, useImageDrop } from './DropZone';
import { wheelZoom, ZoomControls, zoomKey } from './ZoomControls';
import { sizeBounds } from './GeneratePanel';

/** The longest side the on-screen mask is drawn at (the one sent is made from the same strokes). */
const SCREEN_MASK_SIDE = 1024;
const SIDE_WORDS: Record<Side, string> = { left: 'Left', right: 'Right', top: 'Top', bottom: 'Bottom' };

interface Extension {
  side: Side;
  amount: number;
}

/** Grows the starting image on one side and fills the new area through the inpaint path. */
function Outpaint({
  size,
  extension,
  onChange,
}: {
  size: { width: number; height: number };
  extension: Extension;
  onChange(e: Extension): void;
}) {
  const { models, settings, source, feather, queueFromForm } = useImages();
  const { side, amount } = extension;
  const { busy, error, setError, attempt } = useAttempt();
  const model = models?.find((m) => m.type === 'main' && m.name === settings.model);
  const room = maxExtension(size.width, size.height, side, sizeBounds(model).max);
  const grown = extendedSize(size.width, size.height, side, amount);

  const run = () => {
    if (!settings.prompt.trim()) return setError('Write a prompt first: it says what the new area shows.');
    void attempt(() =>
      queueFromForm(() => canvasApi.outpaint(settings, source!.ref, { [side]: amount }, feather), 'inpaint', {
        ...settings,
        outpaint: { [side]: amount },
      }),
    );
  };

  return (
    <div className="outpaint" data-testid="outpaint">
      <span className="field-label">Outpaint</span>
      <div className="row wrap outpaint-form">
        <Field label="Side">
          {(c) => (
            <select {...c} className="input" value={side} onChange={(e) => onChange({ side: e.target.value as Side, amount })}>
              {SIDES.map((s) => (
                <option key={s} value={s}>
                  {SIDE_WORDS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Extend by" hint={room > 0 ? `8–${room} px, multiple of 8` : 'This model makes nothing larger on this side'}>
          {(c) => (
            <Input
              {...c}
              type="number"
              min={8}
              max={room}
              step={8}
              value={amount}
              onChange={(e) => onChange({ side, amount: Number(e.target.value) || 0 })}
            />
          )}
        </Field>
        <Button busy={busy} disabled={!source || room === 0} onClick={run} data-testid="outpaint-run">
          Outpaint to {grown.width} × {grown.height}
        </Button>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
      <p className="muted small">
        The striped band shows the {amount} px added on the {side}. The new area is drawn from the prompt, and the feather blends it into
        the image.
      </p>
    </div>
  );
}

/** Where the outpaint band sits beside the image, in percent of the image's box. */
function bandStyle({ side, amount }: Extension, size: { width: number; height: number }) {
  const across = side === 'left' || side === 'right' ? (amount / size.width) * 100 : (amount / size.height) * 100;
  const [edge, extent] = side === 'left' || side === 'right' ? (['top', 'height'] as const) : (['left', 'width'] as const);
  return { [side]: `-${across}%`, [side === 'left' || side === 'right' ? 'width' : 'height']: `${across}%`, [edge]: 0, [extent]: '100%' };
}

/**
 * The inpainting canvas: the starting image with its mask over it, zoom (wheel, buttons) and pan
 * (drag with Space held, the middle button or the hand tool), a brush outline, undo and redo of
 * strokes, the mask's feather, and outpainting.
 */
export function InpaintCanvas() {
  const { source, strokes, stroke, undo, redo, clearMask, brush, erasing, feather, setBrush, sourceSize, setSourceSize } = useImages();
  const [view, setView] = useState<View>(FIT_VIEW);
  const [extension, setExtension] = useState<Extension>({ side: 'right', amount: 64 });
  const [hand, setHand] = useState(false);
  const [spaceHeld, setSpaceHeld] = useState(false);
  const [cursor, setCursor] = useState<Point | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stageSize, setStageSize] = useState({ width: 0, height: 0 });
  const stage = useRef<HTMLDivElement>(null);
  const mask = useRef<HTMLCanvasElement>(null);
  const drawing = useRef<{ points: Point[]; size: number } | null>(null);
  const panning = useRef<Point | null>(null);
  // Another image dropped on the canvas replaces the one being painted.
  const drop = useImageDrop('inpaint', setError);

  // The source's own size: the strokes are kept in its pixels.
  useEffect(() => {
    if (!source) return;
    const img = new Image();
    img.onload = () => setSourceSize({ width: img.naturalWidth, height: img.naturalHeight });
    img.src = source.url;
    setView(FIT_VIEW);
  }, [source, setSourceSize]);

  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setStageSize({ width: entry!.contentRect.width, height: entry!.contentRect.height }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [source]);

  const maskScale = sourceSize ? Math.min(1, SCREEN_MASK_SIDE / Math.max(sourceSize.width, sourceSize.height)) : 1;
  // On screen the mask is painted in the theme's accent, half transparent, so it shows on any image.
  const paint = (extra: Stroke[] = []) => {
    const ctx = mask.current?.getContext('2d');
    if (!ctx) return;
    const tint = getComputedStyle(ctx.canvas).getPropertyValue('--accent-fill').trim() || '#6b4ee6';
    drawStrokes(ctx, [...visibleStrokes(strokes), ...extra], maskScale, tint);
  };
  useEffect(paint, [strokes, maskScale, sourceSize]);

  if (!source) {
    return (
      <DropZone
        className="canvas-empty"
        mode="inpaint"
        label="Drop an image here to inpaint it"
        onError={setError}
        data-testid="canvas-drop"
      >
        <p>Drag an image here from the gallery or the desktop to paint into it, or choose “Inpaint” on an image.</p>
        {error && <Alert tone="error">{error}</Alert>}
      </DropZone>
    );
  }

  // The image fitted into the stage with room for the outpaint band, then zoomed and panned.
  const fit = sourceSize ? Math.min((stageSize.width * 0.7) / sourceSize.width, (stageSize.height * 0.7) / sourceSize.height) : 0;
  const shown = sourceSize ? { width: sourceSize.width * fit * view.zoom, height: sourceSize.height * fit * view.zoom } : null;
  const panMode = hand || spaceHeld;

  const imagePoint = (event: PointerEvent) =>
    toImagePoint({ x: event.clientX, y: event.clientY }, mask.current!.getBoundingClientRect(), sourceSize!);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (!sourceSize || !shown) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    if (panMode || event.button === 1) {
      panning.current = { x: event.clientX, y: event.clientY };
      return;
    }
    if (event.button !== 0) return;
    const p = imagePoint(event);
    // The brush is sized on screen; the stroke keeps its width in image pixels.
    drawing.current = { points: [p], size: (brush * sourceSize.width) / shown.width };
    paint([{ ...drawing.current, erase: erasing }]);
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const rect = stage.current!.getBoundingClientRect();
    setCursor({ x: event.clientX - rect.left, y: event.clientY - rect.top });
    if (panning.current) {
      setView((v) => panBy(v, event.clientX - panning.current!.x, event.clientY - panning.current!.y));
      panning.current = { x: event.clientX, y: event.clientY };
      return;
    }
    if (!drawing.current) return;
    drawing.current.points.push(imagePoint(event));
    paint([{ ...drawing.current, erase: erasing }]);
  };
  const onPointerUp = () => {
    panning.current = null;
    if (drawing.current) stroke({ ...drawing.current, erase: erasing });
    drawing.current = null;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === 'z') (event.shiftKey ? redo : undo)();
    else if (mod && event.key.toLowerCase() === 'y') redo();
    else if (event.key === ' ') setSpaceHeld(true);
    else if (!zoomKey(event.key, setView)) return;
    event.preventDefault();
  };

  return (
    <div className="inpaint-canvas stack-sm" data-testid="inpaint-canvas">
      <div className="row wrap canvas-toolbar" role="toolbar" aria-label="Canvas tools">
        <span className="tool-group">
          <Button size="sm" aria-pressed={!erasing && !hand} onClick={() => (setHand(false), setBrush({ erasing: false }))}>
            Brush
          </Button>
          <Button size="sm" aria-pressed={erasing && !hand} onClick={() => (setHand(false), setBrush({ erasing: true }))}>
            Erase
          </Button>
          <Button size="sm" aria-pressed={hand} onClick={() => setHand(!hand)} title="Pan (or hold Space, or drag with the middle button)">
            Pan
          </Button>
        </span>
        <span className="tool-group">
          <Button size="sm" onClick={undo} disabled={strokes.done.length === 0} title="Undo (Ctrl+Z)" aria-keyshortcuts="Control+Z">
            Undo
          </Button>
          <Button
            size="sm"
            onClick={redo}
            disabled={strokes.undone.length === 0}
            title="Redo (Ctrl+Shift+Z)"
            aria-keyshortcuts="Control+Shift+Z"
          >
            Redo
          </Button>
          <Button size="sm" variant="ghost" onClick={clearMask} disabled={visibleStrokes(strokes).length === 0}>
            Clear mask
          </Button>
        </span>
        <span className="toolbar-gap" />
        <ZoomControls view={view} setView={setView} testId="canvas-zoom" />
      </div>
      <div
        ref={stage}
        className={`canvas-stage${panMode ? ' panning' : ''}${drop.over ? ' drop-over' : ''}`}
        {...drop.handlers}
        tabIndex={0}
        aria-label="Inpainting canvas: paint where the image is redrawn"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => setCursor(null)}
        onWheel={(e) => wheelZoom(e, setView)}
        onKeyDown={onKeyDown}
        onKeyUp={(e) => e.key === ' ' && setSpaceHeld(false)}
      >
        {shown && sourceSize && (
          <div
            className="canvas-world"
            style={{
              width: shown.width,
              height: shown.height,
              transform: `translate(-50%, -50%) translate(${view.panX}px, ${view.panY}px)`,
            }}
          >
            <div className="outpaint-band" style={bandStyle(extension, sourceSize)} aria-hidden="true" />
            <img src={source.url} alt="The image being inpainted" className="canvas-image" draggable={false} />
            <canvas
              ref={mask}
              width={Math.round(sourceSize.width * maskScale)}
              height={Math.round(sourceSize.height * maskScale)}
              className="canvas-mask"
              data-testid="mask-canvas"
              // The feather shows as a soft halo around the crisp strokes.
              style={{
                filter: feather > 0 ? `drop-shadow(0 0 ${(feather * shown.width) / sourceSize.width / 2}px var(--accent-fill))` : undefined,
              }}
            />
          </div>
        )}
        {cursor && !panMode && (
          <div
            className={`brush-outline${erasing ? ' erasing' : ''}`}
            data-testid="brush-outline"
            style={{ width: brush, height: brush, left: cursor.x - brush / 2, top: cursor.y - brush / 2 }}
          />
        )}
      </div>
      <div className="row wrap canvas-sliders">
        <Slider label="Brush size" min={2} max={160} value={brush} format={(v) => `${v} px`} onChange={(v) => setBrush({ brush: v })} />
        <Slider
          label="Feather"
          hint="How far past the mask the new pixels fade into the image."
          min={0}
          max={64}
          value={feather}
          format={(v) => `${v} px`}
          onChange={(v) => setBrush({ feather: v })}
        />
      </div>
      {error && <Alert tone="error">{error}</Alert>}
      {sourceSize && <Outpaint size={sourceSize} extension={extension} onChange={setExtension} />}
    </div>
  );
}
