import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { AiError } from '../protocol';
import { addedToken } from '../tokenizer-json';

// CLIP's byte-level BPE, as SD's text encoders expect it: a prompt becomes exactly 77 ids,
// <|startoftext|> prompt tokens <|endoftext|> then padding. HF's ONNX exports ship the slow
// tokenizer's files (vocab.json, merges.txt) and often no tokenizer.json; the fast tokenizer is
// then built from them the way transformers' CLIPConverter does.

/** CLIP's pre-tokenisation pattern (openai/CLIP simple_tokenizer, without the special tokens, which are matched as added tokens). */
const CLIP_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** The slow CLIPTokenizer reads only the first 49152 − 256 − 2 merges of merges.txt. */
const CLIP_MAX_MERGES = 49152 - 256 - 2;

export interface EncodedPrompt {
  /** Exactly `maxLength` ids. */
  ids: number[];
  /** How many of them are BOS, prompt tokens and EOS (the rest is padding). */
  length: number;
  /** Whether the prompt had more tokens than fit and lost its tail. */
  truncated: boolean;
}

export interface ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  /** SD 1.x pads with EOS; SD 2.x and SDXL's second encoder pad with "!" (id 0). */
  readonly padId: number;
  /** 77 for every SD text encoder. */
  readonly maxLength: number;
  /** The prompt's tokens, without BOS/EOS or padding. */
  tokenize(text: string): number[];
  /** BOS, up to maxLength − 2 prompt tokens, EOS, then padding to maxLength. */
  encode(text: string): EncodedPrompt;
  decode(ids: number[]): string;
}

type Json = Record<string, unknown>;

async function readJson(file: string, required: boolean): Promise<Json | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AiError('model_load_failed', `Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Json;
  } catch (err) {
    throw new AiError('model_load_failed', `${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A special token as tokenizer_config.json or special_tokens_map.json write it: a string or `{ content }`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

/** tokenizer.json for CLIP from the slow tokenizer's vocab and merges (transformers' CLIPConverter). */
function clipTokenizerJson(
  vocab: Record<string, number>,
  merges: string[],
  special: { bos: string; eos: string; unk: string },
  ids: Map<string, number>,
): Json {
  const added = [...new Set([special.bos, special.eos, special.unk])].map((content) => addedToken(ids.get(content)!, content, true));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    // Whitespace runs collapse to one space and text is lowercased, as CLIP's whitespace_clean and .lower().
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    // "</w>" marks a word's last piece, so "a" at a word's end and inside a word are different tokens.
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: special.unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

function parseMerges(text: string, file: string): string[] {
  const lines = text.split(/\r?\n/);
  // The first line is the "#version: 0.2" header.
  const start = lines[0]?.startsWith('#version') ? 1 : 0;
  const merges = lines.slice(start, start + CLIP_MAX_MERGES).filter((l) => l.length > 0);
  const bad = merges.findIndex((l) => l.split(' ').length !== 2);
  if (bad >= 0)
    throw new AiError('model_load_failed', `${file} line ${bad + start + 1} is not a merge of two symbols: ${JSON.stringify(merges[bad])}`);
  return merges;
}

/**
 * Loads the CLIP tokenizer of a model folder's `tokenizer/` (or `tokenizer_2/`): tokenizer.json
 * when present, else vocab.json + merges.txt. Special tokens and the length come from
 * tokenizer_config.json and special_tokens_map.json; their ids from the vocabulary.
 */
export async function loadClipTokenizer(dir: string): Promise<ClipTokenizer> {
  const config = (await readJson(path.join(dir, 'tokenizer_config.json'), false)) ?? {};
  const specialMap = (await readJson(path.join(dir, 'special_tokens_map.json'), false)) ?? {};
  const special = (key: string, fallback: string) => tokenContent(config[key]) ?? tokenContent(specialMap[key]) ?? fallback;
  const bos = special('bos_token', '<|startoftext|>');
  const eos = special('eos_token', '<|endoftext|>');
  const unk = special('unk_token', '<|endoftext|>');
  // CLIPTokenizer's own default pads with EOS.
  const pad = special('pad_token', eos);
  const rawMax = config.model_max_length;
  // transformers writes a huge sentinel when no length is known; CLIP's context is 77.
  const maxLength = typeof rawMax === 'number' && rawMax >= 2 && rawMax <= 4096 ? rawMax : 77;

  // Ids of added tokens that tokenizer_config.json lists (newer transformers) for tokens the vocabulary lacks.
  const ids = new Map<string, number>();
  const decoder = config.added_tokens_decoder;
  if (decoder && typeof decoder === 'object') {
    for (const [id, token] of Object.entries(decoder as Json)) {
      const content = tokenContent(token);
      if (content !== undefined && Number.isInteger(Number(id))) ids.set(content, Number(id));
    }
  }

  let tokenizer: Tokenizer;
  const tokenizerJson = await readJson(path.join(dir, 'tokenizer.json'), false);
  if (tokenizerJson) {
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (err) {
      throw new AiError(
        'model_load_failed',
        `${path.join(dir, 'tokenizer.json')} is not a tokenizer this runtime can load: ${(err as Error).message}`,
      );
    }
  } else {
    const vocabFile = path.join(dir, 'vocab.json');
    const mergesFile = path.join(dir, 'merges.txt');
    const missing = [vocabFile, mergesFile].filter((f) => !existsSync(f));
    if (missing.length)
      throw new AiError(
        'model_load_failed',
        `${dir} has no tokenizer.json and lacks ${missing.map((f) => path.basename(f)).join(' and ')}`,
      );
    const vocab = (await readJson(vocabFile, true))!;
    const badEntry = Object.entries(vocab).find(([, v]) => !Number.isInteger(v));
    if (badEntry) throw new AiError('model_load_failed', `${vocabFile}: the id of ${JSON.stringify(badEntry[0])} is not an integer`);
    for (const [token, id] of Object.entries(vocab)) ids.set(token, id as number);
    const merges = parseMerges(await fs.readFile(mergesFile, 'utf8'), mergesFile);
    for (const token of [bos, eos, unk]) {
      if (!ids.has(token)) throw new AiError('model_load_failed', `${vocabFile} has no id for the special token ${token}`);
    }
    tokenizer = new Tokenizer(clipTokenizerJson(vocab as Record<string, number>, merges, { bos, eos, unk }, ids), config);
  }

  const idOf = (token: string, role: string): number => {
    const id = tokenizer.token_to_id(token) ?? ids.get(token);
    if (id === undefined)
      throw new AiError('model_load_failed', `${dir}: the ${role} token ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  };
  const bosId = idOf(bos, 'bos');
  const eosId = idOf(eos, 'eos');
  const padId = idOf(pad, 'pad');

  const tokenize = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
  return {
    bosId,
    eosId,
    padId,
    maxLength,
    tokenize,
    encode(text: string): EncodedPrompt {
      const tokens = tokenize(text);
      const kept = tokens.slice(0, maxLength - 2);
      const ids = [bosId, ...kept, eosId];
      const length = ids.length;
      while (ids.length < maxLength) ids.push(padId);
      return { ids, length, truncated: kept.length < tokens.length };
    },
    decode: (list: number[]) => tokenizer.decode(list, { skip_special_tokens: true }),
  };
}
