import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MediaDecodeError, requireFfmpeg, sumGraph } from './ffmpeg';

/**
 * Mastering a composed song: the sung take placed over the rendered stems, compressed and brought
 * to a loudness target with loudnorm's two passes (measure, then a linear gain), then WAV + MP3.
 */

/** Runs ffmpeg with raw arguments (filter graphs fluent-ffmpeg cannot express); resolves on its stderr. */
async function runFfmpeg(args: string[], what: string, signal?: AbortSignal): Promise<string> {
  const found = await requireFfmpeg();
  if (signal?.aborted) throw signal.reason;
  return new Promise((resolve, reject) => {
    const child = spawn(found.ffmpeg, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      // Only the end matters (loudnorm's JSON, ebur128's summary, the error).
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => reject(new MediaDecodeError(`Could not ${what}: ${err.message}`)));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve(stderr);
      const reason = stderr.split('\n').filter(Boolean).slice(-2).join(' ');
      reject(new MediaDecodeError(`Could not ${what}: ${reason}`));
    });
  });
}

export interface Loudness {
  /** Integrated loudness, LUFS. */
  integrated: number;
  /** True peak, dBTP. */
  truePeak: number;
  /** Loudness range, LU. */
  range: number;
  /** The relative gate of the integrated measurement, LUFS. */
  threshold: number;
}

/** EBU R128 loudness of a file (ffmpeg's ebur128 filter). */
export async function measureLoudness(file: string, signal?: AbortSignal): Promise<Loudness> {
  const log = await runFfmpeg(['-i', file, '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'], 'measure the loudness', signal);
  const summary = log.slice(log.lastIndexOf('Summary:'));
  const num = (re: RegExp) => {
    const m = re.exec(summary);
    if (!m) throw new MediaDecodeError(`Could not read the loudness of ${path.basename(file)}`);
    return Number(m[1]);
  };
  return {
    integrated: num(/I:\s+(-?[\d.]+) LUFS/),
    threshold: num(/I:[^\n]*\n\s*Threshold:\s+(-?[\d.]+) LUFS/),
    range: num(/LRA:\s+(-?[\d.]+) LU/),
    truePeak: num(/Peak:\s+(-?[\d.]+) dBFS/),
  };
}

export interface MasterOptions {
  /** The sung take, any format ffmpeg reads. */
  vocal: string;
  /** Part of the take to use (silence trimmed), seconds. */
  vocalStartSec: number;
  vocalDurationSec: number;
  /** Where the trimmed take starts in the song. */
  vocalDelaySec: number;
  /** Gain that sets the take's level against the band, dB. */
  vocalGainDb: number;
  /** Rendered stems, already at their mix levels. */
  stems: string[];
  durationSec: number;
  /** Integrated loudness target; -14 LUFS, as streaming services normalise to. */
  targetLufs?: number;
  wav: string;
  mp3: string;
  sampleRate?: number;
  signal?: AbortSignal;
}

const TRUE_PEAK_CEILING = -1;

/**
 * Mixes the take over the stems, then masters: the voice is high-passed and compressed; the sum
 * goes through a gentle bus compressor; a gain and a limiter bring it near the target, and
 * loudnorm, in its linear mode with the mix measured by ebur128, sets the final level. Its
 * one-pass (dynamic) mode is not used: it resamples to 192 kHz and costs more than the rest of
 * the mastering together. Writes the WAV and the MP3 from one pass.
 */
export async function masterSong(opts: MasterOptions): Promise<Loudness> {
  const target = opts.targetLufs ?? -14;
  const sr = opts.sampleRate ?? 44100;
  const premix = `${opts.wav}.premix.wav`;
  const levelled = `${opts.wav}.levelled.wav`;
  const delayMs = Math.max(0, Math.round(opts.vocalDelaySec * 1000));
  const stemInputs = opts.stems.flatMap((s) => ['-i', s]);
  // The voice is stereo by then, so adelay gets one delay per channel (its all=1 needs ffmpeg 4.2+).
  const graph = [
    `[0:a]atrim=start=${opts.vocalStartSec.toFixed(3)}:duration=${opts.vocalDurationSec.toFixed(3)},asetpts=PTS-STARTPTS,` +
      `aformat=sample_fmts=fltp:channel_layouts=stereo,aresample=${sr},highpass=f=90,volume=${opts.vocalGainDb.toFixed(2)}dB,` +
      `acompressor=threshold=0.1:ratio=3:attack=8:release=150,adelay=${delayMs}|${delayMs}[voice]`,
    sumGraph(['[voice]', ...opts.stems.map((_, i) => `[${i + 1}:a]`)], opts.durationSec, '[mix]'),
    `[mix]acompressor=threshold=0.2:ratio=2:attack=20:release=250,` + `atrim=duration=${opts.durationSec.toFixed(3)}[out]`,
  ].join(';');
  try {
    await runFfmpeg(
      ['-y', '-i', opts.vocal, ...stemInputs, '-filter_complex', graph, '-map', '[out]', '-ar', String(sr), '-c:a', 'pcm_f32le', premix],
      'mix the song',
      opts.signal,
    );
    const raw = await measureLoudness(premix, opts.signal);
    await runFfmpeg(
      [
        '-y',
        '-i',
        premix,
        '-af',
        `volume=${(target - raw.integrated).toFixed(2)}dB,alimiter=limit=0.8:attack=5:release=80:level=false`,
        '-c:a',
        'pcm_f32le',
        levelled,
      ],
      'level the song',
      opts.signal,
    );
    const m = await measureLoudness(levelled, opts.signal);
    const loudnorm =
      `loudnorm=I=${target}:TP=${TRUE_PEAK_CEILING}:LRA=20:linear=true:measured_I=${m.integrated}:measured_TP=${m.truePeak}:` +
      `measured_LRA=${m.range}:measured_thresh=${m.threshold}:print_format=summary,aresample=${sr},asplit=2[wav][mp3]`;
    const wavTmp = `${opts.wav}.${process.pid}.part.wav`;
    const mp3Tmp = `${opts.mp3}.${process.pid}.part.mp3`;
    try {
      await runFfmpeg(
        [
          '-y',
          '-i',
          levelled,
          '-filter_complex',
          `[0:a]${loudnorm}`,
          '-map',
          '[wav]',
          '-c:a',
          'pcm_s16le',
          wavTmp,
          '-map',
          '[mp3]',
          '-c:a',
          'libmp3lame',
          '-b:a',
          '192k',
          mp3Tmp,
        ],
        'master the song',
        opts.signal,
      );
      fs.renameSync(wavTmp, opts.wav);
      fs.renameSync(mp3Tmp, opts.mp3);
    } catch (err) {
      fs.rmSync(wavTmp, { force: true });
      fs.rmSync(mp3Tmp, { force: true });
      throw err;
    }
  } finally {
    fs.rmSync(premix, { force: true });
    fs.rmSync(levelled, { force: true });
  }
  return measureLoudness(opts.wav, opts.signal);
}
