import fs from 'node:fs';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { AiPool } from '../pool';
import { AiError, type ExecutionProvider } from '../protocol';
import type { LoadedSession, TaskContext, WorkerTask } from '../worker-runtime';
import { sentencesOf, type SpokenSentence } from './supertonic';

/**
 * Chatterbox Multilingual (Resemble AI, MIT) speaking in a reference voice, driven by our own loop
 * over its four ONNX graphs (onnx-community/chatterbox-multilingual-ONNX layout, q4 or fp32):
 *
 *   speech_encoder(audio_values 24 kHz) -> audio_features (conditioning embeddings), audio_tokens
 *     (the reference's speech tokens), speaker_embeddings, speaker_features
 *   embed_tokens(input_ids, position_ids, exaggeration) -> inputs_embeds
 *   language_model(inputs_embeds, attention_mask, past_key_values.N.key/value) -> logits,
 *     present.N.key/value: speech tokens one by one, the conditioning and text as the prefix,
 *     greedy with a repetition penalty, until the stop-speech token
 *   conditional_decoder(speech_tokens = reference tokens + generated, speaker_embeddings,
 *     speaker_features) -> waveform (24 kHz)
 *
 * The reference audio is encoded once (`chatterbox-encode`); only those tensors are kept, never the
 * recording. Text is `[lang]` + lower-cased NFKD text through the model's tokenizer.json.
 */

export const CHATTERBOX_GRAPHS = ['speech_encoder', 'embed_tokens', 'language_model', 'conditional_decoder'] as const;
export const CHATTERBOX_SAMPLE_RATE = 24_000;
export const START_SPEECH_TOKEN = 6561;
export const STOP_SPEECH_TOKEN = 6562;
/** Upstream's defaults for the multilingual model. */
const REPETITION_PENALTY = 1.2;
const EXAGGERATION = 0.5;
/** About 40 s of speech at 25 tokens a second: far beyond one sentence, a bound on a runaway loop. */
const MAX_NEW_TOKENS = 1000;
const SENTENCE_GAP_SEC = 0.3;
/** Upstream's voice prompts are 6-10 s; more reference audio only slows the encoder. */
export const MAX_REFERENCE_SECONDS = 10;

/** Where each graph is: `<name>_q4.onnx` (the quantised export) before `<name>.onnx`, in `onnx/` or the folder itself. */
export function chatterboxLayout(
  dir: string,
): { ok: true; graphs: Record<string, string>; tokenizer: string } | { ok: false; missing: string[] } {
  const graphs: Record<string, string> = {};
  const missing: string[] = [];
  for (const g of CHATTERBOX_GRAPHS) {
    const found = [path.join(dir, 'onnx'), dir]
      .flatMap((d) => [path.join(d, `${g}_q4.onnx`), path.join(d, `${g}.onnx`)])
      .find((f) => fs.existsSync(f));
    if (found) graphs[g] = found;
    else missing.push(`onnx/${g}.onnx`);
  }
  const tokenizer = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizer)) missing.push('tokenizer.json');
  return missing.length ? { ok: false, missing } : { ok: true, graphs, tokenizer };
}

/** The reference voice as the speech encoder gave it: plain arrays, storable and movable. */
export interface ChatterboxVoice {
  audioFeatures: { data: Float32Array; dims: number[] };
  audioTokens: { data: BigInt64Array; dims: number[] };
  speakerEmbeddings: { data: Float32Array; dims: number[] };
  speakerFeatures: { data: Float32Array; dims: number[] };
}

function needIo(loaded: LoadedSession, graph: string, inputs: string[], outputs: string[]): void {
  const missing = [
    ...inputs.filter((n) => !loaded.session.inputNames.includes(n)),
    ...outputs.filter((n) => !loaded.session.outputNames.includes(n)).map((n) => `output ${n}`),
  ];
  if (missing.length > 0) throw new AiError('model_load_failed', `${graph} is not a Chatterbox graph: it lacks ${missing.join(', ')}`);
}

async function sessions(ctx: TaskContext, modelDir: string) {
  const found = chatterboxLayout(modelDir);
  if (!found.ok) throw new AiError('bad_input', `${modelDir} is not a Chatterbox model folder: missing ${found.missing.join(', ')}`);
  return { found, load: (g: (typeof CHATTERBOX_GRAPHS)[number]) => ctx.session({ model: found.graphs[g]! }) };
}

const plain = <T extends Float32Array | BigInt64Array>(t: Ort.Tensor) => ({ data: (t.data as T).slice() as T, dims: [...t.dims] });

export interface ChatterboxEncodeInput {
  modelDir: string;
  /** 24 kHz mono. */
  audio: Float32Array;
}

export const chatterboxEncodeTask: WorkerTask<ChatterboxEncodeInput, ChatterboxVoice> = {
  name: 'chatterbox-encode',
  async run(input, ctx) {
    const { load } = await sessions(ctx, input.modelDir);
    const encoder = await load('speech_encoder');
    const outputs = ['audio_features', 'audio_tokens', 'speaker_embeddings', 'speaker_features'];
    needIo(encoder, 'speech_encoder', ['audio_values'], outputs);
    if (input.audio.length < CHATTERBOX_SAMPLE_RATE) throw new AiError('bad_input', 'The reference voice must be at least 1 s long');
    const out = await ctx.run(encoder, { audio_values: new ctx.ort.Tensor('float32', input.audio, [1, input.audio.length]) });
    const voice: ChatterboxVoice = {
      audioFeatures: plain<Float32Array>(out.audio_features!),
      audioTokens: plain<BigInt64Array>(out.audio_tokens!),
      speakerEmbeddings: plain<Float32Array>(out.speaker_embeddings!),
      speakerFeatures: plain<Float32Array>(out.speaker_features!),
    };
    return {
      output: voice,
      transfer: [voice.audioFeatures, voice.audioTokens, voice.speakerEmbeddings, voice.speakerFeatures].map(
        (t) => t.data.buffer as ArrayBuffer,
      ),
    };
  },
};

export interface ChatterboxInput {
  modelDir: string;
  texts: string[];
  language: string;
  voice: ChatterboxVoice;
  /** A bound on speech tokens per sentence (tests keep it small). */
  maxNewTokens?: number;
}

export interface ChatterboxOutput {
  samples: Float32Array;
  sampleRate: number;
  sentences: SpokenSentence[];
  /** Speech tokens generated per sentence, before the stop token. */
  tokens: number[];
}

type Tokenizer = { encode(text: string): number[] };
const tokenizers = new Map<string, Promise<Tokenizer>>();

function tokenizerFor(file: string): Promise<Tokenizer> {
  let t = tokenizers.get(file);
  if (!t) {
    t = import('@huggingface/transformers').then(
      (m) => new m.PreTrainedTokenizer(JSON.parse(fs.readFileSync(file, 'utf8')) as object, {}) as unknown as Tokenizer,
    );
    tokenizers.set(file, t);
    t.catch(() => tokenizers.delete(file));
  }
  return t;
}

/** The language model's cache layout, read from its inputs: layers, heads and head size. */
function cacheLayout({ session }: LoadedSession): { names: string[]; heads: number; headDim: number } {
  const names = session.inputNames.filter((n) => /^past_key_values\.\d+\.(key|value)$/.test(n));
  const meta = (session.inputMetadata as readonly Ort.InferenceSession.ValueMetadata[]).find(
    (m): m is Ort.InferenceSession.TensorValueMetadata => m.isTensor && m.name === names[0],
  );
  const [, heads, , headDim] = meta?.shape ?? [];
  if (names.length === 0 || typeof heads !== 'number' || typeof headDim !== 'number') {
    throw new AiError('model_load_failed', 'language_model has no past_key_values.N.key/value inputs of a known head size');
  }
  return { names, heads, headDim };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export const chatterboxTask: WorkerTask<ChatterboxInput, ChatterboxOutput> = {
  name: 'chatterbox',
  async run(input, ctx) {
    const { found, load } = await sessions(ctx, input.modelDir);
    const [embed, lm, decoder] = await Promise.all([load('embed_tokens'), load('language_model'), load('conditional_decoder')]);
    needIo(embed, 'embed_tokens', ['input_ids'], ['inputs_embeds']);
    needIo(lm, 'language_model', ['inputs_embeds', 'attention_mask'], ['logits']);
    needIo(decoder, 'conditional_decoder', ['speech_tokens', 'speaker_embeddings', 'speaker_features'], ['waveform']);
    const cache = cacheLayout(lm);
    const tokenizer = await tokenizerFor(found.tokenizer);
    const maxNew = input.maxNewTokens ?? MAX_NEW_TOKENS;
    const v = input.voice;
    const f32 = (data: Float32Array, dims: readonly number[]) => new ctx.ort.Tensor('float32', data, [...dims]);
    const i64 = (values: number[] | BigInt64Array, dims: number[]) =>
      new ctx.ort.Tensor('int64', values instanceof BigInt64Array ? values : BigInt64Array.from(values, BigInt), dims);
    const exaggeration = f32(Float32Array.of(EXAGGERATION), [1]);
    const embedFeeds = (ids: number[], positions: number[]): Ort.InferenceSession.FeedsType => {
      const feeds: Record<string, Ort.Tensor> = { input_ids: i64(ids, [1, ids.length]) };
      if (embed.session.inputNames.includes('position_ids')) feeds.position_ids = i64(positions, [1, positions.length]);
      if (embed.session.inputNames.includes('exaggeration')) feeds.exaggeration = exaggeration;
      return feeds;
    };

    const sentences = input.texts.flatMap((t) => sentencesOf(t, input.language));
    if (sentences.length === 0) throw new AiError('bad_input', 'There is no text to speak');
    const pieces: Float32Array[] = [];
    const spoken: SpokenSentence[] = [];
    const counts: number[] = [];
    let at = 0;
    const gap = new Float32Array(Math.round(SENTENCE_GAP_SEC * CHATTERBOX_SAMPLE_RATE));
    for (const [n, sentence] of sentences.entries()) {
      ctx.throwIfCancelled();
      const ids = tokenizer.encode(`[${input.language}]${sentence.toLowerCase().normalize('NFKD')}`).filter((id) => Number.isInteger(id));
      if (ids.at(-1) !== START_SPEECH_TOKEN) ids.push(START_SPEECH_TOKEN);
      // Text tokens count up from 0; the start-speech token opens the speech positions at 0.
      let p = 0;
      const positions = ids.map((id) => (id >= START_SPEECH_TOKEN ? 0 : p++));
      const { inputs_embeds: textEmbeds } = await ctx.run(embed, embedFeeds(ids, positions));
      const hidden = textEmbeds!.dims[2]!;
      if (v.audioFeatures.dims[2] !== hidden)
        throw new AiError('bad_input', `The stored voice (${v.audioFeatures.dims[2]} wide) is not from this model (${hidden} wide)`);
      // The prefix: the voice's conditioning, then the text and the start-speech token.
      let embeds: Ort.Tensor = f32(concat(v.audioFeatures.data, textEmbeds!.data as Float32Array), [
        1,
        v.audioFeatures.dims[1]! + ids.length,
        hidden,
      ]);
      let past: Record<string, Ort.Tensor> = Object.fromEntries(
        cache.names.map((name) => [name, f32(new Float32Array(0), [1, cache.heads, 0, cache.headDim])]),
      );
      let seen = 0;
      const generated: number[] = [];
      for (let step = 0; step < maxNew; step++) {
        ctx.throwIfCancelled();
        const length = seen + embeds.dims[1]!;
        const out = await ctx.run(lm, {
          inputs_embeds: embeds,
          attention_mask: i64(new Array<number>(length).fill(1), [1, length]),
          ...past,
        });
        seen = length;
        const logits = out.logits!;
        const vocab = logits.dims[2]!;
        const last = (logits.data as Float32Array).slice((logits.dims[1]! - 1) * vocab, logits.dims[1]! * vocab);
        for (const id of new Set([START_SPEECH_TOKEN, ...generated])) {
          if (id < vocab) last[id] = last[id]! < 0 ? last[id]! * REPETITION_PENALTY : last[id]! / REPETITION_PENALTY;
        }
        let next = 0;
        for (let i = 1; i < vocab; i++) if (last[i]! > last[next]!) next = i;
        if (next === STOP_SPEECH_TOKEN) break;
        generated.push(next);
        past = Object.fromEntries(cache.names.map((name) => [name, out[name.replace('past_key_values', 'present')]!]));
        if (Object.values(past).some((t) => !t)) throw new AiError('model_load_failed', 'language_model does not give present.N.key/value');
        ({ inputs_embeds: embeds } = (await ctx.run(embed, embedFeeds([next], [generated.length]))) as { inputs_embeds: Ort.Tensor });
      }
      // Only real speech tokens reach the decoder (upstream drops the special ones too).
      const speech = generated.filter((id) => id < START_SPEECH_TOKEN);
      if (speech.length === 0) throw new AiError('task_failed', `Chatterbox made no speech for "${sentence.slice(0, 40)}"`);
      const tokens = new BigInt64Array(v.audioTokens.data.length + speech.length);
      tokens.set(v.audioTokens.data);
      tokens.set(BigInt64Array.from(speech, BigInt), v.audioTokens.data.length);
      const { waveform } = await ctx.run(decoder, {
        speech_tokens: i64(tokens, [1, tokens.length]),
        speaker_embeddings: f32(v.speakerEmbeddings.data, v.speakerEmbeddings.dims),
        speaker_features: f32(v.speakerFeatures.data, v.speakerFeatures.dims),
      });
      const samples = (waveform!.data as Float32Array).slice();
      if (samples.length === 0 || !samples.every(Number.isFinite)) throw new AiError('task_failed', 'The decoder gave no usable samples');
      if (n > 0) {
        pieces.push(gap);
        at += gap.length / CHATTERBOX_SAMPLE_RATE;
      }
      pieces.push(samples);
      spoken.push({ text: sentence, start: at, end: at + samples.length / CHATTERBOX_SAMPLE_RATE });
      at += samples.length / CHATTERBOX_SAMPLE_RATE;
      counts.push(speech.length);
      ctx.progress({ sentence: n + 1, sentences: sentences.length });
    }
    const all = new Float32Array(pieces.reduce((k, p) => k + p.length, 0));
    let offset = 0;
    for (const p of pieces) {
      all.set(p, offset);
      offset += p.length;
    }
    return { output: { samples: all, sampleRate: CHATTERBOX_SAMPLE_RATE, sentences: spoken, tokens: counts }, transfer: [all.buffer] };
  },
};

/** Encodes a reference voice (24 kHz mono, at most MAX_REFERENCE_SECONDS used) in the heavy slot. */
export async function encodeChatterboxVoice(
  pool: AiPool,
  modelDir: string,
  audio: Float32Array,
  signal?: AbortSignal,
): Promise<{ voice: ChatterboxVoice; provider: ExecutionProvider }> {
  const clip = audio.slice(0, MAX_REFERENCE_SECONDS * CHATTERBOX_SAMPLE_RATE);
  const result = await pool.run<ChatterboxVoice>('chatterbox-encode', { modelDir, audio: clip } satisfies ChatterboxEncodeInput, {
    capability: 'speech',
    heavy: true,
    signal,
    transfer: [clip.buffer],
  });
  return { voice: result.output, provider: result.providers[0] ?? pool.providers.preferred };
}

/** Speaks `texts` in the stored voice; autoregressive and slow on a CPU, so it takes the heavy slot. */
export async function synthesizeChatterbox(
  pool: AiPool,
  input: ChatterboxInput,
  options: { signal?: AbortSignal } = {},
): Promise<ChatterboxOutput & { provider: ExecutionProvider }> {
  const result = await pool.run<ChatterboxOutput>('chatterbox', input, { capability: 'speech', heavy: true, signal: options.signal });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred };
}
