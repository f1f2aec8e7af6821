import type { Stroke } from './geometry';

/** The longest side the mask is sent at; the server scales it to the source, so only its aspect must match. */
export const MASK_MAX_SIDE = 512;

/** Draws strokes (in image pixels) opaque in `color` (the mask's white by default) on a transparent canvas `scale` times the image's size. */
export function drawStrokes(ctx: CanvasRenderingContext2D, strokes: Stroke[], scale: number, color = '#fff'): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.strokeStyle = color;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const s of strokes) {
    if (s.clear) {
      ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      continue;
    }
    ctx.globalCompositeOperation = s.erase ? 'destination-out' : 'source-over';
    ctx.lineWidth = s.size * scale;
    ctx.beginPath();
    const [first, ...rest] = s.points;
    if (!first) continue;
    ctx.moveTo(first.x * scale, first.y * scale);
    // A click without a move still leaves a dot.
    for (const p of rest.length ? rest : [first]) ctx.lineTo(p.x * scale, p.y * scale);
    ctx.stroke();
  }
  ctx.globalCompositeOperation = 'source-over';
}

/** The mask as a black and white PNG data URL (white where the image is redrawn), at most MASK_MAX_SIDE on its longer side. */
export function maskPng(strokes: Stroke[], width: number, height: number): string {
  const scale = Math.min(1, MASK_MAX_SIDE / Math.max(width, height));
  const paint = document.createElement('canvas');
  paint.width = Math.max(1, Math.round(width * scale));
  paint.height = Math.max(1, Math.round(height * scale));
  drawStrokes(paint.getContext('2d')!, strokes, scale);
  const flat = document.createElement('canvas');
  flat.width = paint.width;
  flat.height = paint.height;
  const ctx = flat.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, flat.width, flat.height);
  ctx.drawImage(paint, 0, 0);
  return flat.toDataURL('image/png');
}
