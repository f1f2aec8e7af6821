import ffmpeg from 'fluent-ffmpeg';
import { FfmpegMissingError, locateFfmpeg, runToEnd, writeAtomically } from './ffmpeg';

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
  await writeAtomically(opts.output, async (tmp) => {
    let command = ffmpeg().setFfmpegPath(found.ffmpeg);
    for (const input of inputs) command = command.input(input);
    command = command.complexFilter(`amix=inputs=${inputs.length}:duration=longest:normalize=0,alimiter=limit=0.9`).noVideo();
    if (!opts.output.endsWith('.wav')) command = command.audioBitrate(opts.bitrateKbps ?? 192);
    await runToEnd(command, 'mix the audio', (c) => c.save(tmp), opts.signal);
  });
}
