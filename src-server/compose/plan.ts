import { decodeAudio, encodeAudio } from '../media/ffmpeg';
import type { ArrangeInput, Arrangement, Section } from './arrange';
import type { Genre, Instrument, Mood } from './prompt';

/**
 * What atelier-arranger keeps beside a song it composed (`plan.json`): the quantised melody, the
 * grid, the chords and the take's place in the mix. With it a song can be continued (extend),
 * arranged in another vibe (remix) or partly redone (replace) without hearing the take again.
 */

export const PLAN_VERSION = 1;

export interface ArrangePlan extends Pick<ArrangeInput, 'grid' | 'melody' | 'genre' | 'mood' | 'instruments' | 'feel' | 'barsStartSec'> {
  version: typeof PLAN_VERSION;
  /** The key's name, e.g. "A minor". */
  key: string;
  variant: number;
  /** Scale degree of each bar's chord. */
  chordDegrees: number[];
  sections: Section[];
  /** The part of the take mixed in, where it plays and how loud. */
  vocal: { startSec: number; durationSec: number; delaySec: number; gainDb: number };
}

export type Rework =
  | { kind: 'extend'; bars: number }
  | { kind: 'remix'; genre: Genre; mood: Mood | null; instruments: Instrument[]; variant: number }
  /** Bars 1-based and inclusive, as a musician counts them. */
  | { kind: 'replace'; fromBar: number; toBar: number };

/** The most bars one extend adds, and the longest song it may make. */
export const EXTEND_MAX_BARS = 32;
export const SONG_MAX_BARS = 256;

/** The plan a stored `plan.json` holds, or null when it is not one this version reads. */
export function readPlan(json: string): ArrangePlan | null {
  try {
    const plan = JSON.parse(json) as ArrangePlan;
    const ok =
      plan?.version === PLAN_VERSION &&
      Array.isArray(plan.melody) &&
      Array.isArray(plan.chordDegrees) &&
      plan.chordDegrees.length === plan.grid?.bars;
    return ok ? plan : null;
  } catch {
    return null;
  }
}

/** Why this rework does not fit the song (a section past its last bar...), or null. */
export function reworkProblem(plan: ArrangePlan, change: Rework): string | null {
  const bars = plan.grid.bars;
  if (change.kind === 'extend' && bars + change.bars > SONG_MAX_BARS)
    return `The song has ${bars} bars; extending it by ${change.bars} would pass the ${SONG_MAX_BARS}-bar limit`;
  if (change.kind === 'replace') {
    if (change.fromBar > change.toBar) return `fromBar (${change.fromBar}) comes after toBar (${change.toBar})`;
    if (change.toBar > bars) return `The song has bars 1 to ${bars}; bar ${change.toBar} is past its end`;
  }
  return null;
}

/** The plan after the change: extend repeats the song's opening bars (melody and chords) after its end. */
export function reworkedPlan(plan: ArrangePlan, change: Rework): ArrangePlan {
  const stepsPerBar = plan.grid.beatsPerBar * 4;
  const bars = plan.grid.bars;
  switch (change.kind) {
    case 'extend': {
      const melody = [...plan.melody];
      const chordDegrees = [...plan.chordDegrees];
      for (let j = 0; j < change.bars; j++) {
        const from = j % bars;
        const shift = (bars + j - from) * stepsPerBar;
        for (const n of plan.melody) {
          const bar = Math.floor(n.step / stepsPerBar);
          if (bar === from) melody.push({ ...n, step: n.step + shift });
        }
        chordDegrees.push(plan.chordDegrees[from]!);
      }
      return { ...plan, grid: { ...plan.grid, bars: bars + change.bars }, melody, chordDegrees };
    }
    case 'remix':
      // Chords are found afresh for the new genre; the melody and the take stay.
      return {
        ...plan,
        genre: change.genre,
        mood: change.mood,
        instruments: change.instruments,
        variant: change.variant,
        chordDegrees: [],
        sections: [],
      };
    case 'replace': {
      const section = { fromBar: change.fromBar - 1, toBar: change.toBar, variant: plan.variant + 1 };
      const others = plan.sections.filter((s) => s.toBar <= section.fromBar || s.fromBar >= section.toBar);
      return { ...plan, sections: [...others, section].sort((a, b) => a.fromBar - b.fromBar) };
    }
  }
}

/** The song time of bar `bar` (0-based). */
export const barTime = (plan: Pick<ArrangePlan, 'barsStartSec' | 'grid'>, bar: number) => plan.barsStartSec + bar * plan.grid.barSec;

/**
 * Which part of the new rendering replaces the old song, in seconds: after the old bars for an
 * extend (the start stays the old song's own samples), the section's bars for a replace, all of
 * it for a remix (null).
 */
export function spliceRegion(plan: ArrangePlan, change: Rework): { fromSec: number; toSec: number | null } | null {
  if (change.kind === 'extend') return { fromSec: barTime(plan, plan.grid.bars), toSec: null };
  if (change.kind === 'replace') return { fromSec: barTime(plan, change.fromBar - 1), toSec: barTime(plan, change.toBar) };
  return null;
}

/** The arranger's inputs a plan stands for (the arrangement it makes, before rendering). */
export function planFrom(
  arrangement: Arrangement,
  fields: Pick<ArrangePlan, 'grid' | 'melody' | 'instruments' | 'feel' | 'vocal'>,
): ArrangePlan {
  return {
    version: PLAN_VERSION,
    key: arrangement.key.name,
    genre: arrangement.genre,
    mood: arrangement.mood,
    barsStartSec: arrangement.barsStartSec,
    variant: arrangement.variant,
    sections: arrangement.sections,
    chordDegrees: arrangement.chords.map((c) => c.degree),
    grid: fields.grid,
    melody: fields.melody,
    instruments: fields.instruments,
    feel: fields.feel,
    vocal: fields.vocal,
  };
}

const RATE = 44_100;
/** Where the old and the new audio meet, each fades into the other over this long. */
const CROSSFADE_SEC = 0.03;

/**
 * Writes `wav` and `mp3`: the old song's samples, with `region` taken from the new rendering
 * (crossfaded inside the region, so every sample outside it is the old song's own).
 */
export async function spliceSongs(opts: {
  old: string;
  fresh: string;
  region: { fromSec: number; toSec: number | null };
  wav: string;
  mp3: string;
  signal?: AbortSignal;
}): Promise<void> {
  const [old, fresh] = await Promise.all([
    decodeAudio(opts.old, { sampleRate: RATE, channels: 2, signal: opts.signal }),
    decodeAudio(opts.fresh, { sampleRate: RATE, channels: 2, signal: opts.signal }),
  ]);
  const frames = (x: Float32Array) => x.length / 2;
  const from = Math.min(frames(old), Math.round(opts.region.fromSec * RATE));
  const to = opts.region.toSec === null ? frames(fresh) : Math.min(frames(old), Math.round(opts.region.toSec * RATE));
  const total = opts.region.toSec === null ? frames(fresh) : frames(old);
  const out = new Float32Array(total * 2);
  const fade = Math.round(CROSSFADE_SEC * RATE);
  for (let f = 0; f < total; f++) {
    // How much of the new rendering this frame takes: 0 outside the region, ramps at its edges.
    let w = f < from || f >= to ? 0 : 1;
    if (w === 1 && f - from < fade) w = (f - from) / fade;
    if (w > 0 && opts.region.toSec !== null && to - f <= fade) w = Math.min(w, (to - f) / fade);
    for (let c = 0; c < 2; c++) {
      const a = old[2 * f + c] ?? 0;
      const b = fresh[2 * f + c] ?? 0;
      out[2 * f + c] = w === 0 ? a : a * (1 - w) + b * w;
    }
  }
  await encodeAudio(out, { sampleRate: RATE, channels: 2, output: opts.wav });
  await encodeAudio(out, { sampleRate: RATE, channels: 2, output: opts.mp3, bitrateKbps: 192 });
}
