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
