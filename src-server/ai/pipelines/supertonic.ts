import fs from 'node:fs';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { AiPool, RunTiming } from '../pool';
import { AiError, type ExecutionProvider } from '../protocol';
import { gaussianNoise } from '../diffusion/noise';
import type { LoadedSession, TaskContext, WorkerTask } from '../worker-runtime';

/**
 * Supertonic 2 text-to-speech (Supertone; code MIT, weights OpenRAIL-M) in its official four-graph
 * layout, driven by our own loop on the worker's onnxruntime-node:
 *
 *   duration_predictor(text_ids, style_dp, text_mask) -> duration (seconds)
 *   text_encoder(text_ids, style_ttl, text_mask) -> text_emb
 *   vector_estimator(noisy_latent, text_emb, style_ttl, text_mask, latent_mask, total_step, current_step)
 *     -> denoised_latent, repeated total_step times from seeded noise
 *   vocoder(latent) -> wav_tts
 *
 * `tts.json` gives the sample rate and latent sizes, `unicode_indexer.json` maps code points to
 * text ids (NFKD text wrapped in `<lang>…</lang>`: no phonemizer), `voice_styles/<name>.json` are
 * the preset voices (`style_ttl`, `style_dp` as `{dims, data}`). Each sentence is one inference,
 * so every sentence gets its own start and end time for highlighting.
 */

export const SUPERTONIC_GRAPHS = ['duration_predictor', 'text_encoder', 'vector_estimator', 'vocoder'] as const;
export const SUPERTONIC_LANGUAGES = ['en', 'ko', 'es', 'pt', 'fr'] as const;
export type SupertonicLanguage = (typeof SUPERTONIC_LANGUAGES)[number];

/** Pause between sentences, as the reference implementation leaves between chunks. */
const SENTENCE_GAP_SEC = 0.3;
/** The reference implementation's chunk limits: Korean text is denser per character. */
const MAX_CHARS: Record<string, number> = { ko: 120 };
const MAX_CHARS_DEFAULT = 300;

export interface SupertonicLayout {
  /** The folder holding the four graphs, tts.json and unicode_indexer.json (`<model>/onnx/` or the model folder itself). */
  graphDir: string;
  /** Preset voice name -> its style file. */
  voices: Record<string, string>;
}

/** The model folder's layout, or what it lacks (named so a user can fix the install). */
export function supertonicLayout(dir: string): { ok: true; layout: SupertonicLayout } | { ok: false; missing: string[] } {
  const needed = [...SUPERTONIC_GRAPHS.map((g) => `${g}.onnx`), 'tts.json', 'unicode_indexer.json'];
  const candidates = [path.join(dir, 'onnx'), dir];
  const graphDir = candidates.find((d) => needed.every((f) => fs.existsSync(path.join(d, f))));
  const styleDir = path.join(dir, 'voice_styles');
  let voices: Record<string, string> = {};
  try {
    voices = Object.fromEntries(
      fs
        .readdirSync(styleDir)
        .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
        .sort()
        .map((f) => [f.slice(0, -'.json'.length), path.join(styleDir, f)]),
    );
  } catch {
    // No voice_styles folder: reported below.
  }
  const missing: string[] = [];
  if (!graphDir) {
    const base = candidates.find((d) => fs.existsSync(path.join(d, 'tts.json'))) ?? candidates[0]!;
    for (const f of needed) if (!fs.existsSync(path.join(base, f))) missing.push(path.relative(dir, path.join(base, f)) || f);
  }
  if (Object.keys(voices).length === 0) missing.push('voice_styles/*.json');
  if (missing.length > 0 || !graphDir) return { ok: false, missing };
  return { ok: true, layout: { graphDir, voices } };
}

interface TtsConfig {
  sampleRate: number;
  baseChunkSize: number;
  chunkCompressFactor: number;
  latentDim: number;
}

function readConfig(file: string): TtsConfig {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    ae?: { sample_rate?: unknown; base_chunk_size?: unknown };
    ttl?: { chunk_compress_factor?: unknown; latent_dim?: unknown };
  };
  const num = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new AiError('bad_input', `tts.json: ${name} must be a positive integer`);
    return v;
  };
  return {
    sampleRate: num(raw.ae?.sample_rate, 'ae.sample_rate'),
    baseChunkSize: num(raw.ae?.base_chunk_size, 'ae.base_chunk_size'),
    chunkCompressFactor: num(raw.ttl?.chunk_compress_factor, 'ttl.chunk_compress_factor'),
    latentDim: num(raw.ttl?.latent_dim, 'ttl.latent_dim'),
  };
}

interface StyleTensor {
  dims: number[];
  data: Float32Array;
}

function readStyle(file: string): { ttl: StyleTensor; dp: StyleTensor } {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { dims?: unknown; data?: unknown } | undefined>;
  const tensor = (name: string): StyleTensor => {
    const t = raw[name];
    const dims = t?.dims;
    if (!Array.isArray(dims) || dims.length !== 3 || dims[0] !== 1 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new AiError('bad_input', `${path.basename(file)}: ${name}.dims must be [1, a, b]`);
    }
    const flat = (Array.isArray(t?.data) ? t.data : []).flat(Infinity) as unknown[];
    const size = (dims as number[]).reduce((a, b) => a * b, 1);
    if (flat.length !== size || !flat.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new AiError('bad_input', `${path.basename(file)}: ${name}.data must hold ${size} finite numbers`);
    }
    return { dims: dims as number[], data: Float32Array.from(flat as number[]) };
  };
  return { ttl: tensor('style_ttl'), dp: tensor('style_dp') };
}

/** The reference preprocessing, shortened: NFKD, no emoji, plain punctuation, a final stop, the language tag. */
export function prepareText(text: string, lang: SupertonicLanguage): string {
  let t = text.normalize('NFKD').replace(/\p{Extended_Pictographic}/gu, '');
  const replace: [RegExp, string][] = [
    [/[–‑—]/g, '-'],
    [/[_[\]|/#→←]/g, ' '],
    [/[“”]/g, '"'],
    [/[‘’´`]/g, "'"],
    [/[♥☆♡©\\]/g, ''],
    [/@/g, ' at '],
    [/ ([,.!?;:'])/g, '$1'],
    [/"{2,}/g, '"'],
    [/'{2,}/g, "'"],
    [/\s+/g, ' '],
  ];
  for (const [from, to] of replace) t = t.replace(from, to);
  t = t.trim();
  if (!/[.!?;:,'")\]}…。」』】〉》›»]$/u.test(t)) t += '.';
  return `<${lang}>${t}</${lang}>`;
}

/** The sentences a passage is spoken as, one inference each. */
export const sentencesOf = (text: string, language: string) => splitSentences(text, MAX_CHARS[language] ?? MAX_CHARS_DEFAULT);

/** Sentences, each short enough for one inference (long ones are cut at commas, then spaces). */
export function splitSentences(text: string, maxChars: number): string[] {
  const sentences = text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?。…])\s+/u)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
  const out: string[] = [];
  for (const s of sentences) {
    if (s.length <= maxChars) {
      out.push(s);
      continue;
    }
    let rest = s;
    while (rest.length > maxChars) {
      const window = rest.slice(0, maxChars);
      const cut = Math.max(window.lastIndexOf(', '), window.lastIndexOf(' '));
      const at = cut > maxChars / 3 ? cut + 1 : maxChars;
      out.push(rest.slice(0, at).trim());
      rest = rest.slice(at).trim();
    }
    if (rest) out.push(rest);
  }
  return out;
}

export interface SupertonicInput {
  modelDir: string;
  /** Passages (a title, a body…), each split into sentences; every sentence is spoken and timed on its own. */
  texts: string[];
  language: SupertonicLanguage;
  /** A preset voice, the name of a file in voice_styles/ without `.json`. */
  voice: string;
  /** Denoising steps (the reference default is 5). */
  steps?: number;
  /** Speaking rate; durations are divided by it (the reference default is 1.05). */
  speed?: number;
  /** Seeds the starting noise, so the same text and seed always sound the same. */
  seed: number;
}

export interface SpokenSentence {
  text: string;
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

export interface SupertonicOutput {
  samples: Float32Array;
  sampleRate: number;
  sentences: SpokenSentence[];
}

export interface SupertonicProgress {
  sentence: number;
  sentences: number;
}

const f32 = (ctx: TaskContext, data: Float32Array, dims: number[]) => new ctx.ort.Tensor('float32', data, dims);

function needIo(loaded: LoadedSession, graph: string, inputs: string[], output: string): void {
  const missing = inputs.filter((n) => !loaded.session.inputNames.includes(n));
  if (!loaded.session.outputNames.includes(output)) missing.push(`output ${output}`);
  if (missing.length > 0) {
    throw new AiError('model_load_failed', `${graph}.onnx is not a Supertonic graph: it lacks ${missing.join(', ')}`);
  }
}

export const supertonicTask: WorkerTask<SupertonicInput, SupertonicOutput> = {
  name: 'supertonic',
  async run(input, ctx) {
    const found = supertonicLayout(input.modelDir);
    if (!found.ok)
      throw new AiError('bad_input', `${input.modelDir} is not a Supertonic model folder: missing ${found.missing.join(', ')}`);
    const { graphDir, voices } = found.layout;
    const styleFile = voices[input.voice];
    if (!styleFile)
      throw new AiError('bad_input', `No voice "${input.voice}" in voice_styles/ (there are ${Object.keys(voices).join(', ')})`);
    const cfg = readConfig(path.join(graphDir, 'tts.json'));
    const indexer = JSON.parse(fs.readFileSync(path.join(graphDir, 'unicode_indexer.json'), 'utf8')) as unknown;
    if (!Array.isArray(indexer)) throw new AiError('bad_input', 'unicode_indexer.json must be an array of text ids');
    const style = readStyle(styleFile);
    const steps = input.steps ?? 5;
    const speed = input.speed ?? 1.05;

    const [dp, enc, est, voc] = await Promise.all(SUPERTONIC_GRAPHS.map((g) => ctx.session({ model: path.join(graphDir, `${g}.onnx`) })));
    needIo(dp!, 'duration_predictor', ['text_ids', 'style_dp', 'text_mask'], 'duration');
    needIo(enc!, 'text_encoder', ['text_ids', 'style_ttl', 'text_mask'], 'text_emb');
    needIo(
      est!,
      'vector_estimator',
      ['noisy_latent', 'text_emb', 'style_ttl', 'text_mask', 'latent_mask', 'total_step', 'current_step'],
      'denoised_latent',
    );
    needIo(voc!, 'vocoder', ['latent'], 'wav_tts');

    const styleTtl = f32(ctx, style.ttl.data, style.ttl.dims);
    const styleDp = f32(ctx, style.dp.data, style.dp.dims);
    const sentences = input.texts.flatMap((t) => sentencesOf(t, input.language));
    if (sentences.length === 0) throw new AiError('bad_input', 'There is no text to speak');
    const pieces: Float32Array[] = [];
    const spoken: SpokenSentence[] = [];
    let at = 0;
    const gap = new Float32Array(Math.round(SENTENCE_GAP_SEC * cfg.sampleRate));
    for (const [i, sentence] of sentences.entries()) {
      ctx.throwIfCancelled();
      const ids = [...prepareText(sentence, input.language)]
        .map((ch) => indexer[ch.codePointAt(0)!] as unknown)
        .filter((id): id is number => typeof id === 'number' && id >= 0);
      const textIds = new ctx.ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (v) => BigInt(v)),
        [1, ids.length],
      );
      const textMask = f32(ctx, new Float32Array(ids.length).fill(1), [1, 1, ids.length]);
      const dur = await ctx.run(dp!, { text_ids: textIds, style_dp: styleDp, text_mask: textMask });
      const seconds = (dur.duration!.data as Float32Array)[0]! / speed;
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new AiError('task_failed', `The duration predictor gave ${seconds} s for a sentence`);
      const { text_emb: textEmb } = await ctx.run(enc!, { text_ids: textIds, style_ttl: styleTtl, text_mask: textMask });

      const wavLength = Math.floor(seconds * cfg.sampleRate);
      const frame = cfg.baseChunkSize * cfg.chunkCompressFactor;
      const latentLength = Math.max(1, Math.ceil(wavLength / frame));
      const latentChannels = cfg.latentDim * cfg.chunkCompressFactor;
      const shape = [1, latentChannels, latentLength];
      let latent: Ort.Tensor = f32(ctx, gaussianNoise(input.seed, latentChannels * latentLength, i), shape);
      const latentMask = f32(ctx, new Float32Array(latentLength).fill(1), [1, 1, latentLength]);
      const totalStep = f32(ctx, Float32Array.of(steps), [1]);
      for (let step = 0; step < steps; step++) {
        ctx.throwIfCancelled();
        const out = await ctx.run(est!, {
          noisy_latent: latent,
          text_emb: textEmb!,
          style_ttl: styleTtl,
          text_mask: textMask,
          latent_mask: latentMask,
          total_step: totalStep,
          current_step: f32(ctx, Float32Array.of(step), [1]),
        });
        latent = out.denoised_latent!;
      }
      const { wav_tts: wav } = await ctx.run(voc!, { latent });
      const samples = (wav!.data as Float32Array).subarray(0, wavLength);
      if (!samples.every(Number.isFinite)) throw new AiError('task_failed', 'The vocoder gave samples that are not numbers');
      if (i > 0) {
        pieces.push(gap);
        at += gap.length / cfg.sampleRate;
      }
      pieces.push(samples);
      spoken.push({ text: sentence, start: at, end: at + samples.length / cfg.sampleRate });
      at += samples.length / cfg.sampleRate;
      ctx.progress({ sentence: i + 1, sentences: sentences.length } satisfies SupertonicProgress);
    }
    const all = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of pieces) {
      all.set(p, offset);
      offset += p.length;
    }
    return { output: { samples: all, sampleRate: cfg.sampleRate, sentences: spoken }, transfer: [all.buffer] };
  },
};

export interface SpeechResult extends SupertonicOutput {
  /** The execution provider the graphs ran on. */
  provider: ExecutionProvider;
  timing: RunTiming;
}

/** Speaks `text` with a Supertonic model in the AI worker's `speech` lane. */
export async function synthesizeSpeech(
  pool: AiPool,
  input: SupertonicInput,
  options: { signal?: AbortSignal; onProgress?: (p: SupertonicProgress) => void } = {},
): Promise<SpeechResult> {
  if (!(SUPERTONIC_LANGUAGES as readonly string[]).includes(input.language)) {
    throw new AiError('bad_input', `Supertonic speaks ${SUPERTONIC_LANGUAGES.join(', ')}, not ${input.language}`);
  }
  if (input.steps !== undefined && (!Number.isInteger(input.steps) || input.steps < 1 || input.steps > 64)) {
    throw new AiError('bad_input', 'steps must be an integer from 1 to 64');
  }
  if (input.speed !== undefined && !(input.speed >= 0.5 && input.speed <= 2)) throw new AiError('bad_input', 'speed must be from 0.5 to 2');
  const result = await pool.run<SupertonicOutput>('supertonic', input, {
    capability: 'speech',
    signal: options.signal,
    onProgress: options.onProgress as ((value: unknown) => void) | undefined,
  });
  return { ...result.output, provider: result.providers[0] ?? pool.providers.preferred, timing: result.timing };
}
