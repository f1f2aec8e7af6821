import { execFile } from 'node:child_process';
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
  /** From `probeH264Encoder`; libx264 when not given. */
  encoder?: H264Encoder;
  signal?: AbortSignal;
}

/** H.264 encoders, best first: the hardware ones take the encode off the CPU; libx264 always works. */
export const H264_ENCODERS = ['h264_nvenc', 'h264_qsv', 'h264_videotoolbox', 'h264_vaapi', 'libx264'] as const;
export type H264Encoder = (typeof H264_ENCODERS)[number];

/** The VAAPI render node the probe and the encode open (the first GPU on Linux). */
const VAAPI_DEVICE = '/dev/dri/renderD128';

/** The best encoder among those that passed a test encode; libx264 when none did. */
export function chooseEncoder(working: Iterable<H264Encoder>): H264Encoder {
  const ok = new Set(working);
  return H264_ENCODERS.find((e) => ok.has(e)) ?? 'libx264';
}

/** Global options an encoder needs (VAAPI opens its device). */
export const encoderGlobalArgs = (e: H264Encoder): string[] => (e === 'h264_vaapi' ? ['-vaapi_device', VAAPI_DEVICE] : []);

/** What ends the filter graph for an encoder: VAAPI takes frames in GPU memory, QSV NV12. */
export const encoderUpload = (e: H264Encoder): string =>
  e === 'h264_vaapi' ? ',format=nv12,hwupload' : e === 'h264_qsv' ? ',format=nv12' : '';

/** Comparable quality (about CRF 20) and the High profile, per encoder. */
export function encoderArgs(e: H264Encoder): string[] {
  switch (e) {
    case 'h264_nvenc':
      return ['-c:v', e, '-preset', 'p4', '-rc', 'vbr', '-cq', '21', '-b:v', '0', '-profile:v', 'high'];
    case 'h264_qsv':
      return ['-c:v', e, '-preset', 'veryfast', '-global_quality', '21', '-profile:v', 'high'];
    case 'h264_videotoolbox':
      return ['-c:v', e, '-q:v', '65', '-allow_sw', '0', '-profile:v', 'high'];
    case 'h264_vaapi':
      return ['-c:v', e, '-qp', '21', '-profile:v', 'high'];
    case 'libx264':
      return ['-c:v', e, '-preset', 'veryfast', '-crf', '20', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];
  }
}

export interface EncoderProbe {
  chosen: H264Encoder;
  /** Why each encoder that is not used failed (not built in, no device, driver refused...). */
  tried: { encoder: H264Encoder; ok: boolean; reason: string | null }[];
}

const probes = new Map<string, Promise<EncoderProbe>>();

/**
 * Which H.264 encoder this ffmpeg can really use here: being compiled in proves nothing (Debian's
 * build lists NVENC, QSV and VAAPI on machines with none of them), so each candidate encodes one
 * small frame to nowhere. Run once per ffmpeg binary and remembered.
 */
export function probeH264Encoder(ffmpegPath?: string): Promise<EncoderProbe> {
  const run = async (): Promise<EncoderProbe> => {
    const bin = ffmpegPath ?? (await requireFfmpeg(PROMO_FFMPEG_NEEDS)).ffmpeg;
    const listed = await ffmpegOutput(bin, ['-hide_banner', '-encoders']).catch(() => '');
    const tried: EncoderProbe['tried'] = [];
    for (const encoder of H264_ENCODERS) {
      if (!new RegExp(`\\s${encoder}\\s`).test(listed)) {
        tried.push({ encoder, ok: false, reason: 'not built into this ffmpeg' });
        continue;
      }
      const args = [
        '-hide_banner',
        '-loglevel',
        'error',
        ...encoderGlobalArgs(encoder),
        '-f',
        'lavfi',
        '-i',
        'color=c=gray:s=256x256:r=30:d=0.1',
        '-frames:v',
        '1',
        '-vf',
        `format=yuv420p${encoderUpload(encoder)}`,
        ...encoderArgs(encoder),
        '-f',
        'null',
        '-',
      ];
      const reason = await ffmpegOutput(bin, args).then(
        () => null,
        (err: Error) => err.message.split('\n').filter(Boolean)[0] ?? 'failed',
      );
      tried.push({ encoder, ok: reason === null, reason });
      if (reason === null) break;
    }
    return { chosen: chooseEncoder(tried.filter((t) => t.ok).map((t) => t.encoder)), tried };
  };
  const key = ffmpegPath ?? '';
  let probe = probes.get(key);
  if (!probe) {
    probe = run();
    probes.set(key, probe);
    probe.catch(() => probes.delete(key));
  }
  return probe;
}

function ffmpegOutput(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 20_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(stdout);
    });
  });
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
  > & { encoder?: H264Encoder },
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
  lines.push(
    `[${last}]subtitles=${o.captions}:fontsdir=${o.fontsDir},trim=duration=${o.durationSec.toFixed(3)},format=yuv420p${encoderUpload(o.encoder ?? 'libx264')}[out]`,
  );
  return lines.join(';\n');
}

/** The picture track: H.264 with the chosen encoder (libx264 veryfast, CRF 20 by default), no audio yet. */
export async function renderSlideshow(o: SlideshowOptions): Promise<void> {
  const graphFile = `${path.basename(o.output)}.graph.txt`;
  fs.writeFileSync(path.join(o.dir, graphFile), slideshowGraph(o));
  try {
    await writeAtomically(path.join(o.dir, o.output), async (tmp) => {
      const cmd = await command(o.dir);
      const encoder = o.encoder ?? 'libx264';
      for (const image of o.images) cmd.input(image);
      // ffmpeg reads global options (the VAAPI device) wherever they stand.
      cmd.outputOptions([
        ...encoderGlobalArgs(encoder),
        '-filter_complex_script',
        graphFile,
        '-map',
        '[out]',
        ...encoderArgs(encoder),
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
