import type { Genre, Mood } from './prompt';
import { PITCH_NAMES, mod12, type Key, type QuantisedNote } from './theory';

/**
 * Harmonising a melody: one diatonic chord per bar, chosen by a Viterbi search that weighs how
 * many of the bar's melody notes the chord contains (notes on the strong beats count most)
 * against how well the chord follows the one before in the genre's usual progressions.
 */

export interface Chord {
  bar: number;
  /** Scale degree, 0 = tonic. */
  degree: number;
  root: number;
  /** Pitch classes, root first: a triad, or a seventh chord for styles that colour with sevenths. */
  pitchClasses: number[];
  /** e.g. "Am7", "F", "G". */
  name: string;
}

/** Progressions in scale degrees (0 = I or i), per genre; cyclic. Minor keys read them from the relative tonic. */
const PROGRESSIONS: Record<Genre, number[][]> = {
  pop: [
    [0, 4, 5, 3],
    [5, 3, 0, 4],
    [0, 5, 3, 4],
  ],
  rock: [
    [0, 3, 4, 3],
    [0, 4, 5, 3],
    [0, 3, 0, 4],
  ],
  ballad: [
    [0, 5, 3, 4],
    [0, 4, 5, 2, 3, 0, 3, 4],
    [3, 4, 2, 5],
  ],
  jazz: [
    [1, 4, 0, 0],
    [0, 5, 1, 4],
    [2, 5, 1, 4],
  ],
  lofi: [
    [1, 4, 0, 5],
    [3, 2, 1, 0],
    [0, 5, 1, 4],
  ],
  hiphop: [
    [5, 3, 0, 4],
    [0, 5, 3, 4],
    [5, 4, 3, 4],
  ],
  edm: [
    [5, 3, 0, 4],
    [0, 4, 5, 3],
    [3, 4, 5, 5],
  ],
  rnb: [
    [1, 4, 0, 5],
    [3, 2, 5, 0],
    [0, 2, 3, 4],
  ],
  folk: [
    [0, 3, 0, 4],
    [0, 4, 5, 3],
    [0, 3, 4, 0],
  ],
  cinematic: [
    [0, 5, 3, 4],
    [5, 3, 0, 4],
    [0, 3, 5, 4],
  ],
};

const SEVENTH_STYLES: Genre[] = ['jazz', 'lofi', 'rnb'];

/** Diatonic triad (or seventh) on `degree`: every other note of the scale. */
export function diatonicChord(key: Key, degree: number, seventh: boolean): number[] {
  const size = seventh ? 4 : 3;
  return Array.from({ length: size }, (_, i) => key.scale[(degree + 2 * i) % 7]!);
}

const quality = (pcs: number[]): 'major' | 'minor' | 'diminished' => {
  const third = mod12(pcs[1]! - pcs[0]!);
  const fifth = mod12(pcs[2]! - pcs[0]!);
  if (fifth === 6) return 'diminished';
  return third === 4 ? 'major' : 'minor';
};

export function chordName(pcs: number[]): string {
  const q = quality(pcs);
  const root = PITCH_NAMES[pcs[0]!]!;
  const base = q === 'major' ? root : q === 'minor' ? `${root}m` : `${root}dim`;
  if (pcs.length < 4) return base;
  const seventh = mod12(pcs[3]! - pcs[0]!);
  if (q === 'major') return seventh === 11 ? `${root}maj7` : `${root}7`;
  return q === 'minor' ? `${root}m7` : `${root}m7b5`;
}

/** Degrees of the progressions, in a minor key moved so "I" is the relative major's tonic (vi–IV–I–V stays Am–F–C–G). */
function templatesFor(genre: Genre, key: Key): number[][] {
  const shift = key.mode === 'minor' ? 2 : 0;
  return PROGRESSIONS[genre].map((p) => p.map((d) => (d + shift) % 7));
}

export interface HarmoniseOptions {
  key: Key;
  genre: Genre;
  mood: Mood | null;
  bars: number;
  /** Sixteenths per bar. */
  stepsPerBar: number;
  melody: QuantisedNote[];
  /** Another arrangement of the same melody: from 1, leans towards the genre's progression of that number. */
  variant?: number;
}

/** The chords on these scale degrees, one per bar (a stored arrangement played again or continued). */
export function chordsOn(key: Key, genre: Genre, degrees: number[]): Chord[] {
  const seventh = SEVENTH_STYLES.includes(genre);
  return degrees.map((degree, bar) => {
    const pcs = diatonicChord(key, degree, seventh);
    return { bar, degree, root: pcs[0]!, pitchClasses: pcs, name: chordName(pcs) };
  });
}

export function harmonise(opts: HarmoniseOptions): Chord[] {
  const { key, genre, mood, bars, stepsPerBar, melody } = opts;
  const variant = opts.variant ?? 0;
  const seventh = SEVENTH_STYLES.includes(genre);
  // Diminished triads are left out: over a sung line they sound like a mistake.
  const degrees = [0, 1, 2, 3, 4, 5, 6].filter((d) => quality(diatonicChord(key, d, false)) !== 'diminished');
  const chords = degrees.map((d) => diatonicChord(key, d, seventh));
  const templates = templatesFor(genre, key);

  // What the melody asks for in each bar: pitch-class weights, strong beats counting double; and
  // the notes on beats 1 and 3 (or sounding there), which the chord must hold.
  const wanted = Array.from({ length: bars }, () => new Array<number>(12).fill(0));
  const strong = Array.from({ length: bars }, () => [] as { pc: number; penalty: number }[]);
  const beat = stepsPerBar / 4;
  for (const n of melody) {
    const bar = Math.floor(n.step / stepsPerBar);
    if (bar < 0 || bar >= bars) continue;
    const pos = n.step - bar * stepsPerBar;
    const strength = pos === 0 ? 2 : pos === 2 * beat ? 1.5 : pos % beat === 0 ? 1 : 0.5;
    wanted[bar]![mod12(n.midi)]! += strength * Math.min(n.steps, stepsPerBar - pos);
    for (const [at, penalty] of [
      [0, 0.6],
      [2 * beat, 0.3],
    ] as const) {
      if (pos <= at && pos + n.steps > at) strong[bar]!.push({ pc: mod12(n.midi), penalty });
    }
  }

  const emission = (bar: number, ci: number): number => {
    const w = wanted[bar]!;
    const total = w.reduce((s, x) => s + x, 0);
    const pcs = chords[ci]!;
    const triad = pcs.slice(0, 3);
    let score = total === 0 ? 0.5 : triad.reduce((s, pc) => s + w[pc]!, 0) / total;
    for (const { pc, penalty } of strong[bar]!) if (!triad.includes(pc)) score -= penalty;
    const q = quality(pcs);
    if ((mood === 'sad' || mood === 'dark') && q === 'minor') score += 0.08;
    if ((mood === 'happy' || mood === 'energetic') && q === 'major') score += 0.08;
    const degree = degrees[ci]!;
    if ((bar === 0 || bar === bars - 1) && degree === 0) score += 0.25;
    return score;
  };
  const transition = (from: number, to: number): number => {
    const a = degrees[from]!;
    const b = degrees[to]!;
    let score = 0;
    templates.forEach((t, ti) => {
      // A variant follows its own progression more readily than the others.
      const weight = variant > 0 && ti === variant % templates.length ? 0.6 : 0.35;
      for (let i = 0; i < t.length; i++) {
        if (t[i] === a && t[(i + 1) % t.length] === b) score = Math.max(score, weight);
      }
    });
    if (a === b) score -= 0.1;
    return score;
  };

  const n = chords.length;
  let scores = chords.map((_, ci) => emission(0, ci));
  const back: number[][] = [];
  for (let bar = 1; bar < bars; bar++) {
    const next = new Array<number>(n).fill(-Infinity);
    const from = new Array<number>(n).fill(0);
    for (let to = 0; to < n; to++) {
      for (let f = 0; f < n; f++) {
        const s = scores[f]! + transition(f, to);
        if (s > next[to]!) {
          next[to] = s;
          from[to] = f;
        }
      }
      next[to] = next[to]! + emission(bar, to);
    }
    back.push(from);
    scores = next;
  }
  let ci = scores.indexOf(Math.max(...scores));
  const path = [ci];
  for (let bar = bars - 1; bar > 0; bar--) {
    ci = back[bar - 1]![ci]!;
    path.unshift(ci);
  }
  return path.map((c, bar) => {
    const pcs = chords[c]!;
    return { bar, degree: degrees[c]!, root: pcs[0]!, pitchClasses: pcs, name: chordName(pcs) };
  });
}
