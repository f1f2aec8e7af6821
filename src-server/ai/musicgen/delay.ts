// MusicGen's codebook delay pattern, as transformers builds and reverts it
// (MusicgenForCausalLM.build_delay_pattern_mask / apply_delay_pattern_mask, and the pad filter at
// the end of generate()). Codebook k runs k steps behind codebook 0, so at each step the decoder
// predicts codebook 0 of frame t, codebook 1 of frame t − 1 and so on. The pattern is a
// [codebooks × maxLength] grid: −1 where the model is to generate, the pad id where a codebook is
// delayed (its first k + 1 positions, counting the start token) or finished (its last K − k − 1),
// and the known tokens of a prompt (the start token, audio-prompt codes) shifted by k.

/** −1 marks a position the model generates. */
export const TO_GENERATE = -1;

export interface DelayPattern {
  codebooks: number;
  maxLength: number;
  /** Row-major [codebooks, maxLength]. */
  mask: Int32Array;
  /** Tokens per codebook the decoder starts from (start token + prompt frames): the first decoder input's length. */
  startLength: number;
}

/**
 * `prefix` holds each codebook's known tokens (row k of `codebooks` rows, all of one length; the
 * start token first). Returns the pattern for a sequence of `maxLength` tokens per codebook,
 * which gives maxLength − codebooks frames of audio.
 */
export function buildDelayPattern(prefix: readonly (readonly number[])[], maxLength: number, padId: number): DelayPattern {
  const codebooks = prefix.length;
  const seqLen = prefix[0]?.length ?? 0;
  if (codebooks === 0 || seqLen === 0) throw new RangeError('the prefix needs at least one token per codebook');
  if (prefix.some((row) => row.length !== seqLen)) throw new RangeError('every codebook of the prefix needs the same length');
  if (maxLength < 2 * codebooks - 1) throw new RangeError(`maxLength ${maxLength} is too short for ${codebooks} delayed codebooks`);
  const mask = new Int32Array(codebooks * maxLength).fill(TO_GENERATE);
  for (let k = 0; k < codebooks; k++) {
    for (let j = 0; j < seqLen && j + k < maxLength; j++) mask[k * maxLength + j + k] = prefix[k]![j]!;
    for (let j = 0; j < maxLength; j++) {
      // tril (j ≤ k) delays codebook k; triu (j ≥ maxLength − K + 1 + k) ends it K − k − 1 early.
      if (j <= k || j >= maxLength - codebooks + 1 + k) mask[k * maxLength + j] = padId;
    }
  }
  // Decoding starts at the first position codebook 0 has to generate.
  let startLength = maxLength;
  for (let j = 0; j < maxLength; j++) {
    if (mask[j] === TO_GENERATE) {
      startLength = j;
      break;
    }
  }
  return { codebooks, maxLength, mask, startLength };
}

/** The pattern's value for codebook k at position j: a forced token, or −1 for the sampled one. */
export const patternAt = (p: DelayPattern, k: number, j: number): number => p.mask[k * p.maxLength + j]!;

/**
 * Forces the pattern onto token rows (each row a codebook's tokens, positions 0..n−1): where the
 * pattern knows the token, it wins over what the model sampled.
 */
export function applyDelayPattern(rows: readonly (readonly number[])[], p: DelayPattern): number[][] {
  return rows.map((row, k) =>
    row.map((token, j) => {
      const forced = j < p.maxLength ? patternAt(p, k, j) : TO_GENERATE;
      return forced === TO_GENERATE ? token : forced;
    }),
  );
}

/**
 * The codes EnCodec decodes: the pattern applied, then every pad token dropped, row by row, which
 * leaves maxLength − codebooks frames per codebook, aligned again.
 */
export function revertDelayPattern(rows: readonly (readonly number[])[], p: DelayPattern, padId: number): number[][] {
  const out = applyDelayPattern(rows, p).map((row) => row.filter((t) => t !== padId));
  const frames = out[0]?.length ?? 0;
  if (out.some((row) => row.length !== frames))
    throw new RangeError(`codebooks kept different frame counts (${out.map((r) => r.length).join(', ')}) after removing the delay`);
  return out;
}
