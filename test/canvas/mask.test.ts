import { describe, expect, it } from 'vitest';
import {
  blendBySoftMask,
  distanceToMask,
  featherMask,
  outpaintLayout,
  outpaintMask,
  redrawArea,
} from '../../src-server/families/canvas/generate/mask';

const W = 20;
const H = 10;

/** A mask with one painted pixel at (x, y). */
function dot(x: number, y: number): Uint8Array {
  const m = new Uint8Array(W * H);
  m[y * W + x] = 255;
  return m;
}

describe('mask geometry', () => {
  it('measures the Euclidean distance to the nearest painted pixel, and Infinity with nothing painted', () => {
    const d = distanceToMask(dot(5, 5), W, H);
    expect(d[5 * W + 5]).toBe(0);
    expect(d[5 * W + 8]).toBe(3);
    expect(d[9 * W + 8]).toBe(5); // 3-4-5
    expect(d[0]).toBeCloseTo(Math.hypot(5, 5), 10);
    // Grey below half does not count as painted.
    const faint = new Uint8Array(W * H).fill(127);
    expect(distanceToMask(faint, W, H).every((v) => v === Infinity)).toBe(true);
    // Two dots: the nearer one wins.
    const two = dot(0, 0);
    two[9 * W + 19] = 200;
    const d2 = distanceToMask(two, W, H);
    expect(d2[9 * W + 17]).toBe(2);
    expect(d2[1]).toBe(1);
  });

  it('feathers linearly to zero at the feather distance; zero feather is the painted area itself', () => {
    const soft = featherMask(dot(5, 5), W, H, 4);
    expect(soft[5 * W + 5]).toBe(1);
    expect(soft[5 * W + 7]).toBeCloseTo(0.5, 6);
    expect(soft[5 * W + 9]).toBe(0);
    expect(soft[5 * W + 15]).toBe(0);
    const hard = featherMask(dot(5, 5), W, H, 0);
    expect(Array.from(hard).filter((v) => v > 0)).toEqual([1]);
    // The redrawn area reaches as far as the feather does (distance below 4).
    const area = redrawArea(soft);
    expect(area[5 * W + 8]).toBe(255);
    expect(area[5 * W + 9]).toBe(0);
  });

  it('blends the new pixels over the source by the soft mask', () => {
    const soft = new Float32Array([0, 0.5, 1]);
    const source = new Uint8Array([10, 10, 10, 100, 100, 100, 200, 0, 0]);
    const made = new Uint8Array([90, 90, 90, 200, 0, 50, 0, 0, 255]);
    expect(Array.from(blendBySoftMask(source, made, soft))).toEqual([10, 10, 10, 150, 50, 75, 0, 0, 255]);
  });

  it('lays out an outpaint: the larger canvas, the source at its offset, white over the new area only', () => {
    const e = { left: 2, right: 3, top: 1, bottom: 0 };
    expect(outpaintLayout(4, 2, e)).toEqual({ width: 9, height: 3, left: 2, top: 1 });
    const m = outpaintMask(4, 2, e);
    const rows = [0, 1, 2].map((y) =>
      Array.from(m.slice(y * 9, y * 9 + 9))
        .map((v) => (v ? '#' : '.'))
        .join(''),
    );
    expect(rows).toEqual(['#########', '##....###', '##....###']);
    // Feathered 2 px into the source: the seam column next to the new area is half redrawn.
    const soft = featherMask(m, 9, 3, 2);
    expect(soft[2 * 9 + 2]).toBeCloseTo(0.5, 6);
    expect(soft[2 * 9 + 3]).toBe(0);
  });
});
