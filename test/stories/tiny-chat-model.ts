import fs from 'node:fs';
import path from 'node:path';
import { byteLevelBpe } from '../../src-server/ai/tokenizer-json';
import { attr, OnnxGraph, onnxDataType } from '../../src-server/ai/onnx/writer';

/**
 * A tiny chat model in the transformers.js layout of a Qwen2 model (config.json, tokenizer.json,
 * tokenizer_config.json with a chat template, onnx/model_q4f16.onnx with external data): one layer
 * whose key/value cache counts the tokens it generated, and a "head" that looks the count up in a
 * table, so it says `reply` (then EOS) whatever the prompt. Real models use the same code path.
 */

const SPECIALS = ['<|im_start|>', '<|im_end|>', '<|endoftext|>'];
const IM_END = 257;
const VOCAB = 259;

const CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export async function writeTinyChatModel(dir: string, reply: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const tokenizer = byteLevelBpe(SPECIALS, { trimOffsets: false, decoderPrefixSpace: false, affix: null });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      chat_template: CHAT_TEMPLATE,
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      bos_token: null,
      model_max_length: 32768,
      tokenizer_class: 'Qwen2Tokenizer',
      clean_up_tokenization_spaces: false,
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'qwen2',
      architectures: ['Qwen2ForCausalLM'],
      num_hidden_layers: 1,
      num_attention_heads: 1,
      num_key_value_heads: 1,
      head_dim: 4,
      hidden_size: 4,
      vocab_size: VOCAB,
      eos_token_id: IM_END,
      bos_token_id: null,
      max_position_embeddings: 4096,
      'transformers.js_config': { dtype: 'q4f16', use_external_data_format: { 'model_q4f16.onnx': 1 } },
    }),
  );
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: IM_END, do_sample: false }));

  const target = [...Buffer.from(reply, 'utf8'), IM_END];
  const table = new Float32Array(target.length * VOCAB);
  target.forEach((token, row) => (table[row * VOCAB + token] = 100));

  const g = new OnnxGraph('tiny-chat');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  g.input('attention_mask', 'int64', ['batch', 'total']);
  g.input('position_ids', 'int64', ['batch', 'seq']);
  const pastK = g.input('past_key_values.0.key', 'float32', ['batch', 1, 'past', 4]);
  const pastV = g.input('past_key_values.0.value', 'float32', ['batch', 1, 'past', 4]);
  const shape = g.op('Shape', [ids]);
  const batch = g.op('Slice', [shape, g.int64s('s0', [0]), g.int64s('e0', [1])]);
  const seq = g.op('Slice', [shape, g.int64s('s1', [1]), g.int64s('e1', [2])]);
  // A row the cache keeps per token: 1 for a generated token (fed alone), 0 for the prompt's.
  const generated = g.op('Cast', [g.op('Equal', [seq, g.int64s('one', [1])])], { to: attr.int(onnxDataType('float32')) });
  const rowShape = g.op('Concat', [batch, g.int64s('heads', [1]), seq, g.int64s('dim', [4])], { axis: attr.int(0) });
  const rows = g.op('Expand', [g.op('Reshape', [generated, g.int64s('scalar', [])]), rowShape]);
  g.node('Concat', [pastK, rows], ['present.0.key'], { axis: attr.int(2) });
  g.node('Concat', [pastV, rows], ['present.0.value'], { axis: attr.int(2) });
  // Tokens generated before this step (each cached row of 1s sums to 4), plus this one if it is generated.
  const before = g.op('Div', [g.op('ReduceSum', [pastK], { keepdims: attr.int(0) }), g.scalar('four', 'float32', 4)]);
  const step = g.op('Cast', [g.op('Add', [before, g.op('Reshape', [generated, g.int64s('scalar2', [])])])], {
    to: attr.int(onnxDataType('int64')),
  });
  const clamped = g.op('Min', [step, g.scalar('last', 'int64', target.length - 1)]);
  const weights = g.initializer('head', 'float32', [target.length, VOCAB], table, { external: true });
  const row = g.op('Gather', [weights, clamped], { axis: attr.int(0) });
  const logitsShape = g.op('Concat', [batch, seq, g.int64s('vocab', [VOCAB])], { axis: attr.int(0) });
  g.node('Expand', [row, logitsShape], ['logits']);
  g.output('logits', 'float32', ['batch', 'seq', VOCAB]);
  g.output('present.0.key', 'float32', ['batch', 1, 'total', 4]);
  g.output('present.0.value', 'float32', ['batch', 1, 'total', 4]);
  await g.write(path.join(dir, 'onnx', 'model_q4f16.onnx'), { opsets: { '': 17 }, externalData: { location: 'model_q4f16.onnx_data' } });
}
