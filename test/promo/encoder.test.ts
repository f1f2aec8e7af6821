import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseEncoder, encoderArgs, H264_ENCODERS, probeH264Encoder, slideshowGraph } from '../../src-server/media/promo-video';

describe('choosing the H.264 encoder', () => {
  it('takes the best encoder that passed its test encode, and libx264 when none did', () => {
    expect(chooseEncoder([])).toBe('libx264');
    expect(chooseEncoder(['libx264', 'h264_vaapi'])).toBe('h264_vaapi');
    expect(chooseEncoder(['h264_qsv', 'h264_nvenc', 'libx264'])).toBe('h264_nvenc');
    expect(chooseEncoder(['h264_videotoolbox'])).toBe('h264_videotoolbox');
    expect(H264_ENCODERS.at(-1)).toBe('libx264');
  });

  it('gives each encoder its own quality options, and VAAPI frames in GPU memory', () => {
    expect(encoderArgs('libx264')).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-crf', '20']));
    expect(encoderArgs('h264_nvenc')).toEqual(expect.arrayContaining(['-c:v', 'h264_nvenc', '-cq', '21']));
    const graph = (encoder: 'libx264' | 'h264_vaapi') =>
      slideshowGraph({
        images: [],
        cuts: [],
        durationSec: 2,
        width: 320,
        height: 180,
        fps: 30,
        transitionSec: 0.5,
        background: '#000000',
        captions: 'c.ass',
        fontsDir: 'fonts',
        encoder,
      });
    expect(graph('h264_vaapi')).toMatch(/format=yuv420p,format=nv12,hwupload\[out\]$/);
    expect(graph('libx264')).toMatch(/format=yuv420p\[out\]$/);
  });

  const systemFfmpeg = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : null;
  it.skipIf(!systemFfmpeg)('probes the real ffmpeg with a one-frame encode and says why each skipped encoder failed', async () => {
    const probe = await probeH264Encoder(systemFfmpeg!);
    const libx264 = probe.tried.find((t) => t.encoder === 'libx264');
    const working = probe.tried.filter((t) => t.ok).map((t) => t.encoder);
    expect(working.length).toBeGreaterThan(0);
    expect(probe.chosen).toBe(chooseEncoder(working));
    // Everything before the chosen one was tried and failed with ffmpeg's reason.
    for (const t of probe.tried.slice(
      0,
      probe.tried.findIndex((x) => x.encoder === probe.chosen),
    )) {
      expect(t.ok).toBe(false);
      expect(t.reason).toBeTruthy();
    }
    if (libx264) expect(libx264.ok).toBe(true);
    // Remembered per binary.
    expect(await probeH264Encoder(systemFfmpeg!)).toBe(probe);
  });
});
