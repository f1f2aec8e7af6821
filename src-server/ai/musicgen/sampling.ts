import { MAX_SEED, philox4x32 } from '../diffusion/noise';

// Sampling the next token of each codebook: classifier-free guidance on the logits (transformers'
// ClassifierFreeGuidanceLogitsProcessor), temperature, top-k, then a draw from a seeded
// counter-based generator (Philox 4x32-10, as the diffusion noise), so a seed replays a song.

/** Uniform floats in [0, 1) from (seed, draw index): the same seed gives the same draws everywhere. */
export class SeededUniform {
  private n = 0;
  private readonly words = new Uint32Array(4);
  private block = -1;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
      throw new RangeError(`A seed is an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }

  next(): number {
    const block = Math.floor(this.n / 4);
    if (block !== this.block) {
      // Stream 0x6d67 ("mg") keeps these draws apart from the diffusion noise of the same seed.
      philox4x32([block >>> 0, Math.floor(block / 0x1_0000_0000), 0, 0], [this.seed, 0x6d67], this.words);
      this.block = block;
    }
    return this.words[this.n++ % 4]! / 0x1_0000_0000;
  }
}

/** uncond + (cond − uncond) · scale, in place into `cond`'s copy. */
export function guide(cond: Float32Array, uncond: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i]! + (cond[i]! - uncond[i]!) * scale;
  return out;
}

export interface SampleOptions {
  /** 0 keeps every token. */
  topK: number;
  temperature: number;
  /** false: the most likely token (greedy). */
  doSample: boolean;
  /** Token ids that may never be drawn (the pad id when the vocabulary has it). */
  banned?: number;
}

/** One token from logits: the k most likely, softmax at the temperature, one uniform draw. */
export function sampleToken(logits: Float32Array, opts: SampleOptions, random: SeededUniform): number {
  const allowed = (i: number) => i !== opts.banned && Number.isFinite(logits[i]!);
  if (!opts.doSample) {
    let best = -1;
    for (let i = 0; i < logits.length; i++) if (allowed(i) && (best < 0 || logits[i]! > logits[best]!)) best = i;
    if (best < 0) throw new RangeError('no token can be chosen: every logit is banned or not finite');
    return best;
  }
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (allowed(i)) ids.push(i);
  if (!ids.length) throw new RangeError('no token can be chosen: every logit is banned or not finite');
  // Ties keep the lower id first, so the order (and the draw) never depends on the sort's stability.
  ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
  const kept = opts.topK > 0 ? ids.slice(0, opts.topK) : ids;
  const t = opts.temperature > 0 ? opts.temperature : 1;
  const top = logits[kept[0]!]! / t;
  const weights = kept.map((i) => Math.exp(logits[i]! / t - top));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = random.next() * total;
  for (let i = 0; i < kept.length; i++) {
    u -= weights[i]!;
    if (u < 0) return kept[i]!;
  }
  return kept[kept.length - 1]!;
}
