import { useEffect, useImperativeHandle, useRef, useState, type PointerEvent, type Ref } from 'react';
import { Button, Slider } from '../../../components';

export interface MaskHandle {
  /** The mask as a PNG data URL at the source's size (white where the image is redrawn), or null when nothing is painted. */
  toPng(): string | null;
}

/** The longest side the mask is painted at; the server scales it to the source, so only its aspect must match. */
const MAX_SIDE = 512;

/**
 * The source image with a canvas over it to paint the inpainting mask: a round brush, an eraser
 * and clear. Strokes are kept as opaque white on a transparent canvas (shown tinted by CSS) and
 * flattened onto black when the mask is sent.
 */
export function MaskEditor({ source, ref }: { source: string; ref: Ref<MaskHandle> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [brush, setBrush] = useState(24);
  const [erasing, setErasing] = useState(false);
  const last = useRef<{ x: number; y: number } | null>(null);

  useEffect(() => {
    const img = new Image();
    img.onload = () => {
      const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
      setSize({ width: Math.round(img.naturalWidth * scale), height: Math.round(img.naturalHeight * scale) });
    };
    img.src = source;
  }, [source]);

  useImperativeHandle(ref, () => ({
    toPng() {
      const c = canvas.current;
      if (!c) return null;
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = false;
      for (let i = 3; i < pixels.length && !painted; i += 4) painted = pixels[i]! > 0;
      if (!painted) return null;
      const flat = document.createElement('canvas');
      flat.width = c.width;
      flat.height = c.height;
      const ctx = flat.getContext('2d')!;
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, flat.width, flat.height);
      ctx.drawImage(c, 0, 0);
      return flat.toDataURL('image/png');
    },
  }));

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const c = event.currentTarget;
    const rect = c.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * c.width, y: ((event.clientY - rect.top) / rect.height) * c.height };
  };

  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const c = canvas.current;
    if (!c) return;
    const ctx = c.getContext('2d')!;
    const scale = c.width / c.getBoundingClientRect().width || 1;
    ctx.globalCompositeOperation = erasing ? 'destination-out' : 'source-over';
    ctx.strokeStyle = '#fff';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = brush * scale;
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };

  const clear = () => {
    const c = canvas.current;
    c?.getContext('2d')!.clearRect(0, 0, c.width, c.height);
  };

  return (
    <div className="mask-editor" data-testid="mask-editor">
      <span className="field-label">Mask</span>
      <p className="muted small">Paint over what should be redrawn.</p>
      {size && (
        <div className="mask-stage" style={{ aspectRatio: `${size.width} / ${size.height}` }}>
          <img src={source} alt="" className="mask-source" />
          <canvas
            ref={canvas}
            width={size.width}
            height={size.height}
            className="mask-canvas"
            aria-label="Mask: paint where the image is redrawn"
            data-testid="mask-canvas"
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture(e.pointerId);
              const p = point(e);
              last.current = p;
              stroke(p, p);
            }}
            onPointerMove={(e) => {
              if (!last.current) return;
              const p = point(e);
              stroke(last.current, p);
              last.current = p;
            }}
            onPointerUp={() => (last.current = null)}
            onPointerCancel={() => (last.current = null)}
          />
        </div>
      )}
      <div className="row mask-tools">
        <Slider label="Brush size" min={2} max={120} value={brush} format={(v) => `${v} px`} onChange={setBrush} />
        <Button size="sm" aria-pressed={erasing} onClick={() => setErasing(!erasing)}>
          Erase
        </Button>
        <Button size="sm" variant="ghost" onClick={clear}>
          Clear mask
        </Button>
      </div>
    </div>
  );
}
