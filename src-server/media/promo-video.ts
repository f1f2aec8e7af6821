import fs from 'node:fs';
import path from 'node:path';
import type { FfmpegCommand } from 'fluent-ffmpeg';
import { loadFluentFfmpeg } from './lazy';
import { requireFfmpeg, runToEnd, writeAtomically, type FfmpegFeature } from './ffmpeg';

/**
 * The promo video's ffmpeg work: stills with Ken Burns motion and crossfades on given cut times,
 * ASS captions burnt in, then the song muxed in. ffmpeg runs in the job's folder (`dir`) with
 * relative names, so no Windows path ever needs escaping inside a filter argument, and the graph
 * goes in a script file (no command-line length limit).
 */

export interface SlideshowOptions {
  /** The job's folder; every other path here is relative to it. */
  dir: string;
  /** Stills already cropped to width × height (one slide each); empty: a plain background. */
  images: string[];
  /** Song times where one slide gives way to the next (bar lines), one fewer than the images. */
  cuts: number[];
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  /** Crossfade length, seconds. */
  transitionSec: number;
  /** `#rrggbb`, behind everything when there is no picture. */
  background: string;
  /** ASS file and the folder of its fonts, relative to `dir`. */
  captions: string;
  fontsDir: string;
  output: string;
  signal?: AbortSignal;
}

/** What the promo graphs use; the npm-shipped static build lacks xfade, so a newer ffmpeg is picked when there is one. */
export const PROMO_FFMPEG_NEEDS: FfmpegFeature[] = ['xfade', 'zoompan', 'subtitles', 'libx264', 'aac'];

async function command(dir: string): Promise<FfmpegCommand> {
  const found = await requireFfmpeg(PROMO_FFMPEG_NEEDS);
  return (await loadFluentFfmpeg())({ cwd: dir }).setFfmpegPath(found.ffmpeg);
}

const TRANSITIONS = ['fade', 'smoothleft', 'circleopen', 'slideup', 'dissolve', 'smoothright'];

/**
 * Each still is read once and scaled to twice the frame before `zoompan`: zoompan rounds its window
 * to whole pixels, and on the doubled picture a pixel step is half a pixel of output, which takes
 * the visible shake out of slow zooms. Zooms alternate in and out, so neighbours move differently.
 */
export function slideshowGraph(
  o: Pick<
    SlideshowOptions,
    'images' | 'cuts' | 'durationSec' | 'width' | 'height' | 'fps' | 'transitionSec' | 'background' | 'captions' | 'fontsDir'
  >,
): string {
  const { width: w, height: h, fps, transitionSec: t } = o;
  const n = o.images.length;
  const lines: string[] = [];
  if (n === 0) {
    lines.push(`color=c=${o.background.replace('#', '0x')}:s=${w}x${h}:r=${fps}:d=${o.durationSec.toFixed(3)},setsar=1,format=yuv420p[v0]`);
  }
  const bounds = [0, ...o.cuts, o.durationSec];
  for (let i = 0; i < n; i++) {
    const start = i === 0 ? 0 : bounds[i]! - t / 2;
    const end = i === n - 1 ? o.durationSec : bounds[i + 1]! + t / 2;
    const frames = Math.max(1, Math.round((end - start) * fps));
    const zoom = i % 2 === 0 ? `1+0.12*on/${frames}` : `1.12-0.12*on/${frames}`;
    lines.push(
      `[${i}:v]scale=${2 * w}:${2 * h},setsar=1,zoompan=z='${zoom}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=${frames}:s=${w}x${h}:fps=${fps},` +
        `trim=end_frame=${frames},setsar=1,format=yuv420p[v${i}]`,
    );
  }
  let last = 'v0';
  for (let i = 1; i < n; i++) {
    const out = `x${i}`;
    const transition = TRANSITIONS[(i - 1) % TRANSITIONS.length];
    lines.push(`[${last}][v${i}]xfade=transition=${transition}:duration=${t.toFixed(3)}:offset=${(bounds[i]! - t / 2).toFixed(3)}[${out}]`);
    last = out;
  }
  lines.push(`[${last}]subtitles=${o.captions}:fontsdir=${o.fontsDir},trim=duration=${o.durationSec.toFixed(3)},format=yuv420p[out]`);
  return lines.join(';\n');
}

/** The picture track: H.264 (libx264 veryfast, CRF 20, yuv420p), no audio yet. */
export async function renderSlideshow(o: SlideshowOptions): Promise<void> {
  const graphFile = `${path.basename(o.output)}.graph.txt`;
  fs.writeFileSync(path.join(o.dir, graphFile), slideshowGraph(o));
  try {
    await writeAtomically(path.join(o.dir, o.output), async (tmp) => {
      const cmd = await command(o.dir);
      for (const image of o.images) cmd.input(image);
      cmd.outputOptions([
        '-filter_complex_script',
        graphFile,
        '-map',
        '[out]',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '20',
        '-profile:v',
        'high',
        '-pix_fmt',
        'yuv420p',
        '-r',
        String(o.fps),
      ]);
      await runToEnd(cmd, 'render the video', (c) => c.save(path.basename(tmp)), o.signal);
    });
  } finally {
    fs.rmSync(path.join(o.dir, graphFile), { force: true });
  }
}

/** Video and song into the final MP4 (video copied, AAC 192k, moov atom first so it streams at once). */
export async function mergeVideo(o: { dir: string; video: string; audio: string; output: string; signal?: AbortSignal }): Promise<void> {
  await writeAtomically(o.output, async (tmp) => {
    const cmd = (await command(o.dir)).input(o.video).input(o.audio);
    cmd.outputOptions([
      '-map',
      '0:v:0',
      '-map',
      '1:a:0',
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      '-ar',
      '48000',
      '-shortest',
      '-movflags',
      '+faststart',
    ]);
    await runToEnd(cmd, 'merge the video and the song', (c) => c.save(tmp), o.signal);
  });
}

/** One JPEG frame at `atSec` (the title card), as the video's thumbnail. */
export async function extractFrame(o: {
  dir: string;
  video: string;
  atSec: number;
  output: string;
  width: number;
  signal?: AbortSignal;
}): Promise<void> {
  await writeAtomically(o.output, async (tmp) => {
    const cmd = (await command(o.dir)).input(o.video).seekInput(o.atSec);
    cmd.outputOptions(['-frames:v', '1', '-vf', `scale=${o.width}:-2`, '-q:v', '3', '-f', 'image2']);
    await runToEnd(cmd, 'take the thumbnail', (c) => c.save(tmp), o.signal);
  });
}
