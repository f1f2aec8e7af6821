/**
 * The inpainting canvas's geometry, as pure functions: stroke history (undo/redo), the view's
 * zoom and pan, screen points to image pixels, outpaint sizes and aspect-ratio presets.
 */

export interface Point {
  x: number;
  y: number;
}

/** One brush or eraser stroke, in the source image's pixels. */
export interface Stroke {
  points: Point[];
  /** Brush diameter in image pixels. */
  size: number;
  erase: boolean;
  /** Clears the whole mask: "Clear" is a step undo takes back like any stroke. */
  clear?: boolean;
}

/** The strokes on the mask and the ones undone (redo brings them back, a new stroke forgets them). */
export interface StrokeHistory {
  done: Stroke[];
  undone: Stroke[];
}

export const EMPTY_HISTORY: StrokeHistory = { done: [], undone: [] };

export const addStroke = (h: StrokeHistory, stroke: Stroke): StrokeHistory => ({ done: [...h.done, stroke], undone: [] });

export const undoStroke = (h: StrokeHistory): StrokeHistory =>
  h.done.length === 0 ? h : { done: h.done.slice(0, -1), undone: [...h.undone, h.done[h.done.length - 1]!] };

export const redoStroke = (h: StrokeHistory): StrokeHistory =>
  h.undone.length === 0 ? h : { done: [...h.done, h.undone[h.undone.length - 1]!], undone: h.undone.slice(0, -1) };

export const CLEAR: Stroke = { points: [], size: 0, erase: true, clear: true };

/** The strokes that show: those after the last clear. */
export const visibleStrokes = (h: StrokeHistory): Stroke[] => h.done.slice(h.done.findLastIndex((s) => s.clear) + 1);

/** Whether any painted (not erased) stroke shows: an empty mask is not sent. */
export const hasPaint = (h: StrokeHistory): boolean => visibleStrokes(h).some((s) => !s.erase);

/** The view of the canvas: a zoom factor over the fitted image and a pan in screen pixels. */
export interface View {
  zoom: number;
  panX: number;
  panY: number;
}

export const FIT_VIEW: View = { zoom: 1, panX: 0, panY: 0 };
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 8;

const clampZoom = (z: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));

/**
 * Zooms by `factor` keeping the point under `at` (screen pixels from the stage's centre) where it
 * is, as wheel zoom in an image editor does.
 */
export function zoomAt(view: View, factor: number, at: Point = { x: 0, y: 0 }): View {
  const zoom = clampZoom(view.zoom * factor);
  const k = zoom / view.zoom;
  return { zoom, panX: at.x - (at.x - view.panX) * k, panY: at.y - (at.y - view.panY) * k };
}

export const panBy = (view: View, dx: number, dy: number): View => ({ ...view, panX: view.panX + dx, panY: view.panY + dy });

/** A screen point over the drawn image (its on-screen rectangle) in the image's own pixels. */
export function toImagePoint(
  client: Point,
  rect: { left: number; top: number; width: number; height: number },
  size: { width: number; height: number },
): Point {
  return { x: ((client.x - rect.left) / rect.width) * size.width, y: ((client.y - rect.top) / rect.height) * size.height };
}

export type Side = 'left' | 'right' | 'top' | 'bottom';
export const SIDES: Side[] = ['left', 'right', 'top', 'bottom'];

/** The size an image of `width`×`height` grows to when `side` is extended by `amount` pixels. */
export function extendedSize(width: number, height: number, side: Side, amount: number): { width: number; height: number } {
  return side === 'left' || side === 'right' ? { width: width + amount, height } : { width, height: height + amount };
}

/** The largest extension of `side` (a multiple of 8) that keeps the image within the model's `max`; 0 when none fits. */
export function maxExtension(width: number, height: number, side: Side, max: number): number {
  const room = max - (side === 'left' || side === 'right' ? width : height);
  return Math.max(0, Math.floor(room / 8) * 8);
}

export const ASPECTS = ['1:1', '4:3', '3:4', '3:2', '2:3', '16:9', '9:16'] as const;
export type Aspect = (typeof ASPECTS)[number];

/**
 * A width and height for the aspect ratio: about the model's native area, each side a multiple of 8
 * within [min, max], the ratio kept as closely as the rounding allows.
 */
export function aspectSize(aspect: Aspect, native: number, bounds: { min: number; max: number }): { width: number; height: number } {
  const [w, h] = aspect.split(':').map(Number) as [number, number];
  const scale = native / Math.sqrt(w * h);
  const fit = (v: number) => Math.min(bounds.max, Math.max(bounds.min, Math.round(v / 8) * 8));
  return { width: fit(w * scale), height: fit(h * scale) };
}
