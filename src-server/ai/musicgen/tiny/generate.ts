import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { attr, onnxDataType } from '../../onnx/writer';
import { TinyNet, Weights } from '../../onnx/tiny-net';
import { addedToken } from '../../tokenizer-json';

// A tiny random-weight MusicGen in the layout, tensor names and element types of the Hugging Face /
// Xenova ONNX export (Xenova/musicgen-small), so the real pipeline runs on it unchanged in tests:
// config.json, generation_config.json, a real T5-style Unigram tokenizer.json, and onnx/ with
// text_encoder (embedding + projection), decoder_model_merged (summed codebook embeddings,
// sinusoidal positions offset by the past length, causal self-attention over past + new keys,
// cross-attention over the encoder keys, one LM head per codebook; present = concat(past, new)),
// encodec_decode (codebook embeddings → a frame of samples) and, when asked, encodec_encode (a
// frame of samples → the argmax code per codebook) and a melody decoder with a chroma input.
//
// CLI: npx tsx src-server/ai/musicgen/tiny/generate.ts <out-dir> [--fp16] [--encoder] [--melody] [--seed N]

export interface TinyMusicgenOptions {
  /** Also writes *_fp16.onnx: float16 weights, inputs and outputs (cast up inside). */
  fp16?: boolean;
  /** Writes onnx/encodec_encode.onnx, so a take can be an audio prompt. */
  encoder?: boolean;
  /** A musicgen-melody: config says so and the decoder takes input_features [batch, chroma frames, 12]. */
  melody?: boolean;
  seed?: number;
  /** Default 4, as musicgen-small. */
  codebooks?: number;
  /** Codebook size (default 32; the real one is 2048). The pad/start id is this value, as in MusicGen. */
  vocab?: number;
}

const TEXT_WIDTH = 8;
const HIDDEN = 16;
const HEADS = 2;
const LAYERS = 2;
const CODEC_WIDTH = 8;
const SAMPLING_RATE = 32_000;
/** EnCodec 32 kHz's upsampling ratios: 640 samples per frame, 50 frames a second. */
const UPSAMPLING = [8, 5, 4, 4];
const HOP = UPSAMPLING.reduce((a, b) => a * b, 1);
const CHROMA_FRAMES = 235;

/** The T5-style tokenizer: Unigram over "▁"-prefixed pieces, </s> appended, as t5-base's tokenizer.json is laid out. */
function tokenizerJson(): { json: object; vocabSize: number } {
  const words = [
    'pop',
    'rock',
    'jazz',
    'piano',
    'guitar',
    'drums',
    'sad',
    'happy',
    'calm',
    'upbeat',
    'with',
    'and',
    'a',
    'the',
    'song',
    'music',
    'lo',
    'fi',
    'beat',
  ];
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const pieces: [string, number][] = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁', -2],
    ...words.map((w): [string, number] => [`▁${w}`, -3]),
    ...letters.map((c): [string, number] => [c, -5]),
    ...letters.map((c): [string, number] => [`▁${c}`, -6]),
    ...['.', ',', '-', '!', '?', "'"].map((c): [string, number] => [c, -7]),
  ];
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(0, '<pad>'), addedToken(1, '</s>'), addedToken(2, '<unk>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
  return { json, vocabSize: pieces.length };
}

/** One graph of the tiny MusicGen; fp16 models cast up inside (see TinyNet). */
class Net extends TinyNet {
  linear(x: string, name: string, cin: number, cout: number, gain = 1): string {
    const w = this.random(`${name}.weight`, [cin, cout], gain / Math.sqrt(cin));
    return this.g.op('MatMul', [x, w]);
  }

  layerNorm(x: string, name: string, width: number): string {
    const scale = this.param(`${name}.weight`, [width], new Float32Array(width).fill(1));
    const bias = this.param(`${name}.bias`, [width], new Float32Array(width));
    return this.g.op('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  }

  /** Dimension `axis` of `x`'s shape as a 1-element int64 vector. */
  dim(x: string, axis: number): string {
    return this.g.op('Slice', [this.g.op('Shape', [x]), this.g.int64s('start', [axis]), this.g.int64s('end', [axis + 1])]);
  }

  /** [B, S, H·D] → [B, H, S, D]. */
  heads(x: string, heads: number, headDim: number): string {
    const shaped = this.g.op('Reshape', [x, this.g.int64s('shape', [0, 0, heads, headDim])]);
    return this.g.op('Transpose', [shaped], { perm: attr.ints([0, 2, 1, 3]) });
  }

  /** softmax(q kᵀ / √d + bias) v, then [B, S, H·D]. */
  attend(q: string, k: string, v: string, bias: string, headDim: number): string {
    const g = this.g;
    const scores = g.op('Mul', [
      g.op('MatMul', [q, g.op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) })]),
      g.scalar('scale', 'float32', 1 / Math.sqrt(headDim)),
    ]);
    const probs = g.op('Softmax', [g.op('Add', [scores, bias])], { axis: attr.int(-1) });
    const out = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: attr.ints([0, 2, 1, 3]) });
    return g.op('Reshape', [out, g.int64s('shape', [0, 0, -1])]);
  }
}

async function writeTextEncoder(file: string, net: Net, vocabSize: number): Promise<void> {
  const { g } = net;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'encoder_sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  const emb = g.op('Gather', [net.random('shared.weight', [vocabSize, TEXT_WIDTH], 1), ids]);
  const h = g.op('Tanh', [net.linear(emb, 'encoder.proj', TEXT_WIDTH, TEXT_WIDTH, 1.5)]);
  const masked = g.op('Mul', [
    h,
    g.op('Unsqueeze', [g.op('Cast', [mask], { to: attr.int(onnxDataType('float32')) }), g.int64s('axes', [2])]),
  ]);
  net.floatOutput(masked, 'last_hidden_state', ['batch_size', 'encoder_sequence_length', TEXT_WIDTH]);
  await net.g.write(file);
}

async function writeDecoder(file: string, net: Net, o: { K: number; V: number; melody: boolean }): Promise<void> {
  const { g } = net;
  const { K, V } = o;
  const headDim = HIDDEN / HEADS;
  const ids = g.input('input_ids', 'int64', ['batch_size_x_num_codebooks', 'decoder_sequence_length']);
  const encIn = net.floatInput('encoder_hidden_states', ['batch_size', 'encoder_sequence_length', TEXT_WIDTH]);
  const encMask = g.input('encoder_attention_mask', 'int64', ['batch_size', 'encoder_sequence_length']);
  // Each past input's float32 view, by input name.
  const past = new Map<string, string>();
  for (let l = 0; l < LAYERS; l++) {
    for (const kind of ['decoder', 'encoder']) {
      for (const kv of ['key', 'value']) {
        const name = `past_key_values.${l}.${kind}.${kv}`;
        past.set(
          name,
          net.floatInput(name, [
            'batch_size',
            HEADS,
            kind === 'decoder' ? 'past_decoder_sequence_length' : 'encoder_sequence_length_out',
            headDim,
          ]),
        );
      }
    }
  }
  g.input('use_cache_branch', 'bool', [1]);
  const chroma = o.melody ? net.floatInput('input_features', ['batch_size', 'chroma_length', 12]) : null;

  // Tokens: [B·K, S] → [B, K, S], codebook k's ids offset into one table, embeddings summed over codebooks.
  const seq = net.dim(ids, 1);
  const shaped = g.op('Reshape', [ids, g.op('Concat', [g.int64s('m1', [-1]), g.int64s('k', [K]), seq], { axis: attr.int(0) })]);
  const offsets = g.initializer(
    g.fresh('codebook_offsets'),
    'int64',
    [1, K, 1],
    Array.from({ length: K }, (_, k) => BigInt(k * (V + 1))),
  );
  const emb = g.op('Gather', [net.random('decoder.embed_tokens.weight', [K * (V + 1), HIDDEN], 1), g.op('Add', [shaped, offsets])]);
  let x = g.op('ReduceSum', [emb, g.int64s('axes', [1])], { keepdims: attr.int(0) });

  // Positions continue after the cached ones: the decoder's past really sets where it is.
  const pastLen = net.dim(past.get('past_key_values.0.decoder.key')!, 2);
  const pastScalar = g.op('Squeeze', [pastLen, g.int64s('axes', [0])]);
  const seqScalar = g.op('Squeeze', [seq, g.int64s('axes', [0])]);
  const qpos = g.op('Range', [pastScalar, g.op('Add', [pastScalar, seqScalar]), g.scalar('one', 'int64', 1)]);
  const freqs = Float32Array.from({ length: HIDDEN / 2 }, (_, i) => Math.exp((-Math.log(10000) * i) / (HIDDEN / 2)));
  const args = g.op('Mul', [
    g.op('Unsqueeze', [g.op('Cast', [qpos], { to: attr.int(onnxDataType('float32')) }), g.int64s('axes', [1])]),
    g.initializer(g.fresh('freqs'), 'float32', [1, HIDDEN / 2], freqs),
  ]);
  x = g.op('Add', [x, g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: attr.int(-1) })]);

  // Causal bias over past + new keys: a key after the query's position is masked.
  const total = g.op('Add', [pastScalar, seqScalar]);
  const kpos = g.op('Range', [g.scalar('zero', 'int64', 0), total, g.scalar('one', 'int64', 1)]);
  const future = g.op('Greater', [g.op('Unsqueeze', [kpos, g.int64s('axes', [0])]), g.op('Unsqueeze', [qpos, g.int64s('axes', [1])])]);
  const causal = g.op('Where', [future, g.scalar('neg', 'float32', -1e9), g.scalar('zero_f', 'float32', 0)]);

  // Encoder states projected to the decoder's width (enc_to_dec_proj); a melody model puts the projected chroma first.
  let enc = net.linear(encIn, 'enc_to_dec_proj', TEXT_WIDTH, HIDDEN);
  let maskF = g.op('Cast', [encMask], { to: attr.int(onnxDataType('float32')) });
  if (chroma) {
    enc = g.op('Concat', [net.linear(chroma, 'audio_enc_to_dec_proj', 12, HIDDEN, 2), enc], { axis: attr.int(1) });
    const ones = g.op('Add', [
      g.op('Mul', [g.op('ReduceSum', [chroma, g.int64s('axes', [2])], { keepdims: attr.int(0) }), g.scalar('zero_c', 'float32', 0)]),
      g.scalar('one_c', 'float32', 1),
    ]);
    maskF = g.op('Concat', [ones, maskF], { axis: attr.int(1) });
  }
  const crossBias = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Sub', [g.scalar('one_m', 'float32', 1), maskF]), g.scalar('neg_m', 'float32', -1e9)]),
    g.int64s('axes', [1, 2]),
  ]);
  const encLen = net.dim(enc, 1);

  for (let l = 0; l < LAYERS; l++) {
    const p = `decoder.layers.${l}`;
    const h = net.layerNorm(x, `${p}.self_attn_layer_norm`, HIDDEN);
    const q = net.heads(net.linear(h, `${p}.self_attn.q_proj`, HIDDEN, HIDDEN), HEADS, headDim);
    const kNew = net.heads(net.linear(h, `${p}.self_attn.k_proj`, HIDDEN, HIDDEN), HEADS, headDim);
    const vNew = net.heads(net.linear(h, `${p}.self_attn.v_proj`, HIDDEN, HIDDEN), HEADS, headDim);
    const k = g.op('Concat', [past.get(`past_key_values.${l}.decoder.key`)!, kNew], { axis: attr.int(2) });
    const v = g.op('Concat', [past.get(`past_key_values.${l}.decoder.value`)!, vNew], { axis: attr.int(2) });
    net.floatOutput(k, `present.${l}.decoder.key`, ['batch_size', HEADS, 'present_decoder_sequence_length', headDim]);
    net.floatOutput(v, `present.${l}.decoder.value`, ['batch_size', HEADS, 'present_decoder_sequence_length', headDim]);
    x = g.op('Add', [x, net.linear(net.attend(q, k, v, causal, headDim), `${p}.self_attn.out_proj`, HIDDEN, HIDDEN)]);

    // Cross-attention keys: the cached ones when given (the first rows of past ++ computed), else the computed ones.
    const hc = net.layerNorm(x, `${p}.encoder_attn_layer_norm`, HIDDEN);
    const qc = net.heads(net.linear(hc, `${p}.encoder_attn.q_proj`, HIDDEN, HIDDEN), HEADS, headDim);
    const cross = (kv: 'key' | 'value', proj: string) => {
      const computed = net.heads(net.linear(enc, `${p}.encoder_attn.${proj}`, HIDDEN, HIDDEN), HEADS, headDim);
      const joined = g.op('Concat', [past.get(`past_key_values.${l}.encoder.${kv}`)!, computed], { axis: attr.int(2) });
      const used = g.op('Slice', [joined, g.int64s('start', [0]), encLen, g.int64s('axis', [2])]);
      net.floatOutput(used, `present.${l}.encoder.${kv}`, ['batch_size', HEADS, 'encoder_sequence_length_out', headDim]);
      return used;
    };
    const kc = cross('key', 'k_proj');
    const vc = cross('value', 'v_proj');
    x = g.op('Add', [x, net.linear(net.attend(qc, kc, vc, crossBias, headDim), `${p}.encoder_attn.out_proj`, HIDDEN, HIDDEN)]);
    x = g.op('Add', [
      x,
      net.linear(
        g.op('Tanh', [net.linear(net.layerNorm(x, `${p}.final_layer_norm`, HIDDEN), `${p}.fc1`, HIDDEN, 2 * HIDDEN)]),
        `${p}.fc2`,
        2 * HIDDEN,
        HIDDEN,
        0.5,
      ),
    ]);
  }
  x = net.layerNorm(x, 'decoder.layer_norm', HIDDEN);
  // One LM head per codebook: [B, 1, S, D] × [K, D, V] → [B, K, S, V] → [B·K, S, V].
  const heads = net.random('lm_heads.weight', [K, HIDDEN, V], 2 / Math.sqrt(HIDDEN));
  const logits = g.op('MatMul', [g.op('Unsqueeze', [x, g.int64s('axes', [1])]), heads]);
  const flat = g.op('Concat', [g.int64s('m1', [-1]), seq, g.int64s('v', [V])], { axis: attr.int(0) });
  net.floatOutput(g.op('Reshape', [logits, flat]), 'logits', ['batch_size_x_num_codebooks', 'decoder_sequence_length', V]);
  await g.write(file);
}

async function writeCodecDecoder(file: string, net: Net, o: { K: number; V: number }): Promise<void> {
  const { g } = net;
  const codes = g.input('audio_codes', 'int64', [1, 'batch_size', o.K, 'frames']);
  const offsets = g.initializer(
    g.fresh('codebook_offsets'),
    'int64',
    [1, 1, o.K, 1],
    Array.from({ length: o.K }, (_, k) => BigInt(k * o.V)),
  );
  const emb = g.op('Gather', [net.random('quantizer.embed', [o.K * o.V, CODEC_WIDTH], 1), g.op('Add', [codes, offsets])]);
  const summed = g.op('ReduceSum', [emb, g.int64s('axes', [2])], { keepdims: attr.int(0) });
  const frames = g.op('Tanh', [net.linear(summed, 'decoder.frame', CODEC_WIDTH, HOP, 0.6)]);
  const audio = g.op('Reshape', [g.op('Squeeze', [frames, g.int64s('axes', [0])]), g.int64s('shape', [0, 1, -1])]);
  net.floatOutput(audio, 'audio_values', ['batch_size', 1, 'sequence_length']);
  await g.write(file);
}

async function writeCodecEncoder(file: string, net: Net, o: { K: number; V: number }): Promise<void> {
  const { g } = net;
  const x = net.floatInput('input_values', ['batch_size', 1, 'sequence_length']);
  const frames = g.op('Reshape', [x, g.int64s('shape', [0, -1, HOP])]);
  const scores = g.op('Reshape', [net.linear(frames, 'encoder.frame', HOP, o.K * o.V), g.int64s('shape', [0, 0, o.K, o.V])]);
  const best = g.op('ArgMax', [scores], { axis: attr.int(3), keepdims: attr.int(0) });
  const codes = g.op('Unsqueeze', [g.op('Transpose', [best], { perm: attr.ints([0, 2, 1]) }), g.int64s('axes', [0])]);
  g.node('Identity', [codes], ['audio_codes']);
  g.output('audio_codes', 'int64', [1, 'batch_size', o.K, 'frames']);
  await g.write(file);
}

/** Writes the model folder `dir` (created if needed). */
export async function writeTinyMusicgen(dir: string, options: TinyMusicgenOptions = {}): Promise<void> {
  const K = options.codebooks ?? 4;
  const V = options.vocab ?? 32;
  const seed = options.seed ?? 1;
  const tokenizer = tokenizerJson();
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const put = (file: string, value: object) => fs.writeFileSync(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
  put('config.json', {
    model_type: options.melody ? 'musicgen_melody' : 'musicgen',
    architectures: [options.melody ? 'MusicgenMelodyForConditionalGeneration' : 'MusicgenForConditionalGeneration'],
    decoder: {
      model_type: options.melody ? 'musicgen_melody_decoder' : 'musicgen_decoder',
      num_codebooks: K,
      vocab_size: V,
      num_hidden_layers: LAYERS,
      num_attention_heads: HEADS,
      hidden_size: HIDDEN,
      pad_token_id: V,
      bos_token_id: V,
    },
    text_encoder: { model_type: 't5', d_model: TEXT_WIDTH, vocab_size: tokenizer.vocabSize },
    audio_encoder: { model_type: 'encodec', sampling_rate: SAMPLING_RATE, upsampling_ratios: UPSAMPLING, audio_channels: 1 },
  });
  put('generation_config.json', {
    guidance_scale: 3,
    top_k: 250,
    do_sample: true,
    max_length: 1500,
    pad_token_id: V,
    decoder_start_token_id: V,
    bos_token_id: V,
  });
  put('tokenizer.json', tokenizer.json);
  put('tokenizer_config.json', {
    tokenizer_class: 'T5Tokenizer',
    model_max_length: 512,
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
  });
  if (options.melody)
    put('preprocessor_config.json', {
      feature_extractor_type: 'MusicgenMelodyFeatureExtractor',
      n_fft: 16384,
      hop_length: 4096,
      chroma_length: CHROMA_FRAMES,
      sampling_rate: SAMPLING_RATE,
      feature_size: 12,
    });
  for (const float of options.fp16 ? (['float32', 'float16'] as const) : (['float32'] as const)) {
    const suffix = float === 'float16' ? '_fp16' : '';
    // The same seed per component in both variants: the fp16 model is the fp32 one rounded.
    await writeTextEncoder(
      path.join(dir, 'onnx', `text_encoder${suffix}.onnx`),
      new Net('text_encoder', float, new Weights(seed)),
      tokenizer.vocabSize,
    );
    await writeDecoder(
      path.join(dir, 'onnx', `decoder_model_merged${suffix}.onnx`),
      new Net('decoder_model_merged', float, new Weights(seed + 1)),
      { K, V, melody: options.melody ?? false },
    );
    await writeCodecDecoder(
      path.join(dir, 'onnx', `encodec_decode${suffix}.onnx`),
      new Net('encodec_decode', float, new Weights(seed + 2)),
      { K, V },
    );
    if (options.encoder)
      await writeCodecEncoder(
        path.join(dir, 'onnx', `encodec_encode${suffix}.onnx`),
        new Net('encodec_encode', float, new Weights(seed + 3)),
        { K, V },
      );
  }
}

async function cli(args: string[]): Promise<void> {
  const out = args.find((a) => !a.startsWith('--'));
  if (!out) throw new Error('usage: generate.ts <out-dir> [--fp16] [--encoder] [--melody] [--seed N]');
  const seedAt = args.indexOf('--seed');
  await writeTinyMusicgen(path.resolve(out), {
    fp16: args.includes('--fp16'),
    encoder: args.includes('--encoder'),
    melody: args.includes('--melody'),
    seed: seedAt >= 0 ? Number(args[seedAt + 1]) : 1,
  });
  console.log(`tiny MusicGen written to ${path.resolve(out)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
