/**
 * Canny edge detection (Canny 1986) as OpenCV's cv2.Canny computes it by default, which
 * InvokeAI's canny processor calls: 3×3 Sobel gradients, L1 magnitude |gx| + |gy|, non-maximum
 * suppression along the gradient's direction (quantised to 0°, 45°, 90°, 135°), then hysteresis:
 * pixels above `high` are edges, and pixels above `low` joined to one. RGB in, RGB out (white edges
 * on black, what a canny ControlNet was trained on).
 */
export function cannyEdges(rgb: Uint8Array, width: number, height: number, low = 100, high = 200): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`expected ${width * height * 3} RGB bytes, got ${rgb.length}`);
  if (!(low >= 0 && high >= low)) throw new RangeError(`thresholds must satisfy 0 ≤ low ≤ high, got ${low} and ${high}`);
  const n = width * height;
  const gray = new Float32Array(n);
  for (let i = 0; i < n; i++) gray[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  // Borders replicate the edge pixel, as OpenCV's default BORDER_REPLICATE does for Sobel.
  const at = (x: number, y: number) => gray[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))]!;
  const gx = new Float32Array(n);
  const gy = new Float32Array(n);
  const mag = new Float32Array(n);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      gx[i] = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      gy[i] = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      mag[i] = Math.abs(gx[i]!) + Math.abs(gy[i]!);
    }
  // 2: a strong edge, 1: weak (kept only when joined to a strong one), 0: none.
  const state = new Uint8Array(n);
  const m = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : mag[y * width + x]!);
  const tan22 = Math.tan(Math.PI / 8);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = mag[i]!;
      if (v <= low) continue;
      const ax = Math.abs(gx[i]!);
      const ay = Math.abs(gy[i]!);
      let a: number;
      let b: number;
      if (ay <= ax * tan22) [a, b] = [m(x - 1, y), m(x + 1, y)];
      else if (ax <= ay * tan22) [a, b] = [m(x, y - 1), m(x, y + 1)];
      else if (gx[i]! * gy[i]! > 0) [a, b] = [m(x - 1, y - 1), m(x + 1, y + 1)];
      else [a, b] = [m(x + 1, y - 1), m(x - 1, y + 1)];
      // Ties go to the later pixel, as OpenCV's strict/non-strict comparison pair does.
      if (v > a && v >= b) state[i] = v > high ? 2 : 1;
    }
  const stack: number[] = [];
  for (let i = 0; i < n; i++) if (state[i] === 2) stack.push(i);
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (state[j] === 1) {
          state[j] = 2;
          stack.push(j);
        }
      }
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) if (state[i] === 2) out.fill(255, 3 * i, 3 * i + 3);
  return out;
}
