/**
 * Mask geometry for inpainting and outpainting, on plain pixel arrays (one byte or float per pixel,
 * row by row). The engine redraws where a mask byte is 128 or more; a feather widens that area by
 * `feather` pixels and the result is blended back into the source along a linear ramp, so the
 * seam fades instead of showing a hard edge.
 */

/** Most pixels a feather may reach out of the painted area. */
export const MAX_FEATHER = 128;

/** Squared distance transform of one row or column (Felzenszwalb & Huttenlocher), in place. */
function distance1d(f: Float64Array, n: number, v: Int32Array, z: Float64Array, d: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q] === Infinity) continue;
    // Skip leading empty cells: the first parabola is the first finite one.
    if (f[v[0]!] === Infinity) {
      v[0] = q;
      continue;
    }
    let s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    while (s <= z[k]!) {
      k--;
      s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (f[v[0]!] === Infinity) return; // nothing painted on this line: it stays at Infinity
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    d[q] = (q - v[k]!) * (q - v[k]!) + f[v[k]!]!;
  }
  for (let q = 0; q < n; q++) f[q] = d[q]!;
}

/** Each pixel's Euclidean distance to the nearest masked pixel (mask byte ≥ 128); 0 inside, Infinity with nothing masked. */
export function distanceToMask(mask: Uint8Array, width: number, height: number): Float64Array {
  const grid = new Float64Array(width * height);
  for (let i = 0; i < grid.length; i++) grid[i] = mask[i]! >= 128 ? 0 : Infinity;
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const d = new Float64Array(n);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = grid[y * width + x]!;
    distance1d(f, height, v, z, d);
    for (let y = 0; y < height; y++) grid[y * width + x] = f[y]!;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[x] = grid[y * width + x]!;
    distance1d(f, width, v, z, d);
    for (let x = 0; x < width; x++) grid[y * width + x] = Math.sqrt(f[x]!);
  }
  return grid;
}

/**
 * The soft mask: 1 on the painted area, falling linearly to 0 at `feather` pixels from it, so the
 * blend weight of every pixel. Feather 0 is the painted area itself.
 */
export function featherMask(mask: Uint8Array, width: number, height: number, feather: number): Float32Array {
  const out = new Float32Array(width * height);
  if (feather <= 0) {
    for (let i = 0; i < out.length; i++) out[i] = mask[i]! >= 128 ? 1 : 0;
    return out;
  }
  const dist = distanceToMask(mask, width, height);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, 1 - dist[i]! / feather);
  return out;
}

/** What the engine redraws for a soft mask: every pixel with any weight, as a mask byte. */
export function redrawArea(soft: Float32Array): Uint8Array {
  const out = new Uint8Array(soft.length);
  for (let i = 0; i < soft.length; i++) out[i] = soft[i]! > 0 ? 255 : 0;
  return out;
}

/** The generated RGB blended over the source by the soft mask: the source where it is 0, the new pixels where it is 1. */
export function blendBySoftMask(source: Uint8Array, generated: Uint8Array, soft: Float32Array): Uint8Array {
  const out = new Uint8Array(generated.length);
  for (let p = 0; p < soft.length; p++) {
    const w = soft[p]!;
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      out[i] = Math.round(source[i]! + (generated[i]! - source[i]!) * w);
    }
  }
  return out;
}

export interface Extension {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Where the source sits on the extended canvas and how large that canvas is. */
export function outpaintLayout(width: number, height: number, e: Extension) {
  return { width: width + e.left + e.right, height: height + e.top + e.bottom, left: e.left, top: e.top };
}

/** The mask of an outpaint: white over the new area, black over the source. */
export function outpaintMask(width: number, height: number, e: Extension): Uint8Array {
  const layout = outpaintLayout(width, height, e);
  const mask = new Uint8Array(layout.width * layout.height).fill(255);
  for (let y = 0; y < height; y++) mask.fill(0, (y + e.top) * layout.width + e.left, (y + e.top) * layout.width + e.left + width);
  return mask;
}
