import { describe, expect, it } from 'vitest';
import { arrange } from '../../src-server/compose/arrange';
import { harmonise } from '../../src-server/compose/harmony';
import { readPrompt } from '../../src-server/compose/prompt';
import { barGrid, estimateKey, estimateTempo, makeKey, melodyLine, mod12, quantise, type SungNote } from '../../src-server/compose/theory';
import { A_MINOR_MELODY } from './melody';

/** The test melody as a perfect transcription would give it, starting at `offset` seconds. */
function sung(bpm: number, offset = 0.3): SungNote[] {
  const beat = 60 / bpm;
  let t = offset;
  return A_MINOR_MELODY.map((n) => {
    const note = { startSec: t, endSec: t + n.beats * beat - 0.06, midi: n.midi, amplitude: 0.8 };
    t += n.beats * beat;
    return note;
  });
}

describe('reading a prompt', () => {
  it('finds genre, mood, instruments and tempo words in English', () => {
    expect(readPrompt('A sad lo-fi song with electric piano and strings, slow, 80 bpm')).toEqual({
      genre: 'lofi',
      mood: 'sad',
      instruments: ['epiano', 'strings'],
      feel: 'slow',
      bpm: 80,
    });
    expect(readPrompt('upbeat city pop, brass and drums')).toMatchObject({
      genre: 'pop',
      mood: 'energetic',
      instruments: ['brass', 'drums'],
      feel: null,
      bpm: null,
    });
  });

  it('finds them in Korean, with particles attached', () => {
    expect(readPrompt('슬픈 발라드로 만들어 주세요. 피아노를 강조하고 첼로도, 느리게')).toEqual({
      genre: 'ballad',
      mood: 'sad',
      instruments: ['piano', 'cello'],
      feel: 'slow',
      bpm: null,
    });
    expect(readPrompt('신나는 록, 일렉기타와 드럼 템포 140')).toMatchObject({
      genre: 'rock',
      mood: 'energetic',
      instruments: ['electric-guitar', 'drums'],
      bpm: 140,
    });
  });

  it('does not read words inside other words', () => {
    // "기록" (a record) is not rock, "trapdoor" not hip-hop, "padded" not a pad.
    expect(readPrompt('기록용 trapdoor padded')).toEqual({ genre: null, mood: null, instruments: [], feel: null, bpm: null });
  });
});

describe('key, tempo and grid', () => {
  it('finds A minor from duration-weighted pitch classes', () => {
    expect(estimateKey(sung(100)).name).toBe('A minor');
    // The same melody a fourth up is in D minor.
    expect(estimateKey(sung(100).map((n) => ({ ...n, midi: n.midi + 5 }))).name).toBe('D minor');
  });

  it('finds the tempo from inter-onset intervals, at 100 and at 128 BPM', () => {
    for (const bpm of [100, 128]) {
      const tempo = estimateTempo(sung(bpm));
      expect(Math.abs(tempo.bpm - bpm), `${bpm}`).toBeLessThan(0.5);
    }
  });

  it('puts bar 0 on the first note and quantises the melody onto sixteenths', () => {
    const notes = sung(100, 0.7);
    const grid = barGrid(notes, estimateTempo(notes));
    expect(grid.startSec).toBeCloseTo(0.7, 1);
    expect(grid.bars).toBe(8);
    const q = quantise(notes, grid);
    let step = 0;
    A_MINOR_MELODY.forEach((n, i) => {
      expect(q[i]).toMatchObject({ step, midi: n.midi });
      step += n.beats * 4;
    });
  });

  it('keeps one line: harmonics and weak notes go, overlaps resolve to the stronger note', () => {
    const line = melodyLine([
      { startSec: 0, endSec: 1, midi: 69, amplitude: 0.8 },
      { startSec: 0.2, endSec: 0.5, midi: 93, amplitude: 0.25 },
      { startSec: 1, endSec: 2, midi: 72, amplitude: 0.8 },
      { startSec: 1.5, endSec: 2.5, midi: 76, amplitude: 0.9 },
    ]);
    expect(line.map((n) => n.midi)).toEqual([69, 76]);
  });
});

describe('harmony and arrangement', () => {
  const notes = sung(100);
  const grid = barGrid(notes, estimateTempo(notes));
  const key = estimateKey(notes);
  const melody = quantise(notes, grid);

  it('chooses diatonic chords that hold the strong-beat notes, starting and ending on the tonic', () => {
    for (const genre of ['pop', 'jazz', 'rock'] as const) {
      const chords = harmonise({ key, genre, mood: 'sad', bars: grid.bars, stepsPerBar: 16, melody });
      expect(chords).toHaveLength(8);
      for (const c of chords) for (const pc of c.pitchClasses) expect(key.scale, `${genre} ${c.name}`).toContain(pc);
      expect(chords[0]!.root).toBe(9);
      expect(chords[7]!.root).toBe(9);
      // The note on each downbeat is in that bar's chord.
      for (const c of chords) {
        const down = melody.find((n) => n.step === c.bar * 16);
        if (down) expect(c.pitchClasses.slice(0, 3), `${genre} bar ${c.bar}`).toContain(mod12(down.midi));
      }
    }
  });

  it('arranges five parts; an emphasised instrument takes the lead and gets louder', () => {
    const plain = arrange({ grid, key, melody, genre: 'pop', mood: null, instruments: [], feel: null, barsStartSec: 0.3 });
    const withSax = arrange({ grid, key, melody, genre: 'pop', mood: null, instruments: ['sax', 'bass'], feel: null, barsStartSec: 0.3 });
    expect(plain.parts.map((p) => p.name)).toEqual(['drums', 'bass', 'chords', 'pad', 'lead']);
    for (const p of plain.parts) expect(p.notes.length, p.name).toBeGreaterThan(0);
    const lead = (a: typeof plain) => a.parts.find((p) => p.name === 'lead')!;
    const bass = (a: typeof plain) => a.parts.find((p) => p.name === 'bass')!;
    expect(lead(withSax)).toMatchObject({ timbre: 'sax', emphasised: true });
    expect(lead(withSax).gainDb).toBeGreaterThan(lead(plain).gainDb);
    expect(bass(withSax).gainDb).toBeGreaterThan(bass(plain).gainDb);
    // The lead doubles the melody, note for note, in octaves.
    expect(lead(plain).notes.map((n) => mod12(n.midi))).toEqual(melody.map((n) => mod12(n.midi)));
    expect(plain.durationSec).toBeCloseTo(0.3 + 8 * 2.4 + plain.tailSec, 5);
    // Key of the arrangement and its chords agree.
    expect(plain.key.name).toBe('A minor');
    expect(makeKey(9, 'minor').scale).toEqual(plain.key.scale);
  });
});
