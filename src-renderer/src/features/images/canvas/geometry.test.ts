import { describe, expect, it } from 'vitest';
import {
  addStroke,
  aspectSize,
  CLEAR,
  EMPTY_HISTORY,
  extendedSize,
  FIT_VIEW,
  hasPaint,
  MAX_ZOOM,
  maxExtension,
  MIN_ZOOM,
  redoStroke,
  toImagePoint,
  undoStroke,
  visibleStrokes,
  zoomAt,
  type Stroke,
} from './geometry';

const brush = (x: number): Stroke => ({ points: [{ x, y: x }], size: 10, erase: false });
const eraser: Stroke = { points: [{ x: 1, y: 1 }], size: 10, erase: true };

describe('stroke history', () => {
  it('undoes and redoes strokes in order; a new stroke forgets what was undone', () => {
    let h = addStroke(addStroke(EMPTY_HISTORY, brush(1)), brush(2));
    h = undoStroke(h);
    expect(h.done).toEqual([brush(1)]);
    h = redoStroke(h);
    expect(h.done).toEqual([brush(1), brush(2)]);
    h = undoStroke(undoStroke(h));
    expect(h.done).toEqual([]);
    expect(undoStroke(h)).toBe(h);
    h = addStroke(redoStroke(h), brush(3));
    expect(h).toEqual({ done: [brush(1), brush(3)], undone: [] });
    expect(redoStroke(h)).toBe(h);
  });

  it('clears as a step of its own, which undo takes back', () => {
    let h = addStroke(addStroke(EMPTY_HISTORY, brush(1)), CLEAR);
    expect(visibleStrokes(h)).toEqual([]);
    expect(hasPaint(h)).toBe(false);
    h = addStroke(h, brush(2));
    expect(visibleStrokes(h)).toEqual([brush(2)]);
    h = undoStroke(undoStroke(h));
    expect(visibleStrokes(h)).toEqual([brush(1)]);
    expect(hasPaint(h)).toBe(true);
    // Only erasing: nothing to send.
    expect(hasPaint(addStroke(EMPTY_HISTORY, eraser))).toBe(false);
  });
});

describe('view and pointer', () => {
  it('zooms around the pointer: the point under it stays put, within the zoom limits', () => {
    const at = { x: 100, y: -40 };
    const v = zoomAt(FIT_VIEW, 2, at);
    expect(v.zoom).toBe(2);
    // A stage point p shows image point (p - pan) / zoom; under the pointer it is the same before and after.
    expect((at.x - v.panX) / v.zoom).toBeCloseTo((at.x - FIT_VIEW.panX) / FIT_VIEW.zoom);
    expect((at.y - v.panY) / v.zoom).toBeCloseTo((at.y - FIT_VIEW.panY) / FIT_VIEW.zoom);
    expect(zoomAt(FIT_VIEW, 100).zoom).toBe(MAX_ZOOM);
    expect(zoomAt(FIT_VIEW, 0.01).zoom).toBe(MIN_ZOOM);
  });

  it('maps a screen point over the drawn image to image pixels, whatever its zoom', () => {
    const rect = { left: 50, top: 20, width: 400, height: 200 };
    expect(toImagePoint({ x: 250, y: 120 }, rect, { width: 64, height: 32 })).toEqual({ x: 32, y: 16 });
    expect(toImagePoint({ x: 50, y: 20 }, rect, { width: 64, height: 32 })).toEqual({ x: 0, y: 0 });
  });
});

describe('outpaint and aspect sizes', () => {
  it('grows the chosen side and caps the extension at the model’s largest size', () => {
    expect(extendedSize(64, 64, 'right', 32)).toEqual({ width: 96, height: 64 });
    expect(extendedSize(64, 64, 'top', 16)).toEqual({ width: 64, height: 80 });
    expect(maxExtension(64, 48, 'left', 128)).toBe(64);
    expect(maxExtension(64, 48, 'bottom', 100)).toBe(48);
    expect(maxExtension(128, 64, 'right', 128)).toBe(0);
  });

  it('gives each aspect about the native area in multiples of 8 within the bounds', () => {
    expect(aspectSize('1:1', 512, { min: 256, max: 1024 })).toEqual({ width: 512, height: 512 });
    const wide = aspectSize('16:9', 512, { min: 256, max: 1024 });
    expect(wide).toEqual({ width: 680, height: 384 });
    expect((wide.width % 8) + (wide.height % 8)).toBe(0);
    expect(aspectSize('9:16', 512, { min: 256, max: 1024 })).toEqual({ width: 384, height: 680 });
    // The tiny model's 32–128: a tall preset stays inside.
    expect(aspectSize('2:3', 64, { min: 32, max: 128 })).toEqual({ width: 56, height: 80 });
  });
});
