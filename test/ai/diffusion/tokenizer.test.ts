import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClipTokenizer } from '../../../src-server/ai/diffusion/tokenizer';
import { isAiError } from '../../../src-server/ai/protocol';

// A tiny CLIP vocabulary in the layout of HF's ONNX SD exports. Expected ids are worked out by
// hand from CLIP's algorithm: lowercase, collapse whitespace, split into letter runs / single
// digits / punctuation runs, mark each word's last symbol with </w>, apply merges by rank.
const VOCAB: Record<string, number> = {
  '!': 0,
  ',': 1,
  '.': 2,
  a: 3,
  b: 4,
  c: 5,
  t: 6,
  '!</w>': 7,
  ',</w>': 8,
  '.</w>': 9,
  'a</w>': 10,
  'b</w>': 11,
  'c</w>': 12,
  't</w>': 13,
  ca: 14,
  'cat</w>': 15,
  'cab</w>': 16,
  '1</w>': 17,
  '2</w>': 18,
  '<|startoftext|>': 19,
  '<|endoftext|>': 20,
};
const MERGES = ['#version: 0.2', 'c a', 'ca t</w>', 'ca b</w>', ''].join('\n');
const BOS = 19;
const EOS = 20;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-clip-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, unknown>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files))
    fs.writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const special = (pad: string) => ({
  bos_token: { content: '<|startoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
  eos_token: { content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
  pad_token: pad,
  unk_token: { content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
});
const tokenizerConfig = {
  do_lower_case: true,
  model_max_length: 77,
  tokenizer_class: 'CLIPTokenizer',
  errors: 'replace',
  add_prefix_space: false,
};

/** SD 1.x's tokenizer/: pads with <|endoftext|>. */
const sd1 = folder('tokenizer', {
  'vocab.json': VOCAB,
  'merges.txt': MERGES,
  'special_tokens_map.json': special('<|endoftext|>'),
  'tokenizer_config.json': tokenizerConfig,
});
/** SDXL's tokenizer_2/ (OpenCLIP bigG): pads with "!". */
const sdxl2 = folder('tokenizer_2', {
  'vocab.json': VOCAB,
  'merges.txt': MERGES,
  'special_tokens_map.json': special('!'),
  'tokenizer_config.json': { ...tokenizerConfig, pad_token: '!' },
});

describe('CLIP tokenizer from vocab.json + merges.txt', () => {
  it('lowercases, cleans whitespace and applies merges with the </w> word end', async () => {
    const tok = await loadClipTokenizer(sd1);
    expect([tok.bosId, tok.eosId, tok.padId, tok.maxLength]).toEqual([BOS, EOS, EOS, 77]);
    // a | cat | , | a | cab | .   ("cat": c a t</w> → ca t</w> → cat</w>)
    expect(tok.tokenize('  A \n Cat,\ta   CAB.')).toEqual([10, 15, 8, 10, 16, 9]);
    // No merge applies inside "tact"; only its last symbol carries </w>. Digits split one by one.
    expect(tok.tokenize('tact 12')).toEqual([6, 3, 5, 13, 17, 18]);
    expect(tok.tokenize('bat!!')).toEqual([4, 3, 13, 0, 7]); // "bat", then the punctuation run "!!": ! !</w>
  });

  it('wraps the prompt in BOS/EOS and pads to 77 with EOS', async () => {
    const tok = await loadClipTokenizer(sd1);
    const { ids, length, truncated } = tok.encode('a cat');
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 4)).toEqual([BOS, 10, 15, EOS]);
    expect(ids.slice(4).every((id) => id === EOS)).toBe(true);
    expect(length).toBe(4);
    expect(truncated).toBe(false);
    expect(tok.decode(ids)).toBe('a cat');
  });

  it('truncates to 75 prompt tokens and still ends with EOS', async () => {
    const tok = await loadClipTokenizer(sd1);
    const { ids, length, truncated } = tok.encode('a '.repeat(100));
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(BOS);
    expect(ids.slice(1, 76).every((id) => id === 10)).toBe(true);
    expect(ids[76]).toBe(EOS);
    expect(length).toBe(77);
    expect(truncated).toBe(true);
    expect(tok.encode('').ids.slice(0, 3)).toEqual([BOS, EOS, EOS]);
  });

  it("pads SDXL's second tokenizer with the pad token its files name", async () => {
    const tok = await loadClipTokenizer(sdxl2);
    expect(tok.padId).toBe(0);
    const { ids } = tok.encode('a cab');
    expect(ids.slice(0, 5)).toEqual([BOS, 10, 16, EOS, 0]);
    expect(ids.slice(4).every((id) => id === 0)).toBe(true);
  });

  it('reads the special ids from the files rather than assuming 49406/49407', async () => {
    const shifted = Object.fromEntries(Object.entries(VOCAB).map(([k, v]) => [k, v + 100]));
    const tok = await loadClipTokenizer(
      folder('shifted', { 'vocab.json': shifted, 'merges.txt': MERGES, 'special_tokens_map.json': special('<|endoftext|>') }),
    );
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([BOS + 100, EOS + 100, EOS + 100]);
    expect(tok.encode('cat').ids.slice(0, 3)).toEqual([BOS + 100, 115, EOS + 100]);
  });
});

describe('CLIP tokenizer from tokenizer.json', () => {
  it('uses tokenizer.json when present', async () => {
    // The same tokenizer in the fast format, but without lowercasing: "CAT" then falls apart into unknown symbols.
    const json = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        { id: BOS, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
        { id: EOS, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      ],
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }] },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          {
            type: 'Split',
            pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
            behavior: 'Removed',
            invert: true,
          },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: {
        type: 'RobertaProcessing',
        sep: ['<|endoftext|>', EOS],
        cls: ['<|startoftext|>', BOS],
        trim_offsets: false,
        add_prefix_space: false,
      },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<|endoftext|>',
        continuing_subword_prefix: '',
        end_of_word_suffix: '</w>',
        fuse_unk: false,
        byte_fallback: false,
        vocab: VOCAB,
        merges: ['c a', 'ca t</w>', 'ca b</w>'],
      },
    };
    const tok = await loadClipTokenizer(
      folder('fast', {
        'tokenizer.json': json,
        'special_tokens_map.json': special('<|endoftext|>'),
        'tokenizer_config.json': tokenizerConfig,
      }),
    );
    expect(tok.encode('a cat').ids.slice(0, 5)).toEqual([BOS, 10, 15, EOS, EOS]);
    expect(tok.tokenize('CAT')).toEqual([EOS, EOS, EOS]);
  });
});

describe('broken tokenizer folders', () => {
  it('names the missing file', async () => {
    const dir = folder('no-merges', { 'vocab.json': VOCAB });
    const err = await loadClipTokenizer(dir).catch((e: unknown) => e);
    expect(isAiError(err, 'model_load_failed')).toBe(true);
    expect((err as Error).message).toMatch(/lacks merges\.txt/);
  });

  it('names a special token the vocabulary lacks and a file that is not JSON', async () => {
    const { ['<|startoftext|>']: _dropped, ...noBos } = VOCAB;
    await expect(loadClipTokenizer(folder('no-bos', { 'vocab.json': noBos, 'merges.txt': MERGES }))).rejects.toThrow(/<\|startoftext\|>/);
    await expect(loadClipTokenizer(folder('bad-json', { 'vocab.json': '{"a": 1', 'merges.txt': MERGES }))).rejects.toThrow(
      /vocab\.json is not valid JSON/,
    );
  });
});
