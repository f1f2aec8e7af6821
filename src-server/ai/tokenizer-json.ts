/**
 * An `added_tokens` entry of a Hugging Face tokenizer.json: a special token, matched whole and
 * never split. The CLIP converter and the tiny test models write theirs with it.
 */
export const addedToken = (id: number, content: string, normalized = false) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized,
  special: true,
});

/** GPT-2's byte-to-character map, which the ByteLevel pre-tokenizer and decoder use. */
export function byteLevelChars(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const chars: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + extra++);
  return chars;
}

/**
 * A byte-level BPE tokenizer with no merges (GPT-2, Qwen2, Whisper): one token per byte, and
 * `specials` from id 256 on. `options` are the pre-tokenizer's and decoder's settings that differ
 * between models, and the model's word affixes (null where the model has none).
 */
export function byteLevelBpe(
  specials: readonly string[],
  options: { trimOffsets: boolean; decoderPrefixSpace: boolean; affix: string | null },
): object {
  const vocab: Record<string, number> = {};
  byteLevelChars().forEach((c, i) => (vocab[c] = i));
  specials.forEach((s, i) => (vocab[s] = 256 + i));
  const byteLevel = { type: 'ByteLevel', trim_offsets: options.trimOffsets, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, i) => addedToken(256 + i, content)),
    normalizer: null,
    pre_tokenizer: { ...byteLevel, add_prefix_space: false },
    post_processor: null,
    decoder: { ...byteLevel, add_prefix_space: options.decoderPrefixSpace },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: options.affix,
      end_of_word_suffix: options.affix,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: [],
    },
  };
}
