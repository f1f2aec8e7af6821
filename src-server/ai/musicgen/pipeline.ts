import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type * as Ort from 'onnxruntime-node';
import { floatTensor, numberTensor, readFloats } from '../diffusion/tensors';
import { requireTensor, sessionIo, type SessionIo } from '../diffusion/session-io';
import type { AiPool } from '../pool';
import { AiError, type ExecutionProvider } from '../protocol';
import type { LoadedSession, TaskContext, WorkerTask } from '../worker-runtime';
import { oneHotChroma } from './chroma';
import { buildDelayPattern, patternAt, revertDelayPattern, TO_GENERATE } from './delay';
import {
  componentFile,
  MusicgenFolderError,
  readMusicgenFolder,
  type MusicgenComponent,
  type MusicgenFolder,
  type MusicgenVariant,
} from './model-folder';
import { guide, sampleToken, SeededUniform } from './sampling';

// MusicGen text (+ melody) → audio, in an AI worker: T5 encodes the prompt; the merged decoder
// generates the codebooks autoregressively with its KV cache, the conditional and unconditional
// halves of classifier-free guidance in one batch, under the codebook delay pattern; EnCodec
// decodes the codes to audio. See README.md.

export const MUSICGEN_TASK = 'musicgen';

export interface MusicgenRequest {
  modelDir: string;
  variant: MusicgenVariant;
  prompt: string;
  /** Length of the audio; frames = round(seconds × frame_rate). */
  seconds: number;
  seed: number;
  /** Overrides generation_config.json's guidance_scale; ≤ 1 turns guidance (and the batch's second half) off. */
  guidanceScale?: number;
  /** Overrides generation_config.json's top_k. */
  topK?: number;
  /** The take, mono at `melodySampleRate`: a chroma for melody models, else an audio prompt when the folder can encode. */
  melody?: Float32Array;
  melodySampleRate?: number;
  /** Seconds of the take an audio prompt takes (default: up to half the song, at most 10 s). */
  audioPromptSec?: number;
}

export type MelodyUse = 'chroma' | 'audio-prompt' | 'unused' | 'none';

export interface MusicgenProgress {
  step: number;
  steps: number;
}

export interface MusicgenOutput {
  /** Mono samples at `sampleRate`. */
  audio: Float32Array;
  sampleRate: number;
  /** Codec frames per codebook, prompt frames included. */
  frames: number;
  /** The generated codes, row-major [codebooks, frames] (the delay reverted). */
  codes: Int32Array;
  codebooks: number;
  guidanceScale: number;
  /** 2 with guidance (conditional + unconditional), else 1. */
  batch: number;
  promptTokens: number;
  /** Decoder runs: the first without the cache branch, the rest with it. */
  steps: number;
  melody: MelodyUse;
  /** Why the melody was or was not used, for the result. */
  melodyNote: string | null;
  /** Frames taken from the audio prompt. */
  promptFrames: number;
}

export interface MusicgenResult extends MusicgenOutput {
  providers: ExecutionProvider[];
}

const tokenizers = new Map<string, Tokenizer>();

function loadTokenizer(dir: string): Tokenizer {
  let tokenizer = tokenizers.get(dir);
  if (tokenizer) return tokenizer;
  const read = (file: string, required: boolean): Record<string, unknown> => {
    const full = path.join(dir, file);
    if (!required && !fs.existsSync(full)) return {};
    try {
      return JSON.parse(fs.readFileSync(full, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new AiError('model_load_failed', `Cannot read ${full}: ${(err as Error).message}`);
    }
  };
  try {
    tokenizer = new Tokenizer(read('tokenizer.json', true), read('tokenizer_config.json', false));
  } catch (err) {
    if (err instanceof AiError) throw err;
    throw new AiError(
      'model_load_failed',
      `${path.join(dir, 'tokenizer.json')} is not a tokenizer this runtime can load: ${(err as Error).message}`,
    );
  }
  tokenizers.set(dir, tokenizer);
  return tokenizer;
}

const PAST = /^past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)$/;
/** Inputs a melody decoder may take its chroma (or projected melody states) through. */
const CHROMA = /chroma|input_features|melody|audio_enc/i;

interface DecoderIo {
  io: SessionIo;
  ids: { name: string; type: string };
  hidden: { name: string; type: string; width: number | null };
  mask: { name: string; type: string } | null;
  cacheBranch: string | null;
  past: { name: string; present: string; type: string; kind: 'decoder' | 'encoder'; heads: number; headDim: number }[];
  logits: string;
  chroma: { name: string; type: string; frames: number | null; bins: number } | null;
}

function decoderIo(loaded: LoadedSession, folder: MusicgenFolder): DecoderIo {
  const io = sessionIo(loaded.session);
  const what = 'decoder_model_merged';
  const ids = requireTensor(io.inputs, ['input_ids'], what);
  const hidden = requireTensor(io.inputs, ['encoder_hidden_states'], what);
  const mask = io.inputs.find((v) => v.name === 'encoder_attention_mask') ?? null;
  const logits = requireTensor(io.outputs, ['logits'], what, 'output');
  const { numHeads, hiddenSize } = folder.config;
  const past = io.inputs
    .filter((v) => PAST.test(v.name))
    .map((v) => {
      const [, , kind] = PAST.exec(v.name)!;
      const present = v.name.replace('past_key_values', 'present');
      requireTensor(io.outputs, [present], what, 'output');
      const heads = typeof v.dims[1] === 'number' ? v.dims[1] : numHeads;
      const headDim = typeof v.dims[3] === 'number' ? v.dims[3] : hiddenSize / numHeads;
      return { name: v.name, present, type: v.type, kind: kind as 'decoder' | 'encoder', heads, headDim };
    });
  if (!past.some((p) => p.kind === 'decoder'))
    throw new AiError('model_load_failed', `${what} has no past_key_values.*.decoder inputs: it is not a merged decoder with a KV cache`);
  const known = new Set([ids.name, hidden.name, mask?.name, 'use_cache_branch', ...past.map((p) => p.name)]);
  const chromaInput =
    io.inputs.find((v) => !known.has(v.name) && CHROMA.test(v.name) && (v.type === 'float32' || v.type === 'float16')) ?? null;
  const unknown = io.inputs.filter((v) => !known.has(v.name) && v !== chromaInput);
  if (unknown.length)
    throw new AiError('model_load_failed', `${what} wants inputs this pipeline does not know: ${unknown.map((v) => v.name).join(', ')}`);
  return {
    io,
    ids: { name: ids.name, type: ids.type },
    hidden: { name: hidden.name, type: hidden.type, width: typeof hidden.dims[2] === 'number' ? hidden.dims[2] : null },
    mask: mask ? { name: mask.name, type: mask.type } : null,
    cacheBranch: io.inputs.some((v) => v.name === 'use_cache_branch') ? 'use_cache_branch' : null,
    past,
    logits: logits.name,
    chroma: chromaInput
      ? {
          name: chromaInput.name,
          type: chromaInput.type,
          frames: typeof chromaInput.dims[1] === 'number' ? chromaInput.dims[1] : null,
          bins: typeof chromaInput.dims[2] === 'number' ? chromaInput.dims[2] : 12,
        }
      : null,
  };
}

async function session(
  ctx: TaskContext,
  folder: MusicgenFolder,
  component: MusicgenComponent,
  variant: MusicgenVariant,
): Promise<LoadedSession> {
  const file = componentFile(folder.dir, component, variant);
  if (!file) throw new AiError('model_load_failed', `${folder.dir} has no onnx/${component}.onnx`);
  return ctx.session({ model: file });
}

/** Encodes the prompt with T5: [1, tokens, width] hidden states and the token mask. */
async function encodeText(ctx: TaskContext, folder: MusicgenFolder, variant: MusicgenVariant, prompt: string) {
  const tokenizer = loadTokenizer(folder.dir);
  // T5 appends </s>; prompts longer than the encoder's limit lose their tail, as transformers truncates.
  let ids = tokenizer.encode(prompt).ids;
  if (ids.length > folder.config.maxPromptTokens) ids = [...ids.slice(0, folder.config.maxPromptTokens - 1), ids[ids.length - 1]!];
  if (!ids.length) throw new AiError('bad_input', 'The prompt gave no tokens');
  const loaded = await session(ctx, folder, 'text_encoder', variant);
  const io = sessionIo(loaded.session);
  const idsIn = requireTensor(io.inputs, ['input_ids'], 'text_encoder');
  const maskIn = io.inputs.find((v) => v.name === 'attention_mask');
  const feeds: Record<string, Ort.Tensor> = {
    [idsIn.name]: numberTensor(ctx.ort, idsIn.type, ids, [1, ids.length], 'text_encoder input_ids'),
  };
  if (maskIn)
    feeds[maskIn.name] = numberTensor(
      ctx.ort,
      maskIn.type,
      ids.map(() => 1),
      [1, ids.length],
      'text_encoder attention_mask',
    );
  const out = await ctx.run(loaded, feeds);
  const name = io.outputs.find((v) => v.name === 'last_hidden_state')?.name ?? io.outputs[0]?.name;
  const hidden = name ? out[name] : undefined;
  if (!hidden || hidden.dims.length !== 3)
    throw new AiError('task_failed', 'text_encoder gave no [batch, tokens, width] last_hidden_state');
  return { tokens: ids.length, width: Number(hidden.dims[2]), data: readFloats(hidden, 'text_encoder last_hidden_state') };
}

/** EnCodec-encodes the take's first seconds into [codebooks][frames] codes. */
async function encodeAudioPrompt(
  ctx: TaskContext,
  folder: MusicgenFolder,
  variant: MusicgenVariant,
  samples: Float32Array,
): Promise<number[][]> {
  const loaded = await session(ctx, folder, 'encodec_encode', variant);
  const io = sessionIo(loaded.session);
  const input = requireTensor(io.inputs, ['input_values'], 'encodec_encode');
  const feeds: Record<string, Ort.Tensor> = {
    [input.name]: floatTensor(ctx.ort, input.type, samples, [1, 1, samples.length], 'encodec_encode input_values'),
  };
  const padding = io.inputs.find((v) => v.name === 'padding_mask');
  if (padding)
    feeds[padding.name] =
      padding.type === 'bool'
        ? new ctx.ort.Tensor('bool', new Uint8Array(samples.length).fill(1), [1, samples.length])
        : numberTensor(ctx.ort, padding.type, Array(samples.length).fill(1), [1, samples.length], 'padding_mask');
  const extra = io.inputs.filter((v) => !(v.name in feeds));
  if (extra.length)
    throw new AiError(
      'model_load_failed',
      `encodec_encode wants inputs this pipeline does not know: ${extra.map((v) => v.name).join(', ')}`,
    );
  const out = await ctx.run(loaded, feeds);
  const codes = out[requireTensor(io.outputs, ['audio_codes'], 'encodec_encode', 'output').name]!;
  // [chunks, batch, codebooks, frames]; one chunk and one batch for a mono take.
  const [, , k, frames] = codes.dims.map(Number) as [number, number, number, number];
  if (k !== folder.config.numCodebooks)
    throw new AiError('task_failed', `encodec_encode gave ${k} codebooks; the decoder has ${folder.config.numCodebooks}`);
  const data = codes.data as BigInt64Array | Int32Array;
  return Array.from({ length: k }, (_, c) => Array.from({ length: frames }, (_, f) => Number(data[c * frames + f]!)));
}

async function decodeCodes(ctx: TaskContext, folder: MusicgenFolder, variant: MusicgenVariant, codes: number[][]): Promise<Float32Array> {
  const loaded = await session(ctx, folder, 'encodec_decode', variant);
  const io = sessionIo(loaded.session);
  const input = requireTensor(io.inputs, ['audio_codes'], 'encodec_decode');
  const extra = io.inputs.filter((v) => v.name !== input.name);
  if (extra.length)
    throw new AiError(
      'model_load_failed',
      `encodec_decode wants inputs this pipeline does not know: ${extra.map((v) => v.name).join(', ')}`,
    );
  const k = codes.length;
  const frames = codes[0]!.length;
  const flat = codes.flat();
  const out = await ctx.run(loaded, {
    [input.name]: numberTensor(ctx.ort, input.type, flat, [1, 1, k, frames], 'encodec_decode audio_codes'),
  });
  const name = io.outputs.find((v) => v.name === 'audio_values')?.name ?? io.outputs[0]!.name;
  return Float32Array.from(readFloats(out[name]!, 'encodec_decode audio_values'));
}

function checkRequest(input: MusicgenRequest, folder: MusicgenFolder): number {
  const { frameRate, maxLength, numCodebooks } = folder.config;
  if (!(input.seconds > 0) || !Number.isFinite(input.seconds))
    throw new AiError('bad_input', `seconds must be a positive number, got ${input.seconds}`);
  const frames = Math.max(1, Math.round(input.seconds * frameRate));
  const most = maxLength - numCodebooks;
  if (frames > most)
    throw new AiError(
      'bad_input',
      `${input.seconds} s is ${frames} frames; this model makes at most ${most} (${(most / frameRate).toFixed(1)} s)`,
    );
  if (!Number.isInteger(input.seed) || input.seed < 0 || input.seed > 0xffff_ffff)
    throw new AiError('bad_input', `seed must be an integer from 0 to 4294967295, got ${input.seed}`);
  if (!folder.variants.includes(input.variant))
    throw new AiError('bad_input', `${folder.id} has no ${input.variant} variant; it has ${folder.variants.join(', ')}`);
  return frames;
}

export async function runMusicgen(input: MusicgenRequest, ctx: TaskContext): Promise<MusicgenOutput> {
  let folder: MusicgenFolder;
  try {
    folder = readMusicgenFolder(input.modelDir);
  } catch (err) {
    if (err instanceof MusicgenFolderError) throw new AiError('model_load_failed', `${input.modelDir}: ${err.message}`);
    throw err;
  }
  const cfg = folder.config;
  const frames = checkRequest(input, folder);
  const { variant } = input;
  const K = cfg.numCodebooks;
  const guidanceScale = input.guidanceScale ?? cfg.guidanceScale;
  const batch = guidanceScale > 1 ? 2 : 1;
  const sampling = { topK: input.topK ?? cfg.topK, temperature: cfg.temperature, doSample: cfg.doSample, banned: cfg.padTokenId };
  const random = new SeededUniform(input.seed);

  const text = await encodeText(ctx, folder, variant, input.prompt);
  ctx.throwIfCancelled();
  const decoder = await session(ctx, folder, 'decoder_model_merged', variant);
  const dio = decoderIo(decoder, folder);
  if (dio.hidden.width !== null && dio.hidden.width !== text.width) {
    throw new AiError('model_load_failed', `text_encoder gives ${text.width}-wide states; the decoder takes ${dio.hidden.width}`);
  }

  // The melody: a chroma where the decoder takes one, else an audio prompt where EnCodec can encode.
  let melody: MelodyUse = input.melody ? 'unused' : 'none';
  let melodyNote: string | null = null;
  let chroma: Float32Array | null = null;
  let chromaFrames = 0;
  let promptCodes: number[][] | null = null;
  if (input.melody && input.melody.length > 0) {
    const rate = input.melodySampleRate ?? cfg.samplingRate;
    if (dio.chroma) {
      if (rate !== cfg.chroma.samplingRate)
        throw new AiError('bad_input', `the melody must be at ${cfg.chroma.samplingRate} Hz for the chroma, got ${rate} Hz`);
      const c = oneHotChroma(input.melody, { sampleRate: rate, nFft: cfg.chroma.nFft, hopLength: cfg.chroma.hopLength });
      if (dio.chroma.bins !== 12)
        throw new AiError(
          'model_load_failed',
          `the decoder's ${dio.chroma.name} has ${dio.chroma.bins} bins; a 12-bin chroma was expected`,
        );
      // A fixed-length input gets the chroma cut or zero-padded to it, as the reference pads to chroma_length.
      chromaFrames = dio.chroma.frames ?? Math.min(c.frames, cfg.chroma.length);
      chroma = new Float32Array(batch * chromaFrames * 12);
      chroma.set(c.data.subarray(0, Math.min(c.frames, chromaFrames) * 12));
      melody = 'chroma';
      melodyNote = `the melody conditions the model as a ${c.frames}-frame chroma`;
    } else if (folder.canEncode) {
      if (rate !== cfg.samplingRate) throw new AiError('bad_input', `the audio prompt must be at ${cfg.samplingRate} Hz, got ${rate} Hz`);
      const promptSec = Math.min(input.audioPromptSec ?? Math.min(10, input.seconds / 2), input.seconds / 2, input.melody.length / rate);
      // Whole codec frames only: EnCodec would pad a partial one with silence.
      const hop = rate / cfg.frameRate;
      const promptSamples = Math.floor((promptSec * rate) / hop) * Math.round(hop);
      if (promptSamples > 0) {
        promptCodes = await encodeAudioPrompt(ctx, folder, variant, input.melody.slice(0, promptSamples));
        if (promptCodes[0]!.length >= frames) promptCodes = promptCodes.map((row) => row.slice(0, frames - 1));
        melody = 'audio-prompt';
        melodyNote = `the first ${promptSec.toFixed(1)} s of the take were encoded and continued (audio prompt)`;
      } else {
        melodyNote = 'the take is too short to be an audio prompt, so the music follows the text alone';
      }
    } else {
      melodyNote = cfg.melody
        ? `the config says musicgen-melody but the decoder takes no chroma input, so the music follows the text alone`
        : `${folder.id} is a text-only model and the folder has no onnx/encodec_encode.onnx, so the melody was not used`;
    }
  }
  ctx.throwIfCancelled();

  // The start token, then the audio prompt's codes, per codebook.
  const prefix = Array.from({ length: K }, (_, k) => [cfg.decoderStartTokenId, ...(promptCodes?.[k] ?? [])]);
  const maxLength = frames + K;
  const pattern = buildDelayPattern(prefix, maxLength, cfg.padTokenId);
  const rows: number[][] = Array.from({ length: K }, (_, k) =>
    Array.from({ length: pattern.startLength }, (_, j) => patternAt(pattern, k, j)),
  );

  // Conditional half: the prompt's states; unconditional half: zeros with a zero mask (transformers' CFG).
  const encLen = text.tokens;
  const hidden = new Float32Array(batch * encLen * text.width);
  hidden.set(text.data.subarray(0, encLen * text.width));
  const encMask = Array.from({ length: batch * encLen }, (_, i) => (i < encLen ? 1 : 0));
  const fixed: Record<string, Ort.Tensor> = {
    [dio.hidden.name]: floatTensor(ctx.ort, dio.hidden.type, hidden, [batch, encLen, text.width], 'encoder_hidden_states'),
  };
  if (dio.mask) fixed[dio.mask.name] = numberTensor(ctx.ort, dio.mask.type, encMask, [batch, encLen], 'encoder_attention_mask');
  if (dio.chroma) {
    // A melody model still needs the input: a silent chroma when no melody came.
    fixed[dio.chroma.name] = floatTensor(
      ctx.ort,
      dio.chroma.type,
      chroma ?? new Float32Array(batch * (dio.chroma.frames ?? 1) * 12),
      [batch, chroma ? chromaFrames : (dio.chroma.frames ?? 1), 12],
      dio.chroma.name,
    );
  }
  let past: Record<string, Ort.Tensor> = {};
  for (const p of dio.past) {
    const empty =
      p.type === 'float16'
        ? new ctx.ort.Tensor('float16', new Uint16Array(0), [batch, p.heads, 0, p.headDim])
        : new ctx.ort.Tensor('float32', new Float32Array(0), [batch, p.heads, 0, p.headDim]);
    past[p.name] = empty;
  }

  const steps = maxLength - pattern.startLength;
  const V = cfg.vocabSize;
  for (let step = 0; step < steps; step++) {
    ctx.throwIfCancelled();
    const pos = pattern.startLength + step;
    // The first run feeds the whole prefix without the cache branch; later runs feed the last column.
    const first = step === 0;
    const cols = first ? pattern.startLength : 1;
    const ids: number[] = [];
    for (let b = 0; b < batch; b++) for (let k = 0; k < K; k++) ids.push(...rows[k]!.slice(rows[k]!.length - cols));
    const feeds: Record<string, Ort.Tensor> = {
      ...fixed,
      ...past,
      [dio.ids.name]: numberTensor(ctx.ort, dio.ids.type, ids, [batch * K, cols], 'input_ids'),
    };
    if (dio.cacheBranch) feeds[dio.cacheBranch] = new ctx.ort.Tensor('bool', Uint8Array.of(first ? 0 : 1), [1]);
    const out = await ctx.run(decoder, feeds);
    const logitsTensor = out[dio.logits]!;
    const vocab = Number(logitsTensor.dims[2]);
    if (logitsTensor.dims.length !== 3 || Number(logitsTensor.dims[0]) !== batch * K || vocab < V) {
      throw new AiError(
        'task_failed',
        `the decoder gave logits [${logitsTensor.dims.join(', ')}]; [${batch * K}, ${cols}, ≥${V}] was expected`,
      );
    }
    const logits = readFloats(logitsTensor, 'logits');
    const last = (row: number) => logits.subarray((row * cols + cols - 1) * vocab, (row * cols + cols - 1) * vocab + V);
    for (let k = 0; k < K; k++) {
      const forced = patternAt(pattern, k, pos);
      if (forced !== TO_GENERATE) {
        rows[k]!.push(forced);
        continue;
      }
      const scores = batch === 2 ? guide(last(k), last(K + k), guidanceScale) : Float32Array.from(last(k));
      rows[k]!.push(sampleToken(scores, sampling, random));
    }
    const next: Record<string, Ort.Tensor> = {};
    for (const p of dio.past) {
      // The cache branch repeats no cross-attention states (optimum's merged decoders): keep the first run's.
      next[p.name] = p.kind === 'encoder' && !first ? past[p.name]! : out[p.present]!;
    }
    past = next;
    ctx.progress({ step: step + 1, steps } satisfies MusicgenProgress);
  }

  const codes = revertDelayPattern(rows, pattern, cfg.padTokenId);
  if (codes[0]!.length !== frames)
    throw new AiError('task_failed', `the delay pattern left ${codes[0]!.length} frames; ${frames} were asked`);
  ctx.throwIfCancelled();
  const audio = await decodeCodes(ctx, folder, variant, codes);
  return {
    audio,
    sampleRate: cfg.samplingRate,
    frames,
    codes: Int32Array.from(codes.flat()),
    codebooks: K,
    guidanceScale,
    batch,
    promptTokens: text.tokens,
    steps,
    melody,
    melodyNote,
    promptFrames: promptCodes?.[0]?.length ?? 0,
  };
}

export const musicgenTask: WorkerTask<MusicgenRequest, MusicgenOutput> = {
  name: MUSICGEN_TASK,
  async run(input, ctx) {
    const output = await runMusicgen(input, ctx);
    return { output, transfer: [output.audio.buffer as ArrayBuffer, output.codes.buffer as ArrayBuffer] };
  },
};

/** Generates music in the pool's `music` worker, one heavy job at a time. */
export async function generateMusic(
  pool: AiPool,
  request: MusicgenRequest,
  options: { signal?: AbortSignal; onProgress?: (p: MusicgenProgress) => void } = {},
): Promise<MusicgenResult> {
  const result = await pool.run<MusicgenOutput>(MUSICGEN_TASK, request, {
    capability: 'music',
    heavy: true,
    signal: options.signal,
    transfer: request.melody ? [request.melody.buffer as ArrayBuffer] : [],
    onProgress: options.onProgress ? (v) => options.onProgress!(v as MusicgenProgress) : undefined,
  });
  return { ...result.output, providers: result.providers };
}
