import fs from 'node:fs';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { FfmpegMissingError, MediaDecodeError, locateFfmpeg } from './ffmpeg';

export interface MixOptions {
  /** Output file; its extension picks the codec (.mp3, .m4a, .wav...). */
  output: string;
  bitrateKbps?: number;
  signal?: AbortSignal;
}

/**
 * Mixes audio files of any format ffmpeg reads into one, as long as the longest input. Inputs are
 * summed at full level and a limiter keeps the peaks below clipping, so a single quiet take is
 * not turned down. Writes a temp file and renames it: no partial output is ever left.
 */
export async function mixAudioFiles(inputs: string[], opts: MixOptions): Promise<void> {
  if (inputs.length === 0) throw new RangeError('mixAudioFiles needs at least one input');
  const found = await locateFfmpeg();
  if (!found) throw new FfmpegMissingError();
  const tmp = `${opts.output}.${process.pid}.${Date.now()}.part${path.extname(opts.output)}`;
  try {
    await new Promise<void>((resolve, reject) => {
      let command = ffmpeg().setFfmpegPath(found.ffmpeg);
      for (const input of inputs) command = command.input(input);
      command = command
        .complexFilter(`amix=inputs=${inputs.length}:duration=longest:normalize=0,alimiter=limit=0.9`)
        .noVideo();
      if (!opts.output.endsWith('.wav')) command = command.audioBitrate(opts.bitrateKbps ?? 192);
      const onAbort = () => command.kill('SIGKILL');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      command
        .on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (opts.signal?.aborted) return reject(opts.signal.reason ?? new Error('aborted'));
          const reason = stderr?.split('\n').filter(Boolean).slice(-2).join(' ') || err.message;
          reject(new MediaDecodeError(`Could not mix the audio: ${reason}`));
        })
        .on('end', () => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve();
        })
        .save(tmp);
    });
    fs.renameSync(tmp, opts.output);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
