/**
 * Reading a transcribed melody: which notes are real, its key, its tempo and beat grid, and the
 * melody snapped to that grid.
 */

export interface SungNote {
  startSec: number;
  endSec: number;
  midi: number;
  /** basic-pitch's mean activation, 0 to 1. */
  amplitude: number;
}

export type Mode = 'major' | 'minor';

export interface Key {
  /** Pitch class of the tonic, 0 = C. */
  tonic: number;
  mode: Mode;
  /** e.g. "A minor". */
  name: string;
  /** The seven pitch classes of the (natural) scale, tonic first. */
  scale: number[];
  /** Pearson correlation of the melody with the winning profile. */
  confidence: number;
}

export const PITCH_NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'] as const;
const MAJOR_STEPS = [0, 2, 4, 5, 7, 9, 11];
const MINOR_STEPS = [0, 2, 3, 5, 7, 8, 10];

// Krumhansl & Kessler's probe-tone ratings (1982), C major and C minor.
const MAJOR_PROFILE = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR_PROFILE = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

export const mod12 = (n: number) => ((n % 12) + 12) % 12;

/** "C major", "F# minor", "Bb major"...: the 24 keys by name. */
export const KEY_NAMES = PITCH_NAMES.flatMap((p) => [`${p} major`, `${p} minor`]);

/** The key of a name from KEY_NAMES; null for anything else. */
export function keyNamed(name: string): Key | null {
  const [pitch, mode] = name.trim().split(/\s+/);
  const tonic = PITCH_NAMES.indexOf(pitch as (typeof PITCH_NAMES)[number]);
  return tonic >= 0 && (mode === 'major' || mode === 'minor') ? makeKey(tonic, mode) : null;
}

export function makeKey(tonic: number, mode: Mode, confidence = 1): Key {
  const steps = mode === 'major' ? MAJOR_STEPS : MINOR_STEPS;
  return { tonic, mode, name: `${PITCH_NAMES[tonic]} ${mode}`, scale: steps.map((s) => mod12(tonic + s)), confidence };
}

/**
 * Drops what basic-pitch hears besides the melody: weak notes (harmonics, breaths; below 45 % of
 * the median strength) and, where notes overlap, all but the strongest, leaving one line.
 */
export function melodyLine(notes: SungNote[]): SungNote[] {
  if (notes.length === 0) return [];
  const amps = notes.map((n) => n.amplitude).sort((a, b) => a - b);
  const median = amps[Math.floor(amps.length / 2)]!;
  const strong = notes.filter((n) => n.amplitude >= 0.45 * median && n.endSec > n.startSec).sort((a, b) => a.startSec - b.startSec);
  const line: SungNote[] = [];
  for (const n of strong) {
    const last = line[line.length - 1];
    if (last && n.startSec < last.endSec - 0.05) {
      // Overlap: keep the stronger; the kept one ends where the next begins.
      if (n.amplitude > last.amplitude) {
        line[line.length - 1] = n;
      }
      continue;
    }
    if (last && last.endSec > n.startSec) line[line.length - 1] = { ...last, endSec: n.startSec };
    line.push(n);
  }
  return line;
}

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/** Share of the sung time a key's scale must hold for the key to be a reading of the tune. */
const IN_SCALE = 0.97;
/** How far below the best profile match a key that the tune comes home to may be and still win. */
const HOME_MARGIN = 0.3;

/**
 * Krumhansl–Schmuckler: the major or minor key whose profile best matches the duration-weighted
 * pitch classes. A short tune fits several keys that share its notes (a tune on C, D, E and G fits
 * C major, G major, A minor and E minor alike), and the profile then favours whichever note is
 * sung most; hummed tunes nearly always come home at the end, so among the keys whose scale holds
 * the whole tune, one whose tonic is the last note wins.
 */
export function estimateKey(notes: SungNote[]): Key {
  const hist = new Array<number>(12).fill(0);
  for (const n of notes) hist[mod12(n.midi)]! += (n.endSec - n.startSec) * n.amplitude;
  const total = hist.reduce((s, x) => s + x, 0);
  const last = notes.length > 0 ? mod12(notes[notes.length - 1]!.midi) : null;
  const keys: { key: Key; home: boolean; inScale: boolean }[] = [];
  for (let tonic = 0; tonic < 12; tonic++) {
    for (const [mode, profile] of [
      ['major', MAJOR_PROFILE],
      ['minor', MINOR_PROFILE],
    ] as const) {
      const rotated = hist.map((_, pc) => profile[mod12(pc - tonic)]!);
      const key = makeKey(tonic, mode, pearson(hist, rotated));
      const held = key.scale.reduce((s, pc) => s + hist[pc]!, 0);
      keys.push({ key, home: tonic === last, inScale: total > 0 && held >= IN_SCALE * total });
    }
  }
  keys.sort((a, b) => b.key.confidence - a.key.confidence);
  const best = keys[0]!;
  const home = keys.find((k) => k.home && k.inScale && k.key.confidence >= best.key.confidence - HOME_MARGIN);
  return home && !(best.home && best.inScale) ? home.key : best.key;
}

export interface Tempo {
  bpm: number;
  beatSec: number;
  /** A beat lies here (seconds, may be negative); beats repeat every `beatSec`. */
  beatPhaseSec: number;
  /** How tightly the onsets sit on the eighth-note grid, 0 to 1. */
  confidence: number;
}

const MIN_BPM = 60;
const MAX_BPM = 180;

/** Weighted resultant of onsets wrapped onto a grid of `period`: 1 = every onset on the grid. */
function gridFit(onsets: number[], weights: number[], period: number): { r: number; phase: number } {
  let c = 0;
  let s = 0;
  let w = 0;
  for (let i = 0; i < onsets.length; i++) {
    const a = (2 * Math.PI * onsets[i]!) / period;
    c += weights[i]! * Math.cos(a);
    s += weights[i]! * Math.sin(a);
    w += weights[i]!;
  }
  const r = w === 0 ? 0 : Math.hypot(c, s) / w;
  const phase = ((Math.atan2(s, c) / (2 * Math.PI)) * period + period) % period;
  return { r, phase };
}

/** The median gap between onsets within phrases (a gap of 2 s or more is a pause, not a beat). */
function typicalGap(onsets: number[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < onsets.length; i++) {
    const gap = onsets[i]! - onsets[i - 1]!;
    if (gap > 0.12 && gap < 2) gaps.push(gap);
  }
  if (gaps.length < 2) return null;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/** The tempo the user set, with its beats placed where the onsets sit best. */
export function tempoAt(notes: SungNote[], bpm: number): Tempo {
  const onsets = notes.map((n) => n.startSec);
  const weights = notes.map((n) => Math.min(2, Math.max(0.25, n.endSec - n.startSec)));
  const beatSec = 60 / bpm;
  const { r, phase } = onsets.length > 0 ? gridFit(onsets, weights, beatSec) : { r: 0, phase: 0 };
  return { bpm, beatSec, beatPhaseSec: phase, confidence: r };
}

/**
 * Tempo from inter-onset intervals: every tempo from 60 to 180 BPM is tried, scoring how well the
 * onsets sit on its eighth-note and beat grids. A finer grid always fits, so octave and
 * three-to-two ties (120 against 60, 180 or 80) are broken by what a hum is: most of its notes
 * last about a beat, so the tempo whose beat is nearest the typical gap between onsets (folded
 * into 70-160 BPM), or the tempo asked for, is preferred.
 */
export function estimateTempo(notes: SungNote[], hintBpm: number | null = null): Tempo {
  const onsets = notes.map((n) => n.startSec);
  if (onsets.length < 3) return { bpm: hintBpm ?? 100, beatSec: 60 / (hintBpm ?? 100), beatPhaseSec: onsets[0] ?? 0, confidence: 0 };
  // Longer notes carry the beat more often than passing ones.
  const weights = notes.map((n) => Math.min(2, Math.max(0.25, n.endSec - n.startSec)));
  const gap = typicalGap(onsets);
  let felt = gap ? 60 / gap : 100;
  while (felt < 70) felt *= 2;
  while (felt > 160) felt /= 2;
  const centre = hintBpm ?? felt;
  let best = { bpm: centre, score: -Infinity, fit: 0 };
  for (let bpm = MIN_BPM; bpm <= MAX_BPM + 1e-9; bpm += 0.05) {
    const beat = 60 / bpm;
    const eighth = gridFit(onsets, weights, beat / 2).r;
    const quarter = gridFit(onsets, weights, beat).r;
    const prior = Math.exp(-0.5 * (Math.log2(bpm / centre) / (hintBpm ? 0.25 : 0.35)) ** 2);
    const fit = 0.6 * eighth + 0.4 * quarter;
    const score = fit * (0.6 + 0.4 * prior);
    if (score > best.score) best = { bpm, score, fit };
  }
  const beatSec = 60 / best.bpm;
  const { phase } = gridFit(onsets, weights, beatSec);
  return { bpm: Math.round(best.bpm * 100) / 100, beatSec, beatPhaseSec: phase, confidence: best.fit };
}

export interface Grid {
  bpm: number;
  beatSec: number;
  beatsPerBar: number;
  barSec: number;
  /** Where bar 0 starts, seconds; at or before the first note. */
  startSec: number;
  bars: number;
}

/**
 * The bar grid: the downbeat is the beat (of four) on which the longest notes start, and bar 0 is
 * the last downbeat at or before the first note (a pickup starts in the bar before).
 */
export function barGrid(line: SungNote[], tempo: Tempo, beatsPerBar = 4): Grid {
  const { beatSec, beatPhaseSec } = tempo;
  const barSec = beatSec * beatsPerBar;
  const first = line[0]?.startSec ?? 0;
  const last = line.reduce((m, n) => Math.max(m, n.endSec), first);
  const beatIndex = (t: number) => Math.round((t - beatPhaseSec) / beatSec);
  const weight = new Array<number>(beatsPerBar).fill(0);
  line.forEach((n, i) => {
    const b = beatIndex(n.startSec);
    const onBeat = Math.abs(n.startSec - (beatPhaseSec + b * beatSec)) < beatSec / 4;
    // Phrases mostly start on a downbeat: a note after a rest of a beat or more (or the first) weighs a bar.
    const opensPhrase = i === 0 || n.startSec - line[i - 1]!.endSec >= beatSec * 0.9;
    if (onBeat) weight[((b % beatsPerBar) + beatsPerBar) % beatsPerBar]! += n.endSec - n.startSec + (opensPhrase ? barSec : 0);
  });
  // Beat 1 and beat 3 are both strong; the downbeat is the one whose two strong beats carry most.
  let down = 0;
  let downWeight = -1;
  for (let d = 0; d < beatsPerBar; d++) {
    const w = weight[d]! + 0.5 * weight[(d + beatsPerBar / 2) % beatsPerBar]!;
    if (w > downWeight + 1e-9) {
      downWeight = w;
      down = d;
    }
  }
  // The beat the first note is on, or the one before it; a note a little early still counts as on its beat.
  const firstBeat = Math.floor((first - beatPhaseSec) / beatSec + 0.25);
  const barBeat = firstBeat - ((((firstBeat - down) % beatsPerBar) + beatsPerBar) % beatsPerBar);
  const startSec = beatPhaseSec + barBeat * beatSec;
  // A melody that spills a little past a barline (a late release) does not open another bar.
  const bars = Math.max(1, Math.ceil((last - startSec) / barSec - 0.15));
  return { bpm: tempo.bpm, beatSec, beatsPerBar, barSec, startSec, bars };
}

export interface QuantisedNote {
  /** In sixteenths from the start of bar 0. */
  step: number;
  steps: number;
  midi: number;
  velocity: number;
}

/** Snaps the melody to sixteenths of the grid; each note lasts at least one sixteenth and never overlaps the next. */
export function quantise(line: SungNote[], grid: Grid): QuantisedNote[] {
  const sixteenth = grid.beatSec / 4;
  const out: QuantisedNote[] = [];
  for (const n of line) {
    const step = Math.round((n.startSec - grid.startSec) / sixteenth);
    const end = Math.max(step + 1, Math.round((n.endSec - grid.startSec) / sixteenth));
    const prev = out[out.length - 1];
    if (prev && prev.step === step) continue;
    if (prev && prev.step + prev.steps > step) prev.steps = step - prev.step;
    out.push({ step, steps: end - step, midi: n.midi, velocity: Math.min(1, 0.5 + n.amplitude / 2) });
  }
  return out;
}
