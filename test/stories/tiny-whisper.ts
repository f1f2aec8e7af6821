import fs from 'node:fs';
import path from 'node:path';
import { byteLevelBpe } from '../../src-server/ai/tokenizer-json';
import { attr, OnnxGraph, onnxDataType } from '../../src-server/ai/onnx/writer';

/**
 * A tiny Whisper in the transformers.js layout (config, generation and preprocessor configs, a
 * byte-level tokenizer with Whisper's special tokens, `onnx/encoder_model.onnx` and
 * `onnx/decoder_model_merged.onnx` with the real tensor names and key/value caches). The encoder
 * averages the log-mel features; the decoder says `heard` when they hold any sound and nothing for
 * silence, one token per step (its cache counts the steps), so the code that runs whisper-small
 * runs this too.
 */

const SPECIALS = ['<|endoftext|>', '<|startoftranscript|>', '<|en|>', '<|ko|>', '<|translate|>', '<|transcribe|>', '<|notimestamps|>'];
const id = (token: string) => 256 + SPECIALS.indexOf(token);
const EOT = id('<|endoftext|>');
const VOCAB = 256 + SPECIALS.length;
const D = 4;

export async function writeTinyWhisper(dir: string, heard: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const json = (name: string, value: object) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  json('tokenizer.json', byteLevelBpe(SPECIALS, { trimOffsets: true, decoderPrefixSpace: true, affix: '' }));
  json('tokenizer_config.json', {
    tokenizer_class: 'WhisperTokenizer',
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    model_max_length: 1024,
    clean_up_tokenization_spaces: true,
  });
  json('config.json', {
    model_type: 'whisper',
    architectures: ['WhisperForConditionalGeneration'],
    is_encoder_decoder: true,
    d_model: D,
    encoder_layers: 1,
    encoder_attention_heads: 1,
    decoder_layers: 1,
    decoder_attention_heads: 1,
    num_mel_bins: 80,
    vocab_size: VOCAB,
    max_source_positions: 1500,
    max_target_positions: 448,
    decoder_start_token_id: id('<|startoftranscript|>'),
    eos_token_id: EOT,
    bos_token_id: EOT,
    pad_token_id: EOT,
  });
  json('generation_config.json', {
    decoder_start_token_id: id('<|startoftranscript|>'),
    eos_token_id: EOT,
    pad_token_id: EOT,
    bos_token_id: EOT,
    is_multilingual: true,
    lang_to_id: { '<|en|>': id('<|en|>'), '<|ko|>': id('<|ko|>') },
    task_to_id: { translate: id('<|translate|>'), transcribe: id('<|transcribe|>') },
    no_timestamps_token_id: id('<|notimestamps|>'),
    max_length: 448,
  });
  json('preprocessor_config.json', {
    feature_extractor_type: 'WhisperFeatureExtractor',
    feature_size: 80,
    hop_length: 160,
    n_fft: 400,
    n_samples: 480000,
    nb_max_frames: 3000,
    chunk_length: 30,
    padding_side: 'right',
    padding_value: 0.0,
    return_attention_mask: false,
    sampling_rate: 16000,
    processor_class: 'WhisperProcessor',
  });

  // Encoder: every position carries the mean of all features (silence normalises to exactly -1.5).
  {
    const g = new OnnxGraph('tiny-whisper-encoder');
    const features = g.input('input_features', 'float32', ['batch', 80, 3000]);
    const mean = g.op('ReduceMean', [features], { axes: attr.ints([1, 2]), keepdims: attr.int(1) });
    const shape = g.op(
      'Concat',
      [g.op('Slice', [g.op('Shape', [features]), g.int64s('s', [0]), g.int64s('e', [1])]), g.int64s('rest', [1500, D])],
      {
        axis: attr.int(0),
      },
    );
    g.node('Expand', [mean, shape], ['last_hidden_state']);
    g.output('last_hidden_state', 'float32', ['batch', 1500, D]);
    await g.write(path.join(dir, 'onnx', 'encoder_model.onnx'), { opsets: { '': 17 } });
  }

  // Decoder (merged): step k of the reply, row 0 of the table for silence, row 1 for sound.
  {
    const said = [...Buffer.from(heard, 'utf8'), EOT];
    const steps = said.length;
    const table = new Float32Array(2 * steps * VOCAB);
    for (let k = 0; k < steps; k++) {
      table[(0 * steps + k) * VOCAB + EOT] = 100;
      table[(1 * steps + k) * VOCAB + said[k]!] = 100;
    }
    const g = new OnnxGraph('tiny-whisper-decoder');
    const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
    const enc = g.input('encoder_hidden_states', 'float32', ['batch', 1500, D]);
    const pastK = g.input('past_key_values.0.decoder.key', 'float32', ['batch', 1, 'past', D]);
    const pastV = g.input('past_key_values.0.decoder.value', 'float32', ['batch', 1, 'past', D]);
    g.input('past_key_values.0.encoder.key', 'float32', ['batch', 1, 'enc_past', D]);
    g.input('past_key_values.0.encoder.value', 'float32', ['batch', 1, 'enc_past', D]);
    g.input('use_cache_branch', 'bool', [1]);
    const shape = g.op('Shape', [ids]);
    const batch = g.op('Slice', [shape, g.int64s('s0', [0]), g.int64s('e0', [1])]);
    const seq = g.op('Slice', [shape, g.int64s('s1', [1]), g.int64s('e1', [2])]);
    const generated = g.op('Cast', [g.op('Equal', [seq, g.int64s('one', [1])])], { to: attr.int(onnxDataType('float32')) });
    const rowShape = g.op('Concat', [batch, g.int64s('heads', [1]), seq, g.int64s('dim', [D])], { axis: attr.int(0) });
    const rows = g.op('Expand', [g.op('Reshape', [generated, g.int64s('scalar', [])]), rowShape]);
    g.node('Concat', [pastK, rows], ['present.0.decoder.key'], { axis: attr.int(2) });
    g.node('Concat', [pastV, rows], ['present.0.decoder.value'], { axis: attr.int(2) });
    const encKv = g.op('Unsqueeze', [enc, g.int64s('ax', [1])]);
    g.node('Identity', [encKv], ['present.0.encoder.key']);
    g.node('Identity', [encKv], ['present.0.encoder.value']);
    const before = g.op('Div', [g.op('ReduceSum', [pastK], { keepdims: attr.int(0) }), g.scalar('d', 'float32', D)]);
    const step = g.op('Cast', [g.op('Add', [before, g.op('Reshape', [generated, g.int64s('scalar2', [])])])], {
      to: attr.int(onnxDataType('int64')),
    });
    const clamped = g.op('Min', [step, g.scalar('last', 'int64', steps - 1)]);
    const loud = g.op(
      'Cast',
      [g.op('Greater', [g.op('ReduceMean', [enc], { keepdims: attr.int(0) }), g.scalar('quiet', 'float32', -1.45)])],
      {
        to: attr.int(onnxDataType('int64')),
      },
    );
    const weights = g.initializer('head', 'float32', [2 * steps, VOCAB], table);
    const row = g.op('Gather', [weights, g.op('Add', [g.op('Mul', [loud, g.scalar('n', 'int64', steps)]), clamped])], {
      axis: attr.int(0),
    });
    const logitsShape = g.op('Concat', [batch, seq, g.int64s('vocab', [VOCAB])], { axis: attr.int(0) });
    g.node('Expand', [row, logitsShape], ['logits']);
    g.output('logits', 'float32', ['batch', 'seq', VOCAB]);
    g.output('present.0.decoder.key', 'float32', ['batch', 1, 'total', D]);
    g.output('present.0.decoder.value', 'float32', ['batch', 1, 'total', D]);
    g.output('present.0.encoder.key', 'float32', ['batch', 1, 1500, D]);
    g.output('present.0.encoder.value', 'float32', ['batch', 1, 1500, D]);
    await g.write(path.join(dir, 'onnx', 'decoder_model_merged.onnx'), { opsets: { '': 17 } });
  }
}
