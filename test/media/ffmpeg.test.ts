import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio, encodeAudio, locateFfmpeg, MediaDecodeError, probeMedia } from '../../src-server/media/ffmpeg';
import { mixAudioFiles } from '../../src-server/media/mix';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-media-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sine(freq: number, seconds: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

describe('ffmpeg media module', () => {
  it('finds an ffmpeg, says where it came from and which features it lacks', async () => {
    const found = await locateFfmpeg();
    expect(found).not.toBeNull();
    expect(found!.source).toMatch(/^(env|bundled|npm|system)$/);
    expect(found!.version).not.toBe('');
    expect(found!.ffprobe).not.toBeNull();
    // What every song needs is in every build Atelier picks, the npm-shipped one included.
    for (const feature of ['loudnorm', 'ebur128', 'libmp3lame', 'aac', 'amix'] as const) expect(found!.missing).not.toContain(feature);
  });

  it('sums inputs of different lengths at full level, with no jump where the shorter one ends', async () => {
    const rate = 16_000;
    const a = path.join(dir, 'a.wav');
    const b = path.join(dir, 'b.wav');
    const quiet = (freq: number, seconds: number) => sine(freq, seconds, rate).map((v) => v / 2); // peak 0.25
    await encodeAudio(quiet(200, 0.5), { output: a, sampleRate: rate, channels: 1 });
    await encodeAudio(quiet(200, 1.0), { output: b, sampleRate: rate, channels: 1 });
    const out = path.join(dir, 'sum.wav');
    await mixAudioFiles([a, b], { output: out });
    const pcm = await decodeAudio(out, { sampleRate: rate });
    const peak = (from: number, to: number) => pcm.subarray(from * rate, to * rate).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(pcm.length / rate).toBeCloseTo(1.0, 1);
    // In phase and both playing: twice the level of one alone (an average would keep it the same).
    // The limiter's auto-level scales both regions alike.
    const ratio = peak(0.1, 0.4) / peak(0.6, 0.95);
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.1);
    expect(peak(0.6, 0.95)).toBeGreaterThan(0.2);
  });

  it('round-trips a tone through WAV and MP3 with the right length and pitch', async () => {
    const rate = 44_100;
    const tone = sine(440, 1.5, rate);
    const wav = path.join(dir, 'tone.wav');
    const mp3 = path.join(dir, 'tone.mp3');
    await encodeAudio(tone, { output: wav, sampleRate: rate, channels: 1 });
    await encodeAudio(tone, { output: mp3, sampleRate: rate, channels: 1, bitrateKbps: 128 });
    expect(fs.readdirSync(dir).filter((f) => f.includes('.part'))).toEqual([]);

    const probe = await probeMedia(mp3);
    expect(probe.streams[0]).toMatchObject({ type: 'audio', codec: 'mp3' });
    expect(probe.durationSeconds).toBeGreaterThan(1.4);

    const pcm = await decodeAudio(wav, { sampleRate: 16_000 });
    expect(pcm.length).toBeGreaterThan(16_000 * 1.45);
    expect(pcm.length).toBeLessThan(16_000 * 1.55);
    // Zero crossings per second of a 440 Hz tone: about 880.
    let crossings = 0;
    for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings++;
    expect(crossings / (pcm.length / 16_000)).toBeGreaterThan(860);
    expect(crossings / (pcm.length / 16_000)).toBeLessThan(900);
  });

  it('names a file that is not media instead of failing obscurely', async () => {
    const junk = path.join(dir, 'junk.wav');
    fs.writeFileSync(junk, 'this is not audio at all');
    await expect(decodeAudio(junk, { sampleRate: 16_000 })).rejects.toBeInstanceOf(MediaDecodeError);
    await expect(probeMedia(junk)).rejects.toBeInstanceOf(MediaDecodeError);
  });
});
