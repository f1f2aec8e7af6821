import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import type { FfmpegCommand } from 'fluent-ffmpeg';
import { loadFluentFfmpeg } from './lazy';
import { asarUnpacked, bundledBinDir } from '../paths';

/**
 * Every ffmpeg call in Atelier goes through this module (fluent-ffmpeg is archived upstream, so
 * it must stay swappable in one place).
 */

export class FfmpegMissingError extends Error {
  constructor(message?: string) {
    super(
      message ??
        'ffmpeg was not found. Reinstall Atelier (it ships one), install it (Debian/Ubuntu: apt-get install ffmpeg; ' +
          'macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set ATELIER_FFMPEG_PATH to the ffmpeg binary.',
    );
    this.name = 'FfmpegMissingError';
  }
}

/** An ffmpeg is there, but no build found has what this work needs (e.g. an old static build without xfade). */
export class FfmpegFeatureMissingError extends FfmpegMissingError {
  constructor(
    readonly features: FfmpegFeature[],
    found: FfmpegLocation[],
  ) {
    super(
      `This needs an ffmpeg with ${features.join(', ')}; ` +
        (found
          .map((f) => `the ${f.source} ffmpeg ${f.version} (${f.ffmpeg}) lacks ${f.missing.filter((m) => features.includes(m)).join(', ')}`)
          .join('; ') || 'none was found') +
        '. Install a recent ffmpeg (4.4 or later) or set ATELIER_FFMPEG_PATH to one.',
    );
    this.name = 'FfmpegFeatureMissingError';
  }
}

export class MediaDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaDecodeError';
  }
}

/**
 * The filters and encoders Atelier's media code relies on. Each build is checked once, so a
 * missing one is named at start-up (and by /health) instead of discovered by a failing job.
 */
export const FFMPEG_FEATURES = {
  loudnorm: 'filter',
  ebur128: 'filter',
  acompressor: 'filter',
  alimiter: 'filter',
  amix: 'filter',
  adelay: 'filter',
  highpass: 'filter',
  atrim: 'filter',
  apad: 'filter',
  zoompan: 'filter',
  xfade: 'filter',
  subtitles: 'filter',
  drawtext: 'filter',
  libmp3lame: 'encoder',
  aac: 'encoder',
  flac: 'encoder',
  libopus: 'encoder',
  libx264: 'encoder',
} as const;
export type FfmpegFeature = keyof typeof FFMPEG_FEATURES;

/**
 * Where the binary came from: `env` (ATELIER_FFMPEG_PATH), `bundled` (copied into the installer's
 * resources/bin), `npm` (the static build of @ffmpeg-installer), `system` (PATH).
 */
export type FfmpegSource = 'settings' | 'env' | 'bundled' | 'npm' | 'system';

/** The ffmpeg chosen in Settings (system/settings.ts `ffmpeg`), tried before every other. */
let chosen: string | null = null;

/** Sets (or clears) the Settings choice; the next lookup resolves again. */
export function setFfmpegOverride(ffmpegPath: string | null): void {
  if (chosen === ffmpegPath) return;
  chosen = ffmpegPath;
  builds = null;
}

export interface FfmpegLocation {
  ffmpeg: string;
  ffprobe: string | null;
  source: FfmpegSource;
  version: string;
  /** Features from FFMPEG_FEATURES this build lacks. */
  missing: FfmpegFeature[];
}

const run = promisify(execFile);
const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe(name));
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The binary a platform package of @ffmpeg-installer / @ffprobe-installer ships, outside the asar in a packaged app. */
function npmBinary(scope: '@ffmpeg-installer' | '@ffprobe-installer', name: string): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve(`${scope}/${process.platform}-${process.arch}/package.json`);
    return asarUnpacked(path.join(path.dirname(pkg), exe(name)));
  } catch {
    return null;
  }
}

export interface FfmpegSearch {
  env?: NodeJS.ProcessEnv;
  /** Folder the installer copies ffmpeg/ffprobe into; default resources/bin/<platform>-<arch>. */
  bundledDir?: string;
  /** Whether to consider the @ffmpeg-installer build; tests of the order turn it off. */
  npm?: boolean;
}

/** The candidates in the order they are tried: ATELIER_FFMPEG_PATH, the installer's copy, the npm build, PATH. */
export function ffmpegCandidates(search: FfmpegSearch = {}): { ffmpeg: string; ffprobe: string | null; source: FfmpegSource }[] {
  const env = search.env ?? process.env;
  const bundledDir = search.bundledDir ?? bundledBinDir();
  const useNpm = search.npm ?? true;
  const sibling = (bin: string) => {
    const probe = path.join(path.dirname(bin), exe('ffprobe'));
    return fs.existsSync(probe) ? probe : null;
  };
  const probeFallback = () => (useNpm ? npmBinary('@ffprobe-installer', 'ffprobe') : null) ?? onPath('ffprobe', env);
  const out: { ffmpeg: string; ffprobe: string | null; source: FfmpegSource }[] = [];
  const add = (bin: string | null | undefined, source: FfmpegSource, probe?: string | null) => {
    if (!bin || !fs.existsSync(bin)) return;
    out.push({ ffmpeg: bin, ffprobe: probe && fs.existsSync(probe) ? probe : (sibling(bin) ?? probeFallback()), source });
  };
  if (search.env === undefined) add(chosen, 'settings');
  add(env.ATELIER_FFMPEG_PATH, 'env', env.ATELIER_FFPROBE_PATH);
  add(path.join(bundledDir, exe('ffmpeg')), 'bundled');
  if (useNpm) add(npmBinary('@ffmpeg-installer', 'ffmpeg'), 'npm');
  add(onPath('ffmpeg', env), 'system');
  return out;
}

/** Runs a candidate once: its version and which of FFMPEG_FEATURES it has. Null when it does not run. */
export async function inspectFfmpeg(candidate: {
  ffmpeg: string;
  ffprobe: string | null;
  source: FfmpegSource;
}): Promise<FfmpegLocation | null> {
  try {
    const [version, filters, encoders] = await Promise.all(
      [['-version'], ['-filters'], ['-encoders']].map((args) => run(candidate.ffmpeg, ['-hide_banner', ...args], { maxBuffer: 8 << 20 })),
    );
    const listed = (text: string) => new Set(text.split('\n').map((line) => line.trim().split(/\s+/)[1]));
    const have = { filter: listed(filters!.stdout), encoder: listed(encoders!.stdout) };
    const missing = (Object.keys(FFMPEG_FEATURES) as FfmpegFeature[]).filter((f) => !have[FFMPEG_FEATURES[f]].has(f));
    return { ...candidate, version: /ffmpeg version (\S+)/.exec(version!.stdout)?.[1] ?? 'unknown', missing };
  } catch {
    return null; // present but not runnable (wrong architecture, no exec bit)
  }
}

/** Every runnable ffmpeg, in resolution order. */
export async function findFfmpegs(search: FfmpegSearch = {}): Promise<FfmpegLocation[]> {
  const inspected = await Promise.all(ffmpegCandidates(search).map(inspectFfmpeg));
  return inspected.filter((f): f is FfmpegLocation => f !== null);
}

let builds: Promise<FfmpegLocation[]> | null = null;

/**
 * The ffmpeg to use: the first in resolution order that has every feature in `needs` (most work
 * needs none beyond the basics, so that is simply the first that runs). Null when none fits.
 */
export async function locateFfmpeg(needs: FfmpegFeature[] = []): Promise<FfmpegLocation | null> {
  builds ??= findFfmpegs();
  return pickFfmpeg(await builds, needs);
}

/** The first build (in resolution order) that has every feature in `needs`. */
export const pickFfmpeg = (found: FfmpegLocation[], needs: FfmpegFeature[] = []): FfmpegLocation | null =>
  found.find((f) => needs.every((n) => !f.missing.includes(n))) ?? null;

/** Every ffmpeg that was found, first the one plain work uses: for /health, Settings and the bench. */
export function listFfmpegs(): Promise<FfmpegLocation[]> {
  builds ??= findFfmpegs();
  return builds;
}

/** The ffmpeg for work that needs `needs`, or the error that names what is missing. */
export async function requireFfmpeg(needs: FfmpegFeature[] = [], found?: FfmpegLocation[]): Promise<FfmpegLocation> {
  const all = found ?? (await listFfmpegs());
  const fit = pickFfmpeg(all, needs);
  if (fit) return fit;
  if (all.length === 0) throw new FfmpegMissingError();
  throw new FfmpegFeatureMissingError(needs, all);
}

export interface DecodeOptions {
  sampleRate: number;
  channels?: 1 | 2;
  /** Seconds to skip and to keep, for long inputs. */
  startSeconds?: number;
  durationSeconds?: number;
  signal?: AbortSignal;
}

/** Decodes any audio ffmpeg reads into interleaved 32-bit float PCM at the given rate. */
export async function decodeAudio(input: string, opts: DecodeOptions): Promise<Float32Array> {
  const ffmpeg = await loadFluentFfmpeg();
  const { ffmpeg: bin } = await requireFfmpeg();
  const channels = opts.channels ?? 1;
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  let command = ffmpeg(input).setFfmpegPath(bin).noVideo().audioChannels(channels).audioFrequency(opts.sampleRate).format('f32le');
  if (opts.startSeconds) command = command.seekInput(opts.startSeconds);
  if (opts.durationSeconds) command = command.duration(opts.durationSeconds);
  await runToEnd(command, 'decode the audio', (c) => c.pipe(sink, { end: true }), opts.signal);
  const all = Buffer.concat(chunks);
  // Copy into an aligned buffer: Buffer.concat may hand back an unaligned slice of its pool.
  const pcm = new Float32Array(all.byteLength / 4);
  new Uint8Array(pcm.buffer).set(all.subarray(0, pcm.byteLength));
  return pcm;
}

/**
 * Runs a prepared command until ffmpeg exits: killed when `signal` aborts (rejecting with its
 * reason), any other failure a MediaDecodeError carrying ffmpeg's last words. `start` sends the
 * output somewhere (`save`, `pipe`), which is what starts the process.
 */
export function runToEnd(
  command: FfmpegCommand,
  what: string,
  start: (command: FfmpegCommand) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => command.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    command
      .on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
        const reason = stderr?.split('\n').filter(Boolean).slice(-2).join(' ') || err.message;
        reject(new MediaDecodeError(`Could not ${what}: ${reason}`));
      })
      .on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    start(command);
  });
}

/** Lets `produce` write `output` through a temp name in the same folder: no partial file is ever left. */
export async function writeAtomically(output: string, produce: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${output}.${process.pid}.${Date.now()}.part${path.extname(output)}`;
  try {
    await produce(tmp);
    fs.renameSync(tmp, output);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export interface ProbeResult {
  formatName: string;
  durationSeconds: number | null;
  streams: { type: string; codec: string; sampleRate?: number; channels?: number; width?: number; height?: number }[];
}

/** Container and streams of a media file, from ffprobe. */
export async function probeMedia(input: string): Promise<ProbeResult> {
  const ffmpeg = await loadFluentFfmpeg();
  const found = await requireFfmpeg();
  if (!found.ffprobe) throw new FfmpegMissingError();
  ffmpeg.setFfprobePath(found.ffprobe);
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(input, (err, data) => {
      if (err) return reject(new MediaDecodeError(`Not a readable media file: ${String(err.message).split('\n').slice(-2).join(' ')}`));
      resolve({
        formatName: data.format.format_name ?? 'unknown',
        durationSeconds: typeof data.format.duration === 'number' ? data.format.duration : null,
        streams: data.streams.map((s) => ({
          type: s.codec_type ?? 'unknown',
          codec: s.codec_name ?? 'unknown',
          sampleRate: s.sample_rate ? Number(s.sample_rate) : undefined,
          channels: s.channels,
          width: s.width,
          height: s.height,
        })),
      });
    });
  });
}

export interface EncodeAudioOptions {
  sampleRate: number;
  channels: 1 | 2;
  /** Output container/codec by extension of `output`: .wav (PCM 16-bit), .mp3, .m4a, .flac, .ogg */
  output: string;
  bitrateKbps?: number;
}

/** Encodes interleaved float PCM to a file; writes to a temp name and renames, so no partial file remains. */
export async function encodeAudio(pcm: Float32Array, opts: EncodeAudioOptions): Promise<void> {
  const ffmpeg = await loadFluentFfmpeg();
  const { ffmpeg: bin } = await requireFfmpeg();
  await writeAtomically(opts.output, async (tmp) => {
    const source = new PassThrough();
    let command = ffmpeg(source)
      .setFfmpegPath(bin)
      .inputFormat('f32le')
      .inputOptions([`-ar ${opts.sampleRate}`, `-ac ${opts.channels}`]);
    if (opts.output.endsWith('.wav')) command = command.audioCodec('pcm_s16le');
    else if (opts.bitrateKbps) command = command.audioBitrate(opts.bitrateKbps);
    const done = runToEnd(command, 'encode audio', (c) => c.save(tmp));
    source.end(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    await done;
  });
}

/**
 * A filter graph that adds `inputs` sample by sample (no averaging), each padded with silence to
 * `seconds`. amix's `normalize=0` would say this directly but only exists from ffmpeg 4.4; amix
 * scales every input by 1/N while all N are playing, so equal lengths and `volume=N` give the
 * same sum on every build, the npm-shipped 4.1 included.
 */
export function sumGraph(inputs: string[], seconds: number, output: string): string {
  const padded = inputs.map((label, i) => `${label}apad,atrim=duration=${seconds.toFixed(3)}[sum${i}]`);
  const labels = inputs.map((_, i) => `[sum${i}]`).join('');
  return [...padded, `${labels}amix=inputs=${inputs.length}:duration=longest,volume=${inputs.length}${output}`].join(';');
}
