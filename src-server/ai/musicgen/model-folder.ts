import fs from 'node:fs';
import path from 'node:path';

// A MusicGen model in the layout of the Hugging Face / Xenova ONNX export (Xenova/musicgen-small):
// config.json, generation_config.json, tokenizer.json (+ tokenizer_config.json) and onnx/ with
// text_encoder, decoder_model_merged and encodec_decode, each as fp32 and optionally *_fp16 or
// *_quantized. Optional: onnx/encodec_encode.onnx (audio prompts) and preprocessor_config.json
// (the chroma settings of musicgen-melody). Reading a folder checks files and configs only; the
// pipeline reads tensor names and types from the sessions.

export type MusicgenVariant = 'fp32' | 'fp16' | 'quantized';
export const MUSICGEN_VARIANTS: readonly MusicgenVariant[] = ['fp32', 'fp16', 'quantized'];
const SUFFIX: Record<MusicgenVariant, string> = { fp32: '', fp16: '_fp16', quantized: '_quantized' };

export type MusicgenComponent = 'text_encoder' | 'decoder_model_merged' | 'encodec_decode' | 'encodec_encode';
const REQUIRED: readonly MusicgenComponent[] = ['text_encoder', 'decoder_model_merged', 'encodec_decode'];

export interface MusicgenConfig {
  modelType: string;
  /** The config says musicgen-melody (model_type or architectures). */
  melody: boolean;
  numCodebooks: number;
  /** Codebook size: the decoder's vocabulary (2048). */
  vocabSize: number;
  numLayers: number;
  numHeads: number;
  hiddenSize: number;
  /** EnCodec's output rate (32000). */
  samplingRate: number;
  /** Codec frames per second (50). */
  frameRate: number;
  padTokenId: number;
  decoderStartTokenId: number;
  guidanceScale: number;
  topK: number;
  doSample: boolean;
  temperature: number;
  /** Longest token sequence, start token included: frames ≤ maxLength − numCodebooks. */
  maxLength: number;
  /** T5's limit on prompt tokens. */
  maxPromptTokens: number;
  /** musicgen-melody's chroma settings (preprocessor_config.json); defaults of its feature extractor. */
  chroma: { nFft: number; hopLength: number; length: number; samplingRate: number };
}

export interface MusicgenFolder {
  id: string;
  dir: string;
  config: MusicgenConfig;
  /** Variants whose text encoder, decoder and EnCodec decoder are all there (a missing variant file falls back to fp32). */
  variants: MusicgenVariant[];
  /** Whether onnx/encodec_encode.onnx is there (the take can be an audio prompt). */
  canEncode: boolean;
}

export class MusicgenFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MusicgenFolderError';
  }
}

type Json = Record<string, unknown>;

function readJson(file: string, required: boolean): Json | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MusicgenFolderError(`cannot read ${path.basename(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Json;
  } catch (err) {
    throw new MusicgenFolderError(`${path.basename(file)} is not valid JSON: ${(err as Error).message}`);
  }
}

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

function int(from: Json, key: string, where: string, fallback?: number): number {
  const v = from[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new MusicgenFolderError(`${where} needs a positive integer ${key}, got ${JSON.stringify(from[key])}`);
  return v;
}

function num(from: Json, key: string, fallback: number): number {
  const v = from[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The path of one component's .onnx file for a variant (fp32's when the variant has none), or null. */
export function componentFile(dir: string, component: MusicgenComponent, variant: MusicgenVariant): string | null {
  for (const v of variant === 'fp32' ? ['fp32' as const] : [variant, 'fp32' as const]) {
    const file = path.join(dir, 'onnx', `${component}${SUFFIX[v]}.onnx`);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

function readConfig(dir: string): MusicgenConfig {
  const config = readJson(path.join(dir, 'config.json'), true)!;
  const generation = readJson(path.join(dir, 'generation_config.json'), true)!;
  const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json'), false) ?? {};
  const preprocessor = readJson(path.join(dir, 'preprocessor_config.json'), false) ?? {};
  const decoder = obj(config.decoder);
  const audio = obj(config.audio_encoder);
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  if (!/musicgen/i.test(modelType) && !architectures.some((a) => /musicgen/i.test(a))) {
    throw new MusicgenFolderError(`config.json is not a MusicGen config (model_type ${JSON.stringify(config.model_type ?? null)})`);
  }
  const samplingRate = int(audio, 'sampling_rate', 'config.json audio_encoder');
  // EncodecConfig derives frame_rate from the upsampling ratios when it is not written out.
  const ratios = Array.isArray(audio.upsampling_ratios) ? audio.upsampling_ratios.filter((r): r is number => typeof r === 'number') : [];
  const hop = ratios.reduce((a, b) => a * b, 1);
  const frameRate = typeof audio.frame_rate === 'number' ? audio.frame_rate : ratios.length ? Math.ceil(samplingRate / hop) : NaN;
  if (!Number.isFinite(frameRate) || frameRate <= 0)
    throw new MusicgenFolderError('config.json audio_encoder needs frame_rate or upsampling_ratios');
  const numCodebooks = int(decoder, 'num_codebooks', 'config.json decoder');
  const vocabSize = int(decoder, 'vocab_size', 'config.json decoder');
  const padTokenId = int(
    generation,
    'pad_token_id',
    'generation_config.json',
    typeof decoder.pad_token_id === 'number' ? decoder.pad_token_id : undefined,
  );
  const maxLength = int(generation, 'max_length', 'generation_config.json', 1500);
  const promptLimit = num(tokenizerConfig, 'model_max_length', 512);
  if (maxLength <= numCodebooks)
    throw new MusicgenFolderError(`generation_config.json max_length ${maxLength} leaves no frames for ${numCodebooks} codebooks`);
  return {
    modelType,
    melody: /melody/i.test(modelType) || architectures.some((a) => /melody/i.test(a)),
    numCodebooks,
    vocabSize,
    numLayers: int(decoder, 'num_hidden_layers', 'config.json decoder'),
    numHeads: int(decoder, 'num_attention_heads', 'config.json decoder'),
    hiddenSize: int(decoder, 'hidden_size', 'config.json decoder'),
    samplingRate,
    frameRate,
    padTokenId,
    decoderStartTokenId: int(generation, 'decoder_start_token_id', 'generation_config.json', padTokenId),
    guidanceScale: num(generation, 'guidance_scale', 1),
    topK: Math.max(0, Math.floor(num(generation, 'top_k', 0))),
    doSample: generation.do_sample !== false,
    temperature: num(generation, 'temperature', 1),
    maxLength,
    // transformers writes a huge sentinel when a tokenizer has no limit.
    maxPromptTokens: promptLimit > 1e6 ? 512 : Math.max(1, Math.floor(promptLimit)),
    chroma: {
      nFft: Math.floor(num(preprocessor, 'n_fft', 16384)),
      hopLength: Math.floor(num(preprocessor, 'hop_length', 4096)),
      length: Math.floor(num(preprocessor, 'chroma_length', 235)),
      samplingRate: Math.floor(num(preprocessor, 'sampling_rate', samplingRate)),
    },
  };
}

/** Reads and checks one model folder; throws MusicgenFolderError saying what is missing or wrong. */
export function readMusicgenFolder(dir: string): MusicgenFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new MusicgenFolderError(`${dir} is not a folder`);
  const config = readConfig(dir);
  if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) throw new MusicgenFolderError('tokenizer.json is missing');
  const missing = REQUIRED.filter((c) => !componentFile(dir, c, 'fp32') && !MUSICGEN_VARIANTS.some((v) => componentFile(dir, c, v)));
  if (missing.length)
    throw new MusicgenFolderError(`onnx/${missing.map((m) => `${m}.onnx`).join(', onnx/')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  const variants = MUSICGEN_VARIANTS.filter(
    (v) =>
      fs.existsSync(path.join(dir, 'onnx', `decoder_model_merged${SUFFIX[v]}.onnx`)) && REQUIRED.every((c) => componentFile(dir, c, v)),
  );
  if (!variants.length) throw new MusicgenFolderError('no variant has its text encoder, decoder and EnCodec decoder together');
  return { id: path.basename(dir), dir, config, variants, canEncode: componentFile(dir, 'encodec_encode', 'fp32') !== null };
}

/** Where MusicGen models live in a data folder. */
export const musicgenRoot = (dataDir: string) => path.join(dataDir, 'models', 'musicgen');

export interface MusicgenListing {
  models: MusicgenFolder[];
  /** Folders that are there but not usable, with why. */
  problems: { id: string; problem: string }[];
}

/** The model folders under models/musicgen/, by name; hidden folders (installs in progress) are skipped. */
export function listMusicgenModels(dataDir: string): MusicgenListing {
  const root = musicgenRoot(dataDir);
  const listing: MusicgenListing = { models: [], problems: [] };
  if (!fs.existsSync(root)) return listing;
  for (const entry of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    try {
      listing.models.push(readMusicgenFolder(path.join(root, entry.name)));
    } catch (err) {
      listing.problems.push({ id: entry.name, problem: err instanceof Error ? err.message : String(err) });
    }
  }
  return listing;
}
