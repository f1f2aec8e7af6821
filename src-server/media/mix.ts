import { loadFluentFfmpeg } from './lazy';
import { MediaDecodeError, probeMedia, requireFfmpeg, runToEnd, sumGraph, writeAtomically } from './ffmpeg';

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
  const found = await requireFfmpeg();
  const ffmpeg = await loadFluentFfmpeg();
  const seconds = Math.max(
    ...(await Promise.all(
      inputs.map(async (input) => {
        const { durationSeconds } = await probeMedia(input);
        if (durationSeconds === null) throw new MediaDecodeError(`Could not mix the audio: ${input} has no known duration`);
        return durationSeconds;
      }),
    )),
  );
  await writeAtomically(opts.output, async (tmp) => {
    let command = ffmpeg().setFfmpegPath(found.ffmpeg);
    for (const input of inputs) command = command.input(input);
    const labels = inputs.map((_, i) => `[${i}:a]`);
    command = command.complexFilter(`${sumGraph(labels, seconds, '[sum]')};[sum]alimiter=limit=0.9`).noVideo();
    if (!opts.output.endsWith('.wav')) command = command.audioBitrate(opts.bitrateKbps ?? 192);
    await runToEnd(command, 'mix the audio', (c) => c.save(tmp), opts.signal);
  });
}
