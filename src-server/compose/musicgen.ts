import fs from 'node:fs';
import path from 'node:path';
import { resolveSeed } from '../ai/diffusion/noise';
import { generateMusic, type MusicgenResult } from '../ai/musicgen/pipeline';
import {
  listMusicgenModels,
  musicgenRoot,
  type MusicgenFolder,
  type MusicgenListing,
  type MusicgenVariant,
} from '../ai/musicgen/model-folder';
import type { AiPool } from '../ai/pool';
import { isAiError } from '../ai/protocol';
import { ComposerError, composerUnavailable, type Composer, type ComposeInput, type ComposeOutput } from './composer';
import { decodeAudio, encodeAudio } from '../media/ffmpeg';
import { masterSong, type Loudness } from '../media/master';
import { noMelody } from './engine';

/**
 * MusicGen as the studio's second composing engine: the prompt (and the take, as a chroma or an
 * audio prompt where the model allows) → music from the first usable model folder under
 * <data>/models/musicgen/ → mixed with the take and mastered like atelier-arranger's songs.
 * Writes song.wav, song.mp3, stems/musicgen.wav and stems/vocal.wav into the work folder.
 */

const MIX_RATE = 44_100;
/** How far the voice sits above the music, by mean power, before compression (as the arranger). */
const VOICE_OVER_BAND_DB = 2;
/** Progress: decoding the take, generating (most of it), decoding the codes is inside generating, then the mix. */
const GENERATE_START = 0.05;
const MIX_START = 0.85;
/** fp32 first: the CPU provider runs float16 models by casting, which only costs time there. */
const VARIANT_ORDER: readonly MusicgenVariant[] = ['fp32', 'fp16', 'quantized'];

export interface MusicgenComposeOutput extends ComposeOutput {
  mp3: string;
  stems: { name: string; file: string }[];
  engine: string;
  durationSec: number;
  loudness: Loudness;
  seed: number;
  melody: MusicgenResult['melody'];
  frames: number;
}

function meanSquare(pcm: Float32Array): number {
  let s = 0;
  for (let i = 0; i < pcm.length; i++) s += pcm[i]! ** 2;
  return pcm.length ? s / pcm.length : 0;
}

/** How long a look at models/musicgen/ is reused: `name` is read on every progress message of a job. */
const LISTING_TTL_MS = 2000;

export class MusicgenComposer implements Composer {
  private listed: { at: number; listing: MusicgenListing } | null = null;

  constructor(
    private readonly pool: AiPool,
    private readonly dataDir: string,
  ) {}

  /** The model folders, read again after a moment, so a model copied in is picked up without a restart. */
  private listing(): MusicgenListing {
    const now = performance.now();
    if (!this.listed || now - this.listed.at > LISTING_TTL_MS) this.listed = { at: now, listing: listMusicgenModels(this.dataDir) };
    return this.listed.listing;
  }

  /** The model it uses: the first usable folder by name. */
  model(): MusicgenFolder | null {
    return this.listing().models[0] ?? null;
  }

  get name(): string {
    return `musicgen:${this.model()?.id ?? 'none'} (onnx, ${this.pool.providers.preferred})`;
  }

  unavailable(): string | null {
    // A request is about to use it: look at the folder as it is now.
    this.listed = null;
    const listing = this.listing();
    if (listing.models.length) return null;
    const root = musicgenRoot(this.dataDir);
    if (listing.problems.length) {
      return `MusicGen is not installed: ${listing.problems.map((p) => `models/musicgen/${p.id} is not usable (${p.problem})`).join('; ')}`;
    }
    return `MusicGen is not installed: no model folder in ${root} (put a MusicGen ONNX export there, in the Xenova/musicgen-small layout: config.json, generation_config.json, tokenizer.json, onnx/text_encoder.onnx, onnx/decoder_model_merged.onnx, onnx/encodec_decode.onnx)`;
  }

  maxDurationSec(): number | null {
    const m = this.model();
    if (!m) return null;
    return Math.floor(((m.config.maxLength - m.config.numCodebooks) / m.config.frameRate) * 100) / 100;
  }

  async compose(input: ComposeInput): Promise<MusicgenComposeOutput> {
    const { signal, workDir } = input;
    const model = this.model();
    if (!model) throw composerUnavailable('musicgen', this.unavailable() ?? undefined);
    const cfg = model.config;
    const variant = VARIANT_ORDER.find((v) => model.variants.includes(v))!;

    input.progress(0, 'decode');
    // A melody model reads the chroma at its feature extractor's rate; otherwise the take is an audio prompt at EnCodec's.
    const melodyRate = cfg.melody ? cfg.chroma.samplingRate : cfg.samplingRate;
    const take = await decodeAudio(input.source, { sampleRate: melodyRate, signal });
    if (take.length === 0) throw noMelody('the recording is empty');
    const takeSec = take.length / melodyRate;
    const most = this.maxDurationSec() ?? 30;
    const seconds = Math.min(most, input.durationSec ?? Math.max(1, Math.round(takeSec * 100) / 100));
    const voicePower = meanSquare(take);

    const stemDir = path.join(workDir, 'stems');
    fs.mkdirSync(stemDir, { recursive: true });
    const vocalStem = path.join(stemDir, 'vocal.wav');
    await encodeAudio(take, { sampleRate: melodyRate, channels: 1, output: vocalStem });

    input.progress(GENERATE_START, 'generate');
    const seed = resolveSeed();
    let result: MusicgenResult;
    try {
      result = await generateMusic(
        this.pool,
        {
          modelDir: model.dir,
          variant,
          // MusicGen hears key and tempo only in words.
          prompt: [input.prompt, input.key ? `in ${input.key}` : null, input.bpm ? `${Math.round(input.bpm)} bpm` : null]
            .filter(Boolean)
            .join(', '),
          seconds,
          seed,
          melody: take,
          melodySampleRate: melodyRate,
        },
        { signal, onProgress: (p) => input.progress(GENERATE_START + (MIX_START - GENERATE_START) * (p.step / p.steps), 'generate') },
      );
    } catch (err) {
      if (isAiError(err) && err.code !== 'cancelled' && err.code !== 'pool_closed')
        throw new ComposerError('failed', `MusicGen (${model.id}) failed: ${err.message}`);
      throw err;
    }

    // Stems are 16-bit WAV: scale the music down only when it would clip.
    let peak = 0;
    for (let i = 0; i < result.audio.length; i++) peak = Math.max(peak, Math.abs(result.audio[i]!));
    const scale = peak > 0.98 ? 0.98 / peak : 1;
    if (scale !== 1) for (let i = 0; i < result.audio.length; i++) result.audio[i]! *= scale;
    const musicStem = path.join(stemDir, 'musicgen.wav');
    await encodeAudio(result.audio, { sampleRate: result.sampleRate, channels: 1, output: musicStem });

    input.progress(MIX_START, 'mix');
    const wav = path.join(workDir, 'song.wav');
    const mp3 = path.join(workDir, 'song.mp3');
    const durationSec = result.frames / cfg.frameRate;
    const loudness = await masterSong({
      vocal: input.source,
      vocalStartSec: 0,
      vocalDurationSec: Math.min(takeSec, durationSec),
      vocalDelaySec: 0,
      vocalGainDb: 10 * Math.log10(Math.max(meanSquare(result.audio), 1e-12) / Math.max(voicePower, 1e-12)) + VOICE_OVER_BAND_DB,
      stems: [musicStem],
      durationSec,
      wav,
      mp3,
      sampleRate: MIX_RATE,
      signal,
    });
    input.progress(1, 'mix');

    const provider = result.providers[0] ?? this.pool.providers.preferred;
    return {
      file: wav,
      mp3,
      stems: [
        { name: 'musicgen', file: musicStem },
        { name: 'vocal', file: vocalStem },
      ],
      engine: `musicgen:${model.id} (onnx${variant === 'fp32' ? '' : ` ${variant}`}, ${provider})`,
      ...(result.melodyNote
        ? {
            note:
              result.melody === 'unused' ? `The melody was not used: ${result.melodyNote}` : `The melody was used: ${result.melodyNote}`,
          }
        : {}),
      durationSec,
      loudness,
      seed,
      melody: result.melody,
      frames: result.frames,
    };
  }
}
