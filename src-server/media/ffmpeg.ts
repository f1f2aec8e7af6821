import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';
import { resourcesDir } from '../paths';

/**
 * Every ffmpeg call in Atelier goes through this module (fluent-ffmpeg is archived upstream, so
 * it must stay swappable in one place).
 */

export class FfmpegMissingError extends Error {
  constructor() {
    super(
      'ffmpeg was not found. Install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; ' +
        'Windows: winget install ffmpeg) or set ATELIER_FFMPEG_PATH to the ffmpeg binary.',
    );
    this.name = 'FfmpegMissingError';
  }
}

export class MediaDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaDecodeError';
  }
}

export interface FfmpegLocation {
  ffmpeg: string;
  ffprobe: string | null;
  source: 'env' | 'bundled' | 'system';
  version: string;
}

const run = promisify(execFile);
const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
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

let located: Promise<FfmpegLocation | null> | null = null;

/** ATELIER_FFMPEG_PATH, then a binary bundled in resources/bin, then the system PATH. */
export function locateFfmpeg(env = process.env): Promise<FfmpegLocation | null> {
  located ??= (async () => {
    const bundledDir = path.join(resourcesDir(), 'bin', `${process.platform}-${process.arch}`);
    const candidates: [string | null | undefined, FfmpegLocation['source']][] = [
      [env.ATELIER_FFMPEG_PATH, 'env'],
      [path.join(bundledDir, exe('ffmpeg')), 'bundled'],
      [onPath('ffmpeg'), 'system'],
    ];
    for (const [bin, source] of candidates) {
      if (!bin || !fs.existsSync(bin)) continue;
      try {
        const { stdout } = await run(bin, ['-hide_banner', '-version']);
        const version = /ffmpeg version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
        const probeSibling = path.join(path.dirname(bin), exe('ffprobe'));
        const ffprobe = fs.existsSync(probeSibling) ? probeSibling : onPath('ffprobe');
        return { ffmpeg: bin, ffprobe, source, version };
      } catch {
        // present but not runnable: try the next one
      }
    }
    return null;
  })();
  return located;
}

async function requireFfmpeg(): Promise<FfmpegLocation> {
  const found = await locateFfmpeg();
  if (!found) throw new FfmpegMissingError();
  return found;
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
export function runToEnd(command: ffmpeg.FfmpegCommand, what: string, start: (command: ffmpeg.FfmpegCommand) => void, signal?: AbortSignal): Promise<void> {
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
