import fs from 'node:fs';
import path from 'node:path';
import type { AiPool, RunTiming } from '../pool';
import { localPipelines } from './transformers-cache';
import { AiError, movable, type ExecutionProvider } from '../protocol';
import type { WorkerTask } from '../worker-runtime';

/**
 * Whisper speech-to-text in the transformers.js layout (`config.json`, `generation_config.json`,
 * `preprocessor_config.json`, tokenizer files, `onnx/encoder_model<suffix>.onnx` +
 * `onnx/decoder_model_merged<suffix>.onnx`), run by @huggingface/transformers inside the AI worker
 * on the project's one onnxruntime-node. 16 kHz mono samples in, text out; nothing is kept.
 */

export const WHISPER_SAMPLE_RATE = 16_000;

/** dtypes in the order they are preferred on a CPU, with the file suffix transformers.js gives each. */
const WHISPER_DTYPES = [
  ['q8', '_quantized'],
  ['int8', '_int8'],
  ['fp32', ''],
  ['q4', '_q4'],
  ['fp16', '_fp16'],
  ['q4f16', '_q4f16'],
] as const;

const REQUIRED = ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** The dtype both graphs exist in, or what the folder lacks. */
export function whisperModelFiles(dir: string): { ok: true; dtype: string; files: string[] } | { ok: false; missing: string[] } {
  const missing = REQUIRED.filter((f) => !fs.existsSync(path.join(dir, f)));
  for (const [dtype, suffix] of WHISPER_DTYPES) {
    const files = [`onnx/encoder_model${suffix}.onnx`, `onnx/decoder_model_merged${suffix}.onnx`];
    if (files.every((f) => fs.existsSync(path.join(dir, f)))) {
      return missing.length ? { ok: false, missing } : { ok: true, dtype, files };
    }
  }
  return { ok: false, missing: [...missing, 'onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx (any one dtype)'] };
}

export interface WhisperInput {
  modelDir: string;
  samples: Float32Array;
  /** A Whisper language code; the model guesses nothing (transformers.js would default to English). */
  language: string;
}

export interface WhisperOutput {
  text: string;
  /** Which graphs ran, e.g. ["onnx/encoder_model_quantized.onnx", …]. */
  files: string[];
}

type Recognizer = (audio: Float32Array, options: object) => Promise<{ text: string } | { text: string }[]>;
const load = localPipelines('automatic-speech-recognition', (asr) => asr as Recognizer);

export const whisperTask: WorkerTask<WhisperInput, WhisperOutput> = {
  name: 'whisper',
  async run(input, ctx) {
    const found = whisperModelFiles(input.modelDir);
    if (!found.ok) throw new AiError('bad_input', `${input.modelDir} is not a Whisper model folder: missing ${found.missing.join(', ')}`);
    const model = load(input.modelDir, found.dtype);
    let recognize: Recognizer;
    try {
      recognize = await model;
    } catch (err) {
      throw new AiError('model_load_failed', `The Whisper model could not be loaded: ${(err as Error).message.split('\n')[0]}`);
    }
    ctx.throwIfCancelled();
    // Past 30 s the audio goes in overlapping 30 s windows, as Whisper was trained on.
    const long = input.samples.length > 30 * WHISPER_SAMPLE_RATE;
    const out = await recognize(input.samples, {
      language: input.language,
      task: 'transcribe',
      ...(long ? { chunk_length_s: 30, stride_length_s: 5 } : {}),
    });
    const text = (Array.isArray(out) ? out.map((o) => o.text).join(' ') : out.text).trim();
    return { output: { text, files: found.files } };
  },
};

export interface TranscriptResult extends WhisperOutput {
  /** transformers.js creates its own sessions with its Node default, the CPU provider (no device is asked for). */
  provider: ExecutionProvider;
  timing: RunTiming;
}

/** Transcribes 16 kHz mono samples in the AI worker's `speech-to-text` lane; `samples` moves there. */
export async function transcribe(pool: AiPool, input: WhisperInput, signal?: AbortSignal): Promise<TranscriptResult> {
  const sent = movable(input.samples);
  const result = await pool.run<WhisperOutput>(
    'whisper',
    { ...input, samples: sent.array },
    { capability: 'speech-to-text', signal, transfer: sent.transfer },
  );
  return { ...result.output, provider: 'cpu', timing: result.timing };
}
