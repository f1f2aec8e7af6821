import fs from 'node:fs';
import path from 'node:path';
import { attr, OnnxGraph } from '../../src-server/ai/onnx/writer';
import { addedToken } from '../../src-server/ai/tokenizer-json';
import { Weights } from '../../src-server/ai/onnx/tiny-net';
import { START_SPEECH_TOKEN, STOP_SPEECH_TOKEN } from '../../src-server/ai/pipelines/chatterbox';

/**
 * A tiny Chatterbox Multilingual in the onnx-community layout (`onnx/speech_encoder.onnx`,
 * `embed_tokens.onnx`, `language_model.onnx`, `conditional_decoder.onnx`, `tokenizer.json`) with
 * the real tensor names, so the pipeline that runs the real model runs this too. Each graph does a
 * small version of its job: the encoder turns the reference audio's level into conditioning, a
 * speaker vector and features; the language model attends over its KV cache (what it has seen
 * changes what it says) and says the stop token once the speech position passes `stopAfter`; the
 * decoder turns each speech token into a frame of samples, shifted by the speaker.
 */

export const TINY_CHATTERBOX = {
  hidden: 8,
  heads: 2,
  headDim: 4,
  layers: 2,
  conditioningLength: 3,
  referenceTokens: [11n, 22n, 33n, 44n],
  /** Speech tokens the language model says before its stop token (about). */
  stopAfter: 12,
  samplesPerToken: 96,
} as const;

const VOCAB = STOP_SPEECH_TOKEN + 2;
const POSITIONS = 1100;

/** Special tokens, then printable ASCII and the Hangul jamo NFKD turns syllables into: one token per character. */
function vocabulary(): Record<string, number> {
  const vocab: Record<string, number> = { '[STOP]': 0, '[UNK]': 1, '[START]': 2, '[en]': 3, '[ko]': 4 };
  let next = 5;
  for (let c = 32; c < 127; c++) vocab[String.fromCharCode(c)] ??= next++;
  for (let c = 0x1100; c < 0x1200; c++) vocab[String.fromCharCode(c)] = next++;
  return vocab;
}

export async function writeTinyChatterbox(dir: string, seed = 5): Promise<void> {
  const onnx = path.join(dir, 'onnx');
  fs.mkdirSync(onnx, { recursive: true });
  const t = TINY_CHATTERBOX;
  const H = t.hidden;
  const vocab = vocabulary();
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      added_tokens: ['[STOP]', '[UNK]', '[START]', '[en]', '[ko]'].map((c) => addedToken(vocab[c]!, c)),
      normalizer: null,
      pre_tokenizer: { type: 'Split', pattern: { Regex: '.' }, behavior: 'Isolated', invert: false },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
    }),
  );
  const w = new Weights(seed);

  // Level statistics of the reference (mean, mean square) become every output.
  {
    const g = new OnnxGraph('speech_encoder');
    const audio = g.input('audio_values', 'float32', [1, 'samples']);
    const stats = g.op(
      'Concat',
      [
        g.op('ReduceMean', [audio], { axes: attr.ints([1]), keepdims: attr.int(1) }),
        g.op('ReduceMean', [g.op('Mul', [audio, audio])], { axes: attr.ints([1]), keepdims: attr.int(1) }),
      ],
      { axis: attr.int(1) },
    );
    const scaled = g.op('Mul', [stats, g.scalar('gain', 'float32', 20)]);
    const project = (name: string, width: number) =>
      g.op('MatMul', [scaled, g.initializer(name, 'float32', [2, width], w.normal(2 * width, 1))]);
    g.node('Reshape', [project('cond', t.conditioningLength * H), g.int64s('cshape', [1, t.conditioningLength, H])], ['audio_features']);
    g.node('Identity', [g.initializer('prompt', 'int64', [1, t.referenceTokens.length], [...t.referenceTokens])], ['audio_tokens']);
    g.node('Identity', [project('xvec', 192)], ['speaker_embeddings']);
    g.node('Reshape', [project('feat', 4 * 80), g.int64s('fshape', [1, 4, 80])], ['speaker_features']);
    g.output('audio_features', 'float32', [1, t.conditioningLength, H]);
    g.output('audio_tokens', 'int64', [1, t.referenceTokens.length]);
    g.output('speaker_embeddings', 'float32', [1, 192]);
    g.output('speaker_features', 'float32', [1, 4, 80]);
    await g.write(path.join(onnx, 'speech_encoder.onnx'), { opsets: { '': 17 } });
  }

  // Token + position + exaggeration. The last channel carries position / stopAfter and nothing else.
  {
    const g = new OnnxGraph('embed_tokens');
    const ids = g.input('input_ids', 'int64', [1, 'sequence']);
    const positions = g.input('position_ids', 'int64', [1, 'sequence']);
    const exaggeration = g.input('exaggeration', 'float32', [1]);
    const table = w.normal(VOCAB * H, 0.5);
    for (let r = 0; r < VOCAB; r++) table[r * H + H - 1] = 0;
    const posTable = w.normal(POSITIONS * H, 0.1);
    for (let r = 0; r < POSITIONS; r++) posTable[r * H + H - 1] = r / t.stopAfter;
    const tokens = g.op('Gather', [g.initializer('tokens', 'float32', [VOCAB, H], table), ids], { axis: attr.int(0) });
    const place = g.op('Gather', [g.initializer('positions', 'float32', [POSITIONS, H], posTable), positions], { axis: attr.int(0) });
    const mood = Float32Array.from(w.normal(H, 0.2), (v, i) => (i === H - 1 ? 0 : v));
    const expressive = g.op('Mul', [exaggeration, g.initializer('mood', 'float32', [H], mood)]);
    g.node('Add', [g.op('Add', [tokens, place]), expressive], ['inputs_embeds']);
    g.output('inputs_embeds', 'float32', [1, 'sequence', H]);
    await g.write(path.join(onnx, 'embed_tokens.onnx'), { opsets: { '': 17 } });
  }

  // Each layer caches keys and values; the mean of every cached value is added to the input, so the
  // prefix (the voice, the text) and the tokens so far steer what comes next.
  {
    const g = new OnnxGraph('language_model');
    const embeds = g.input('inputs_embeds', 'float32', [1, 'sequence', H]);
    g.input('attention_mask', 'int64', [1, 'total']);
    const noPosition = (values: Float32Array) => {
      for (let i = 0; i < H; i++) values[(H - 1) * H + i] = 0; // the position channel feeds no key or value
      for (let i = 0; i < H; i++) values[i * H + H - 1] = 0; // and no value feeds it
      return values;
    };
    let hidden = embeds;
    for (let layer = 0; layer < t.layers; layer++) {
      for (const kind of ['key', 'value'] as const) {
        const past = g.input(`past_key_values.${layer}.${kind}`, 'float32', [1, t.heads, 'past', t.headDim]);
        const projected = g.op('MatMul', [embeds, g.initializer(`w${kind}${layer}`, 'float32', [H, H], noPosition(w.normal(H * H, 0.6)))]);
        const split = g.op('Transpose', [g.op('Reshape', [projected, g.int64s(`s${kind}${layer}`, [0, 0, t.heads, t.headDim])])], {
          perm: attr.ints([0, 2, 1, 3]),
        });
        g.node('Concat', [past, split], [`present.${layer}.${kind}`], { axis: attr.int(2) });
        g.output(`present.${layer}.${kind}`, 'float32', [1, t.heads, 'total', t.headDim]);
        if (kind === 'value') {
          const mean = g.op('ReduceMean', [`present.${layer}.value`], { axes: attr.ints([2]), keepdims: attr.int(1) });
          const flat = g.op('Reshape', [g.op('Transpose', [mean], { perm: attr.ints([0, 2, 1, 3]) }), g.int64s(`flat${layer}`, [1, 1, H])]);
          hidden = g.op('Add', [hidden, flat]);
        }
      }
    }
    // Speech tokens score at random; the stop token scores 100·(position/stopAfter − 1); the rest never.
    const out = w.normal(H * VOCAB, 0.8);
    const bias = new Float32Array(VOCAB);
    for (let v = START_SPEECH_TOKEN; v < VOCAB; v++) bias[v] = -100;
    for (let i = 0; i < H; i++) for (let v = START_SPEECH_TOKEN; v < VOCAB; v++) out[i * VOCAB + v] = 0;
    for (let v = 0; v < VOCAB; v++) out[(H - 1) * VOCAB + v] = 0;
    out[(H - 1) * VOCAB + STOP_SPEECH_TOKEN] = 100;
    bias[STOP_SPEECH_TOKEN] = -100;
    g.node(
      'Add',
      [g.op('MatMul', [hidden, g.initializer('head', 'float32', [H, VOCAB], out)]), g.initializer('bias', 'float32', [VOCAB], bias)],
      ['logits'],
    );
    g.output('logits', 'float32', [1, 'sequence', VOCAB]);
    await g.write(path.join(onnx, 'language_model.onnx'), { opsets: { '': 17 } });
  }

  // A frame of samples per speech token, lifted by the speaker's mean embedding and features.
  {
    const g = new OnnxGraph('conditional_decoder');
    const tokens = g.input('speech_tokens', 'int64', [1, 'tokens']);
    const xvec = g.input('speaker_embeddings', 'float32', [1, 192]);
    const feats = g.input('speaker_features', 'float32', [1, 'frames', 80]);
    const basis = g.initializer('basis', 'float32', [64, t.samplesPerToken], w.normal(64 * t.samplesPerToken, 0.5));
    const frames = g.op('Gather', [basis, g.op('Mod', [tokens, g.scalar('n', 'int64', 64n)])], { axis: attr.int(0) });
    const speaker = g.op('Add', [
      g.op('ReduceMean', [xvec], { axes: attr.ints([1]), keepdims: attr.int(0) }),
      g.op('ReduceMean', [feats], { axes: attr.ints([1, 2]), keepdims: attr.int(0) }),
    ]);
    const lifted = g.op('Add', [frames, g.op('Reshape', [speaker, g.int64s('one', [1, 1, 1])])]);
    g.node('Tanh', [g.op('Reshape', [lifted, g.int64s('wave', [1, -1])])], ['waveform']);
    g.output('waveform', 'float32', [1, 'samples']);
    await g.write(path.join(onnx, 'conditional_decoder.onnx'), { opsets: { '': 17 } });
  }
}
