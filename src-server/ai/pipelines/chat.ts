import fs from 'node:fs';
import path from 'node:path';
import type { WorkerTask } from '../worker-runtime';
import { localPipelines } from './transformers-cache';
import { AiError } from '../protocol';
import { firstInstalled } from '../models';

/**
 * Chat models in the transformers.js layout (`config.json`, `tokenizer.json`, `tokenizer_config.json`
 * with its chat template, `onnx/model_<dtype>.onnx` + external data), run by @huggingface/transformers
 * inside the AI worker. transformers.js pins the same onnxruntime-node as the project, so one native
 * runtime serves both. Tokens stream back as progress while they are generated.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatInput {
  /** The model folder; its parent is where transformers.js looks, its name the model id. */
  modelDir: string;
  messages: ChatMessage[];
  maxNewTokens: number;
  /** 0 or absent: greedy decoding. */
  temperature?: number;
}

export interface ChatOutput {
  text: string;
  /** Which file ran, e.g. "onnx/model_q4f16.onnx". */
  modelFile: string;
}

/** What `onProgress` receives: the text of the next streamed piece (a word, or a CJK character). */
export interface ChatToken {
  token: string;
}

/** dtypes in the order they are preferred, by the file name suffix transformers.js gives each. */
export const CHAT_DTYPES = [
  ['q4f16', 'model_q4f16.onnx'],
  ['q4', 'model_q4.onnx'],
  ['int8', 'model_int8.onnx'],
  ['quantized', 'model_quantized.onnx'],
  ['fp16', 'model_fp16.onnx'],
  ['fp32', 'model.onnx'],
] as const;

/** The dtype and file a model folder can run, or null when it is not a chat model in this layout. */
export function chatModelFile(dir: string): { dtype: (typeof CHAT_DTYPES)[number][0]; file: string } | null {
  for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) if (!fs.existsSync(path.join(dir, name))) return null;
  for (const [dtype, file] of CHAT_DTYPES) if (fs.existsSync(path.join(dir, 'onnx', file))) return { dtype, file: `onnx/${file}` };
  return null;
}

/** Where the user installs chat models (stories and promo share them): one folder each, transformers.js layout. */
export const chatModelsRoot = (dataDir: string) => path.join(dataDir, 'models', 'chat');

/** The first installed chat model folder (by name), or null. */
export const installedChatModel = (dataDir: string): string | null =>
  firstInstalled(chatModelsRoot(dataDir), (dir) => (chatModelFile(dir) ? dir : null));

type Generator = (messages: ChatMessage[], options: Record<string, unknown>) => Promise<{ generated_text: ChatMessage[] | string }[]>;
const load = localPipelines('text-generation', (generator, transformers) => ({
  generate: generator as Generator,
  tokenizer: (generator as { tokenizer: unknown }).tokenizer,
  streamer: transformers.TextStreamer as unknown as new (tokenizer: unknown, options: object) => unknown,
}));

export const chatTask: WorkerTask<ChatInput, ChatOutput> = {
  name: 'chat',
  async run(input, ctx) {
    const found = chatModelFile(input.modelDir);
    if (!found)
      throw new AiError(
        'bad_input',
        `${input.modelDir} is not a chat model in the transformers.js layout (config.json, tokenizer files, onnx/model_<dtype>.onnx)`,
      );
    const model = load(input.modelDir, found.dtype);
    let m;
    try {
      m = await model;
    } catch (err) {
      throw new AiError('model_load_failed', `The chat model could not be loaded: ${(err as Error).message.split('\n')[0]}`);
    }
    const streamer = new m.streamer(m.tokenizer, {
      skip_prompt: true,
      skip_special_tokens: true,
      callback_function: (token: string) => {
        // Throwing here stops generate() between two tokens.
        ctx.throwIfCancelled();
        ctx.progress({ token } satisfies ChatToken);
      },
    });
    const sample = (input.temperature ?? 0) > 0;
    const out = await m.generate(input.messages, {
      max_new_tokens: input.maxNewTokens,
      do_sample: sample,
      ...(sample ? { temperature: input.temperature } : {}),
      streamer,
    });
    const generated = out[0]?.generated_text;
    const text = Array.isArray(generated) ? (generated.at(-1)?.content ?? '') : (generated ?? '');
    return { output: { text, modelFile: found.file } };
  },
};
