import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FFMPEG_FEATURES,
  FfmpegFeatureMissingError,
  FfmpegMissingError,
  findFfmpegs,
  pickFfmpeg,
  requireFfmpeg,
  type FfmpegFeature,
} from '../../src-server/media/ffmpeg';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-ffmpeg-resolve-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A stand-in ffmpeg (a shell script) in `folder` that answers -version, -filters and -encoders like
 * the real one, listing every feature Atelier uses except `lacks`; an ffprobe beside it.
 */
function fakeFfmpeg(folder: string, version: string, lacks: FfmpegFeature[] = []): string {
  fs.mkdirSync(folder, { recursive: true });
  const rows = (kind: 'filter' | 'encoder') =>
    (Object.keys(FFMPEG_FEATURES) as FfmpegFeature[])
      .filter((f) => FFMPEG_FEATURES[f] === kind && !lacks.includes(f))
      .map((f) => ` ${kind === 'filter' ? '...' : 'A.....'} ${f}  does ${f}`)
      .join('\n');
  const script = `#!/bin/sh
case "$2" in
  -version) echo "ffmpeg version ${version} Copyright (c) the FFmpeg developers" ;;
  -filters) printf '%s\\n' "Filters:" "${rows('filter')}" ;;
  -encoders) printf '%s\\n' "Encoders:" "${rows('encoder')}" ;;
esac
`;
  const bin = path.join(folder, 'ffmpeg');
  fs.writeFileSync(bin, script, { mode: 0o755 });
  fs.writeFileSync(path.join(folder, 'ffprobe'), '#!/bin/sh\n', { mode: 0o755 });
  return bin;
}

describe.skipIf(process.platform === 'win32')('ffmpeg resolution', () => {
  const envBin = fakeFfmpeg(path.join(dir, 'custom'), '7.1-custom');
  const bundledDir = path.join(dir, 'resources', 'bin');
  fakeFfmpeg(bundledDir, '6.0-bundled', ['xfade']);
  const systemDir = path.join(dir, 'usr', 'bin');
  fakeFfmpeg(systemDir, '5.1-system');

  it('tries ATELIER_FFMPEG_PATH, then the installer copy, then PATH, and says which is which', async () => {
    const found = await findFfmpegs({ env: { ATELIER_FFMPEG_PATH: envBin, PATH: systemDir }, bundledDir, npm: false });
    expect(found.map((f) => [f.source, f.version])).toEqual([
      ['env', '7.1-custom'],
      ['bundled', '6.0-bundled'],
      ['system', '5.1-system'],
    ]);
    expect(found[0]!.ffprobe).toBe(path.join(dir, 'custom', 'ffprobe'));
    expect(found[1]!.missing).toEqual(['xfade']);
    expect(found[0]!.missing).toEqual([]);
  });

  it('hands work that needs a feature to the first build that has it', async () => {
    const found = await findFfmpegs({ env: { PATH: systemDir }, bundledDir, npm: false });
    expect(pickFfmpeg(found)?.source).toBe('bundled');
    expect(pickFfmpeg(found, ['xfade'])?.source).toBe('system');
  });

  it('skips a path that does not run and an override that points nowhere', async () => {
    const broken = path.join(dir, 'broken', 'ffmpeg');
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, 'not a program', { mode: 0o644 });
    const found = await findFfmpegs({
      env: { ATELIER_FFMPEG_PATH: path.join(dir, 'nowhere', 'ffmpeg'), PATH: path.dirname(broken) },
      bundledDir,
      npm: false,
    });
    expect(found.map((f) => f.source)).toEqual(['bundled']);
  });

  it('names the missing feature, and says so plainly when there is no ffmpeg at all', async () => {
    const onlyBundled = await findFfmpegs({ env: { PATH: '' }, bundledDir, npm: false });
    const err = await requireFfmpeg(['xfade'], onlyBundled).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegFeatureMissingError);
    expect((err as Error).message).toMatch(/needs an ffmpeg with xfade; the bundled ffmpeg 6\.0-bundled .* lacks xfade/);

    const none = await findFfmpegs({ env: { PATH: '' }, bundledDir: path.join(dir, 'empty'), npm: false });
    expect(none).toEqual([]);
    await expect(requireFfmpeg([], none)).rejects.toThrow(FfmpegMissingError);
    await expect(requireFfmpeg([], none)).rejects.toThrow(/ffmpeg was not found/);
  });

  it('finds the static build @ffmpeg-installer ships for this platform, with its ffprobe', async () => {
    const found = await findFfmpegs({ env: { PATH: '' }, bundledDir: path.join(dir, 'empty') });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ source: 'npm' });
    expect(found[0]!.ffmpeg).toContain(`@ffmpeg-installer${path.sep}${process.platform}-${process.arch}`);
    expect(found[0]!.ffprobe).toContain(`@ffprobe-installer${path.sep}${process.platform}-${process.arch}`);
  });
});
