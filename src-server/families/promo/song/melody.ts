import { makeKey, type Grid, type Key, type QuantisedNote } from '../../../compose/theory';
import type { LyricSheet } from '../lyrics/writer';
import { seededRandom } from '../lyrics/writer';

/**
 * A melody from the lyrics: one note per syllable, each line in two bars (four for a long one),
 * the line's last note held; the name gets one motif that every chorus line repeats (the hook).
 * The timings come out with it, so the captions light each syllable as its note plays.
 */

export interface SungSyllable {
  text: string;
  line: number;
  startSec: number;
  endSec: number;
}

export interface LineTiming {
  index: number;
  section: string;
  text: string;
  startSec: number;
  endSec: number;
  /** First bar of the line (bar 0 is the lead-in). */
  bar: number;
  bars: number;
}

export interface Melody {
  key: Key;
  grid: Grid;
  notes: QuantisedNote[];
  syllables: SungSyllable[];
  lines: LineTiming[];
  /** Song time of every bar line, the lead-in's included: where the video may cut. */
  barLines: number[];
}

const STEPS_PER_BAR = 16;
/** One bar before the first sung line: the title card's time. */
const LEAD_IN_BARS = 1;

/** Sixteenth-note lengths for n syllables in a line of `bars` bars, the last note held, a rest at the end. */
export function rhythm(n: number, bars: number): number[] {
  const room = bars * STEPS_PER_BAR - 4;
  if (n <= 0) return [];
  const unit = n * 2 <= room ? 2 : 1;
  const durations = new Array<number>(n).fill(unit);
  let spare = room - unit * n;
  // Lengthen from the end backwards: phrase endings breathe, the start keeps its drive.
  for (let i = n - 1; i >= 0 && spare > 0; i -= 2) {
    const add = Math.min(spare, i === n - 1 ? 6 : 2);
    durations[i]! += add;
    spare -= add;
  }
  durations[n - 1]! += Math.max(0, spare);
  return durations;
}

export function composeMelody(sheet: LyricSheet, opts: { seed: number; name: string }): Melody {
  const rand = seededRandom(opts.seed ^ 0x5bd1e995);
  const bright = sheet.mood === 'bright';
  const bpm = bright ? 112 : 92;
  const key = makeKey(bright ? 0 : 5, 'major');
  const beatSec = 60 / bpm;
  const barSec = beatSec * 4;
  const sixteenth = beatSec / 4;
  // Scale degrees around the tonic in octave 4/5 (MIDI), one register per section.
  const degree = (d: number, base: number) => {
    const octave = Math.floor(d / 7);
    const idx = ((d % 7) + 7) % 7;
    return base + 12 * octave + ((key.scale[idx]! - key.tonic + 12) % 12) + key.tonic;
  };
  const nameSyllables = new Set([...opts.name].filter((c) => /[\uac00-\ud7a3a-z]/i.test(c)));
  const hook = Array.from({ length: 16 }, (_, i) => [4, 4, 5, 4, 2, 0, 2, 4][i % 8]! + (rand() < 0.3 ? 1 : 0));

  const notes: QuantisedNote[] = [];
  const syllables: SungSyllable[] = [];
  const lines: LineTiming[] = [];
  let bar = LEAD_IN_BARS;
  sheet.lines.forEach((line, index) => {
    const n = line.syllables.length;
    const bars = n > 28 ? 4 : 2;
    const lengths = rhythm(n, bars);
    const base = line.section === 'chorus' ? 60 : 55;
    let d = line.section === 'chorus' ? 4 : rand() < 0.5 ? 2 : 0;
    let step = bar * STEPS_PER_BAR;
    let hookAt = 0;
    line.syllables.forEach((syl, i) => {
      if (line.section === 'chorus' && nameSyllables.has(syl)) d = hook[hookAt++ % hook.length]!;
      else if (i === n - 1) d = index === sheet.lines.length - 1 ? 0 : line.section === 'chorus' ? 7 : 4;
      else d = Math.max(-2, Math.min(9, d + [-2, -1, -1, 0, 1, 1, 2][Math.floor(rand() * 7)]!));
      const steps = lengths[i]!;
      notes.push({ step, steps, midi: degree(d, base), velocity: i === 0 || steps >= 4 ? 0.9 : 0.75 });
      syllables.push({ text: syl, line: index, startSec: step * sixteenth, endSec: (step + steps) * sixteenth });
      step += steps;
    });
    lines.push({ index, section: line.section, text: line.text, startSec: bar * barSec, endSec: (bar + bars) * barSec, bar, bars });
    bar += bars;
  });
  const grid: Grid = { bpm, beatSec, beatsPerBar: 4, barSec, startSec: 0, bars: bar };
  return { key, grid, notes, syllables, lines, barLines: Array.from({ length: bar + 1 }, (_, i) => i * barSec) };
}
