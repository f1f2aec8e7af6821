import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import { TAIL_SEC } from '../../src-server/compose/arrange';
import { ArrangerComposer, type ArrangerOutput } from '../../src-server/compose/engine';
import { mod12 } from '../../src-server/compose/theory';
import { decodeAudio, encodeAudio, probeMedia } from '../../src-server/media/ffmpeg';
import { measureLoudness } from '../../src-server/media/master';
import { A_MINOR_MELODY, synthesiseTake, type Take } from './melody';

const { Midi } = createRequire(import.meta.url)('@tonejs/midi') as typeof import('@tonejs/midi');

let dir: string;
let pool: AiPool;
let take: Take;
let out: ArrangerOutput;
const stages: string[] = [];
const fractions: number[] = [];

// One composition, checked from several sides: a sung-like take of eight bars in A minor at 100 BPM
// with a second of near-silence before and after, composed as a sad ballad with the cello asked for.
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-compose-test-'));
  pool = new AiPool({ providers: chooseProviders({ env: {} }) });
  take = synthesiseTake({ sampleRate: 44_100, bpm: 100, notes: A_MINOR_MELODY, leadInSec: 1.2, tailSec: 1.5 });
  const source = path.join(dir, 'take.wav');
  await encodeAudio(take.samples, { sampleRate: 44_100, channels: 1, output: source });
  const workDir = path.join(dir, 'work');
  fs.mkdirSync(workDir);
  out = await new ArrangerComposer(pool).compose({
    source,
    prompt: 'a sad ballad, bring out the cello',
    genre: null,
    mood: null,
    instruments: [],
    workDir,
    signal: new AbortController().signal,
    progress: (f, stage) => {
      fractions.push(f);
      if (stage && stages[stages.length - 1] !== stage) stages.push(stage);
    },
  });
}, 240_000);

afterAll(async () => {
  await pool?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('composing from a sung take', () => {
  it('hears the key and the tempo of the take', () => {
    expect(out.key).toBe('A minor');
    expect(Math.abs(out.tempo - 100)).toBeLessThan(1);
    expect(out.engine).toBe('atelier-arranger (basic-pitch onnx, cpu)');
    expect(out).toMatchObject({ genre: 'ballad', mood: 'sad' });
  });

  it('finds the sung stretch and drops the silence around it', () => {
    expect(out.phrases[0]!.start).toBeCloseTo(take.singingStartSec, 1);
    expect(out.phrases[out.phrases.length - 1]!.end).toBeCloseTo(take.singingEndSec, 0);
  });

  it('harmonises with chords of the detected key, following the melody', () => {
    const { arrangement } = out;
    expect(arrangement.chords).toHaveLength(8);
    for (const chord of arrangement.chords) for (const pc of chord.pitchClasses) expect(arrangement.key.scale, chord.name).toContain(pc);
    expect(out.chords[0]).toBe('Am');
    expect(out.chords[7]).toBe('Am');
    // The lead doubles what was sung, note for note.
    const lead = arrangement.parts.find((p) => p.name === 'lead')!;
    expect(lead.notes.map((n) => mod12(n.midi))).toEqual(A_MINOR_MELODY.map((n) => mod12(n.midi)));
    // The cello was asked for: it plays the bass line, brought forward.
    expect(arrangement.parts.find((p) => p.name === 'bass')).toMatchObject({ timbre: 'cello', emphasised: true });
  });

  it('renders a song as long as the sung phrases plus the tail, at about -14 LUFS', async () => {
    const expected = take.singingEndSec - take.singingStartSec + TAIL_SEC;
    const wav = await probeMedia(out.file);
    expect(Math.abs(wav.durationSeconds! - expected), `${wav.durationSeconds} vs ${expected}`).toBeLessThan(0.5);
    const loudness = await measureLoudness(out.file);
    expect(Math.abs(loudness.integrated + 14)).toBeLessThan(1);
    expect(loudness.truePeak).toBeLessThan(0);
    const mp3 = await probeMedia(out.mp3);
    expect(mp3.streams[0]!.codec).toBe('mp3');
    expect(Math.abs(mp3.durationSeconds! - expected)).toBeLessThan(0.6);
  });

  it('keeps the voice in the mix, placed where the band expects it', async () => {
    // Slide the take along the song: it matches best at the lag the engine reports.
    const rate = 8000;
    const song = await decodeAudio(out.file, { sampleRate: rate });
    const voice = await decodeAudio(path.join(dir, 'take.wav'), { sampleRate: rate });
    const expected = out.alignment.takeSec - out.alignment.songSec;
    const hop = 40;
    const scores: { lag: number; score: number }[] = [];
    for (let lag = Math.max(0, Math.round((expected - 0.5) * rate)); lag <= Math.round((expected + 0.5) * rate); lag += hop) {
      let dot = 0;
      for (let i = 0; i + lag < voice.length && i < song.length; i++) dot += song[i]! * voice[i + lag]!;
      scores.push({ lag: lag / rate, score: dot });
    }
    const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
    expect(Math.abs(best.lag - expected)).toBeLessThan(0.011);
    const sorted = scores.map((s) => s.score).sort((a, b) => a - b);
    expect(best.score).toBeGreaterThan(3 * Math.abs(sorted[Math.floor(sorted.length / 2)]!));
  });

  it('writes a MIDI file with the tempo, the key and a track per part', () => {
    const midi = new Midi(fs.readFileSync(out.midi));
    expect(midi.header.tempos[0]!.bpm).toBeCloseTo(out.tempo, 1);
    expect(midi.header.keySignatures[0]).toMatchObject({ scale: 'minor' });
    expect(midi.tracks.map((t) => t.name)).toEqual(['drums', 'bass', 'chords', 'pad', 'lead']);
    expect(midi.tracks[0]!.channel).toBe(9);
    for (const track of midi.tracks) expect(track.notes.length, track.name).toBeGreaterThan(0);
    expect(midi.tracks[4]!.notes).toHaveLength(A_MINOR_MELODY.length);
  });

  it("writes one stem per part, each the song's length and not silent", async () => {
    expect(out.stems.map((s) => s.name)).toEqual(['drums', 'bass', 'chords', 'pad', 'lead']);
    for (const stem of out.stems) {
      const pcm = await decodeAudio(stem.file, { sampleRate: 8000, channels: 2 });
      expect(pcm.length / 2 / 8000, stem.name).toBeCloseTo(out.durationSec, 1);
      let peak = 0;
      for (const v of pcm) peak = Math.max(peak, Math.abs(v));
      expect(peak, stem.name).toBeGreaterThan(0.005);
    }
  });

  it('reports progress through the six stages, in order', () => {
    expect(stages).toEqual(['decode', 'vad', 'transcribe', 'arrange', 'render', 'mix']);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]! - 1e-9)).toBe(true);
    expect(fractions[fractions.length - 1]).toBe(1);
  });
});
