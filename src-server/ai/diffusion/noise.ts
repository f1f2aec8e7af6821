import { randomInt } from 'node:crypto';
import type { NoiseSource } from './schedulers/scheduler';

// Seeded Gaussian noise that is the same on every machine, so a recorded seed reproduces an image.
// Uniform bits come from Philox 4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as
// 1, 2, 3"; Random123's reference constants), a counter-based generator: value n depends only on
// (seed, n), never on how the draws were batched. Box–Muller turns them into normals using only
// Math.log/sqrt/cos/sin, which V8 computes with its own fdlibm port rather than the platform's libm,
// so Node gives bit-identical floats on Linux, macOS and Windows.

/** Seeds are unsigned 32-bit integers; −1 asks for a random one. */
export const MAX_SEED = 0xffff_ffff;
export const RANDOM_SEED = -1;

/** A usable seed: `seed` itself, or for −1 (or none) a fresh random one that the caller records. */
export function resolveSeed(seed: number = RANDOM_SEED): number {
  if (seed === RANDOM_SEED) return randomInt(0, MAX_SEED + 1);
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
    throw new RangeError(`A seed is an integer from 0 to ${MAX_SEED}, or −1 for a random one; got ${seed}`);
  return seed;
}

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two uint32s, exact in doubles (16-bit halves keep every partial product below 2^53). */
function mulhi(a: number, b: number): number {
  const p1 = (a >>> 16) * b;
  const p0 = (a & 0xffff) * b;
  return Math.floor((p1 + Math.floor(p0 / 0x10000)) / 0x10000) >>> 0;
}

/** One Philox 4x32-10 block: 4 counter words and 2 key words in, 4 random words out (into `out`). */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  let c0 = counter[0]! >>> 0;
  let c1 = counter[1]! >>> 0;
  let c2 = counter[2]! >>> 0;
  let c3 = counter[3]! >>> 0;
  let k0 = key[0]! >>> 0;
  let k1 = key[1]! >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Standard normal values from seed `seed`: value n comes from Philox block ⌊n/4⌋ with counter
 * (⌊n/4⌋ low word, high word, 0, 0) and key (seed, stream). A block's words (w0, w1, w2, w3) give
 * two Box–Muller pairs: u1 = (w0 + 1)/2³² ∈ (0, 1], u2 = w1/2³²; r = √(−2 ln u1); values r·cos 2πu2,
 * r·sin 2πu2; likewise (w2, w3). Values are rounded to float32.
 */
export class GaussianNoise implements NoiseSource {
  /** How many values have been drawn. */
  position = 0;
  private readonly words = new Uint32Array(4);
  private readonly values = new Float64Array(4);
  private block = -1;

  constructor(
    readonly seed: number,
    /** Separates independent streams of one seed (e.g. latents and a mask's noise). */
    readonly stream = 0,
  ) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
      throw new RangeError(`A seed is an integer from 0 to ${MAX_SEED}; resolve −1 with resolveSeed() first`);
    if (!Number.isInteger(stream) || stream < 0 || stream > MAX_SEED) throw new RangeError(`stream must be a uint32, got ${stream}`);
  }

  private fill(block: number): void {
    philox4x32([block % TWO_POW_32, Math.floor(block / TWO_POW_32), 0, 0], [this.seed, this.stream], this.words);
    for (let pair = 0; pair < 2; pair++) {
      const u1 = (this.words[2 * pair]! + 1) / TWO_POW_32;
      const u2 = this.words[2 * pair + 1]! / TWO_POW_32;
      const r = Math.sqrt(-2 * Math.log(u1));
      this.values[2 * pair] = r * Math.cos(2 * Math.PI * u2);
      this.values[2 * pair + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    this.block = block;
  }

  normal(count: number): Float32Array {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const n = this.position + i;
      const block = Math.floor(n / 4);
      if (block !== this.block) this.fill(block);
      out[i] = this.values[n % 4]!;
    }
    this.position += count;
    return out;
  }
}

/** `count` normals from the start of `seed`'s stream: the initial latents of a run. */
export function gaussianNoise(seed: number, count: number, stream = 0): Float32Array {
  return new GaussianNoise(seed, stream).normal(count);
}
