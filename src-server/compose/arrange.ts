import { chordsOn, harmonise, type Chord } from './harmony';
import type { Genre, Instrument, Mood, TempoFeel } from './prompt';
import type { Grid, Key, QuantisedNote } from './theory';

/**
 * The band around the melody: drums, bass, chords, a pad and a lead that doubles the sung line.
 * Everything is plain data (seconds, MIDI numbers) so it crosses to the render worker and into
 * the MIDI file unchanged.
 */

export const PART_NAMES = ['drums', 'bass', 'chords', 'pad', 'lead'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** The sounds the renderer knows (render/instruments.ts). */
export type Timbre =
  | 'piano'
  | 'epiano'
  | 'organ'
  | 'guitar'
  | 'electric-guitar'
  | 'bass'
  | 'synth-bass'
  | 'strings'
  | 'violin'
  | 'cello'
  | 'pad'
  | 'synth-lead'
  | 'brass'
  | 'trumpet'
  | 'sax'
  | 'flute'
  | 'bell'
  | 'drums';

export interface ArrangedNote {
  /** Seconds from the start of the song. */
  time: number;
  duration: number;
  midi: number;
  /** 0 to 1. */
  velocity: number;
}

export interface Part {
  name: PartName;
  timbre: Timbre;
  /** General MIDI program for the MIDI file; drums go on channel 10. */
  program: number;
  /** Level of the stem in the mix. */
  gainDb: number;
  /** Brought forward because the prompt asked for its instrument. */
  emphasised: boolean;
  notes: ArrangedNote[];
}

export interface Arrangement {
  bpm: number;
  beatsPerBar: number;
  key: Key;
  genre: Genre;
  mood: Mood | null;
  /** Bars carrying the melody; the song then rings out for `tailSec`. */
  bars: number;
  /** Which arrangement of the melody this is (ArrangeInput.variant), and the bars played otherwise. */
  variant: number;
  sections: Section[];
  /** Where bar 0 starts in the song (0 unless the voice starts before it). */
  barsStartSec: number;
  tailSec: number;
  durationSec: number;
  chords: (Chord & { time: number; duration: number })[];
  parts: Part[];
}

export const GM_PROGRAMS: Record<Timbre, number> = {
  piano: 0,
  epiano: 4,
  bell: 9,
  organ: 16,
  guitar: 25,
  'electric-guitar': 29,
  bass: 33,
  'synth-bass': 38,
  violin: 40,
  cello: 42,
  strings: 48,
  trumpet: 56,
  brass: 61,
  sax: 65,
  flute: 73,
  'synth-lead': 81,
  pad: 89,
  drums: 0,
};

interface Style {
  timbres: Record<Exclude<PartName, 'drums'>, Timbre>;
  /** Sixteenth steps of kick, snare and closed hats in a bar. */
  kick: number[];
  snare: number[];
  hats: number[];
  openHats?: number[];
  /** Sixteenth steps and lengths (in sixteenths) of the chord part's hits; 'arp' breaks the chord into eighths. */
  comp: [number, number][] | 'arp';
  /** Bass rhythm as [step, length, which chord tone: 0 root, 1 third, 2 fifth, 3 octave]. */
  bass: [number, number, number][];
  /** Swing: how late the off-beat eighths are, as a fraction of a sixteenth. */
  swing: number;
}

const STYLES: Record<Genre, Style> = {
  pop: {
    timbres: { bass: 'bass', chords: 'piano', pad: 'pad', lead: 'synth-lead' },
    kick: [0, 6, 8],
    snare: [4, 12],
    hats: [0, 2, 4, 6, 8, 10, 12, 14],
    comp: [
      [0, 6],
      [6, 2],
      [8, 6],
      [14, 2],
    ],
    bass: [
      [0, 6, 0],
      [6, 2, 0],
      [8, 6, 0],
      [14, 2, 2],
    ],
    swing: 0,
  },
  rock: {
    timbres: { bass: 'bass', chords: 'electric-guitar', pad: 'organ', lead: 'electric-guitar' },
    kick: [0, 6, 8, 10],
    snare: [4, 12],
    hats: [0, 2, 4, 6, 8, 10, 12, 14],
    comp: [
      [0, 2],
      [2, 2],
      [4, 2],
      [6, 2],
      [8, 2],
      [10, 2],
      [12, 2],
      [14, 2],
    ],
    bass: [
      [0, 2, 0],
      [2, 2, 0],
      [4, 2, 0],
      [6, 2, 0],
      [8, 2, 0],
      [10, 2, 0],
      [12, 2, 0],
      [14, 2, 2],
    ],
    swing: 0,
  },
  ballad: {
    timbres: { bass: 'bass', chords: 'piano', pad: 'strings', lead: 'strings' },
    kick: [0, 10],
    snare: [12],
    hats: [0, 4, 8, 12],
    comp: 'arp',
    bass: [
      [0, 8, 0],
      [8, 8, 2],
    ],
    swing: 0,
  },
  jazz: {
    timbres: { bass: 'bass', chords: 'epiano', pad: 'organ', lead: 'sax' },
    kick: [0],
    snare: [14],
    hats: [0, 4, 6, 8, 12, 14],
    comp: [
      [0, 3],
      [6, 2],
      [10, 4],
    ],
    bass: [
      [0, 4, 0],
      [4, 4, 1],
      [8, 4, 2],
      [12, 4, 1],
    ],
    swing: 0.33,
  },
  lofi: {
    timbres: { bass: 'synth-bass', chords: 'epiano', pad: 'pad', lead: 'bell' },
    kick: [0, 7, 10],
    snare: [4, 12],
    hats: [0, 2, 4, 6, 8, 10, 12, 14],
    comp: [[0, 16]],
    bass: [
      [0, 7, 0],
      [7, 3, 0],
      [10, 6, 2],
    ],
    swing: 0.3,
  },
  hiphop: {
    timbres: { bass: 'synth-bass', chords: 'epiano', pad: 'pad', lead: 'synth-lead' },
    kick: [0, 3, 10],
    snare: [4, 12],
    hats: [0, 2, 4, 6, 8, 10, 12, 14],
    comp: [
      [0, 8],
      [8, 8],
    ],
    bass: [
      [0, 3, 0],
      [3, 7, 0],
      [10, 6, 0],
    ],
    swing: 0.15,
  },
  edm: {
    timbres: { bass: 'synth-bass', chords: 'pad', pad: 'pad', lead: 'synth-lead' },
    kick: [0, 4, 8, 12],
    snare: [4, 12],
    hats: [],
    openHats: [2, 6, 10, 14],
    comp: [
      [2, 2],
      [6, 2],
      [10, 2],
      [14, 2],
    ],
    bass: [
      [2, 2, 0],
      [6, 2, 0],
      [10, 2, 0],
      [14, 2, 3],
    ],
    swing: 0,
  },
  rnb: {
    timbres: { bass: 'synth-bass', chords: 'epiano', pad: 'pad', lead: 'synth-lead' },
    kick: [0, 7, 10],
    snare: [4, 12],
    hats: [0, 2, 4, 6, 8, 10, 12, 14],
    comp: [
      [0, 12],
      [12, 4],
    ],
    bass: [
      [0, 6, 0],
      [7, 3, 2],
      [10, 6, 0],
    ],
    swing: 0.2,
  },
  folk: {
    timbres: { bass: 'bass', chords: 'guitar', pad: 'strings', lead: 'flute' },
    kick: [0, 8],
    snare: [4, 12],
    hats: [0, 4, 8, 12],
    comp: [
      [0, 4],
      [4, 2],
      [6, 4],
      [10, 2],
      [12, 2],
      [14, 2],
    ],
    bass: [
      [0, 8, 0],
      [8, 8, 2],
    ],
    swing: 0,
  },
  cinematic: {
    timbres: { bass: 'cello', chords: 'piano', pad: 'strings', lead: 'brass' },
    kick: [0],
    snare: [],
    hats: [],
    comp: 'arp',
    bass: [[0, 16, 0]],
    swing: 0,
  },
};

/** Which part an instrument naturally plays, and with which sound. */
const INSTRUMENT_ROLES: Record<Instrument, { part: PartName; timbre: Timbre; canLead: boolean }> = {
  piano: { part: 'chords', timbre: 'piano', canLead: true },
  epiano: { part: 'chords', timbre: 'epiano', canLead: true },
  organ: { part: 'pad', timbre: 'organ', canLead: false },
  guitar: { part: 'chords', timbre: 'guitar', canLead: true },
  'electric-guitar': { part: 'chords', timbre: 'electric-guitar', canLead: true },
  bass: { part: 'bass', timbre: 'bass', canLead: false },
  drums: { part: 'drums', timbre: 'drums', canLead: false },
  strings: { part: 'pad', timbre: 'strings', canLead: true },
  violin: { part: 'lead', timbre: 'violin', canLead: true },
  cello: { part: 'bass', timbre: 'cello', canLead: false },
  synth: { part: 'lead', timbre: 'synth-lead', canLead: true },
  pad: { part: 'pad', timbre: 'pad', canLead: false },
  brass: { part: 'lead', timbre: 'brass', canLead: true },
  trumpet: { part: 'lead', timbre: 'trumpet', canLead: true },
  sax: { part: 'lead', timbre: 'sax', canLead: true },
  flute: { part: 'lead', timbre: 'flute', canLead: true },
  bell: { part: 'lead', timbre: 'bell', canLead: true },
};

const BASE_GAIN_DB: Record<PartName, number> = { drums: -8, bass: -9, chords: -13, pad: -17, lead: -15 };
/** Brought forward by this much when the prompt names the part's instrument. */
export const EMPHASIS_DB = 4;
/** A lead the prompt asked for plays at this level instead of a quiet doubling of the voice. */
const LEADING_DB = -9;

/** How hard and how busy each mood plays: velocity scale, and whether hats thin out or double. */
const MOOD_ENERGY: Record<Mood, { velocity: number; hats: 'sparse' | 'normal' | 'busy'; pad: number }> = {
  happy: { velocity: 0.9, hats: 'normal', pad: 0 },
  sad: { velocity: 0.7, hats: 'sparse', pad: 2 },
  calm: { velocity: 0.65, hats: 'sparse', pad: 2 },
  energetic: { velocity: 1, hats: 'busy', pad: -2 },
  dark: { velocity: 0.8, hats: 'normal', pad: 3 },
  romantic: { velocity: 0.75, hats: 'sparse', pad: 2 },
  dreamy: { velocity: 0.7, hats: 'sparse', pad: 4 },
};

export const TAIL_SEC = 2;

/** Bars `fromBar` to `toBar` (0-based, `toBar` excluded) played as another variant than the rest of the song. */
export interface Section {
  fromBar: number;
  toBar: number;
  variant: number;
}

/** The other sound of each part's usual one, for an odd variant: a second take on the same song. */
const ALT_TIMBRES: Partial<Record<Timbre, Timbre>> = {
  piano: 'epiano',
  epiano: 'piano',
  guitar: 'piano',
  'electric-guitar': 'organ',
  organ: 'strings',
  strings: 'pad',
  pad: 'strings',
  'synth-lead': 'bell',
  bell: 'flute',
  sax: 'trumpet',
  flute: 'violin',
  brass: 'strings',
};

/** An odd variant's bass: root, fifth and octave walking through the bar. */
const ALT_BASS: [number, number, number][] = [
  [0, 3, 0],
  [3, 3, 2],
  [6, 2, 3],
  [8, 6, 0],
  [14, 2, 1],
];

/** What a bar plays: the style's patterns, or (odd variants) its other groove. */
function barPatterns(style: Style, variant: number): Pick<Style, 'kick' | 'snare' | 'hats' | 'openHats' | 'comp' | 'bass'> {
  if (variant % 2 === 0) return style;
  return {
    kick: [...new Set([...style.kick, 14])].sort((a, b) => a - b),
    snare: style.snare,
    hats: style.hats.length === 8 ? [2, 6, 10, 14] : style.hats,
    openHats: style.openHats,
    comp:
      style.comp === 'arp'
        ? [
            [0, 4],
            [4, 4],
            [8, 4],
            [12, 4],
          ]
        : 'arp',
    bass: ALT_BASS,
  };
}

export interface ArrangeInput {
  grid: Grid;
  key: Key;
  melody: QuantisedNote[];
  genre: Genre;
  mood: Mood | null;
  instruments: Instrument[];
  feel: TempoFeel | null;
  /** Where bar 0 lies in the song. */
  barsStartSec: number;
  /** 0: the genre's own arrangement; another number: another sound, groove and progression for the same melody. */
  variant?: number;
  /** The chords' scale degrees, one per bar, instead of harmonising afresh (a song continued or partly redone). */
  chordDegrees?: number[];
  /** Stretches of bars played as another variant (a section redone). */
  sections?: Section[];
}

/** Places pitch classes in [low, low + 12), lowest first. */
function voice(pcs: number[], low: number): number[] {
  return pcs.map((pc) => low + ((((pc - low) % 12) + 12) % 12)).sort((a, b) => a - b);
}

export function arrange(input: ArrangeInput): Arrangement {
  const { grid, key, melody, genre, mood, instruments, feel, barsStartSec } = input;
  const variant = input.variant ?? 0;
  const sections = input.sections ?? [];
  const variantOf = (bar: number) => sections.find((s) => bar >= s.fromBar && bar < s.toBar)?.variant ?? variant;
  const style = STYLES[genre];
  const energy = MOOD_ENERGY[mood ?? 'happy'];
  const stepsPerBar = grid.beatsPerBar * 4;
  const sixteenth = grid.beatSec / 4;
  const bars = grid.bars;
  const songEnd = barsStartSec + bars * grid.barSec;
  const durationSec = songEnd + TAIL_SEC;
  /** Song time of a sixteenth step, with swing pushing the off-beat eighths late. */
  const at = (step: number) => barsStartSec + (step + (step % 4 === 2 ? style.swing : 0)) * sixteenth;

  const chords = (
    input.chordDegrees ? chordsOn(key, genre, input.chordDegrees) : harmonise({ key, genre, mood, bars, stepsPerBar, melody, variant })
  ).map((c) => ({
    ...c,
    time: barsStartSec + c.bar * grid.barSec,
    duration: grid.barSec,
  }));

  // Roles: the first melodic instrument asked for leads; the others colour the part they belong to.
  const timbres = { ...style.timbres };
  if (variant % 2 === 1) for (const p of ['chords', 'pad', 'lead'] as const) timbres[p] = ALT_TIMBRES[timbres[p]] ?? timbres[p];
  const emphasised = new Set<PartName>();
  let leadAsked = false;
  for (const inst of instruments) {
    const role = INSTRUMENT_ROLES[inst];
    if (!leadAsked && role.canLead) {
      timbres.lead = role.timbre;
      emphasised.add('lead');
      leadAsked = true;
      continue;
    }
    if (role.part !== 'drums' && !(role.part === 'lead' && leadAsked)) timbres[role.part] = role.timbre;
    emphasised.add(role.part === 'lead' ? 'chords' : role.part);
  }

  const drums: ArrangedNote[] = [];
  const bass: ArrangedNote[] = [];
  const comp: ArrangedNote[] = [];
  const pad: ArrangedNote[] = [];
  const v = (x: number) => Math.min(1, x * energy.velocity);

  const grooves = [0, 1].map((v) => {
    const p = barPatterns(style, v);
    let hats = p.hats;
    if (energy.hats === 'sparse' && hats.length > 4) hats = hats.filter((s) => s % 4 === 0);
    if (energy.hats === 'busy' && hats.length === 8) hats = Array.from({ length: 16 }, (_, i) => i);
    const kick = feel === 'slow' ? p.kick.filter((s) => s < 8) : p.kick;
    const snare =
      feel === 'slow' && p.snare.length > 1
        ? [8]
        : feel === 'fast'
          ? [...new Set([...p.snare, ...p.snare.map((s) => s - 2).filter((s) => s > 0)])]
          : p.snare;
    return { ...p, hats, kick, snare };
  });

  let lastVoicing: number[] | null = null;
  for (const chord of chords) {
    const base = chord.bar * stepsPerBar;
    const { kick, snare, hats, openHats, comp: comping, bass: bassLine } = grooves[variantOf(chord.bar) % 2]!;
    for (const s of kick) drums.push({ time: at(base + s), duration: sixteenth, midi: 36, velocity: v(s === 0 ? 1 : 0.85) });
    for (const s of snare) drums.push({ time: at(base + s), duration: sixteenth, midi: 38, velocity: v(0.85) });
    for (const s of hats) drums.push({ time: at(base + s), duration: sixteenth, midi: 42, velocity: v(s % 4 === 0 ? 0.6 : 0.42) });
    for (const s of openHats ?? []) drums.push({ time: at(base + s), duration: 2 * sixteenth, midi: 46, velocity: v(0.5) });
    if (chord.bar % 4 === 0 && (mood === 'energetic' || genre === 'rock' || genre === 'edm' || chord.bar === 0)) {
      drums.push({ time: at(base), duration: grid.barSec, midi: 49, velocity: v(0.7) });
    }

    const bassLow = genre === 'cinematic' ? 36 : 28;
    const root = voice([chord.root], bassLow)[0]!;
    const toneOf = (which: number) =>
      which === 3 ? root + 12 : which === 0 ? root : voice([chord.pitchClasses[which === 1 ? 1 : 2]!], root)[0]!;
    for (const [s, len, which] of bassLine)
      bass.push({ time: at(base + s), duration: len * sixteenth * 0.95, midi: toneOf(which), velocity: v(s === 0 ? 0.95 : 0.8) });

    // Close voicing near the last one, so the chords move smoothly.
    const meanOf = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    const centre: number = lastVoicing ? meanOf(lastVoicing) : 62;
    const voicing: number[] = [52, 55, 57]
      .map((low) => voice(chord.pitchClasses, low))
      .sort((a, b) => Math.abs(meanOf(a) - centre) - Math.abs(meanOf(b) - centre))[0]!;
    lastVoicing = voicing;
    if (comping === 'arp') {
      const order = [...voicing, voicing[1]! + 12, ...voicing.slice().reverse()];
      for (let i = 0; i < 8; i++)
        comp.push({ time: at(base + 2 * i), duration: 4 * sixteenth, midi: order[i % order.length]!, velocity: v(i === 0 ? 0.75 : 0.6) });
    } else {
      for (const [s, len] of comping)
        for (const m of voicing)
          comp.push({ time: at(base + s), duration: len * sixteenth * 0.92, midi: m, velocity: v(s === 0 ? 0.75 : 0.62) });
    }
    const padVoicing = voice(chord.pitchClasses, 60);
    const isLast = chord.bar === bars - 1;
    for (const m of padVoicing)
      pad.push({ time: at(base), duration: grid.barSec + (isLast ? TAIL_SEC * 0.6 : 0), midi: m, velocity: v(0.55) });
  }
  // The song ends on its last chord, struck once more and left to ring through the tail.
  const last = chords[chords.length - 1]!;
  const lastRoot = voice([last.root], 28)[0]!;
  bass.push({ time: songEnd, duration: TAIL_SEC * 0.8, midi: lastRoot, velocity: v(0.9) });
  for (const m of voice(last.pitchClasses, 55)) comp.push({ time: songEnd, duration: TAIL_SEC * 0.8, midi: m, velocity: v(0.7) });
  drums.push(
    { time: songEnd, duration: sixteenth, midi: 36, velocity: v(1) },
    { time: songEnd, duration: TAIL_SEC, midi: 49, velocity: v(0.7) },
  );

  // The lead doubles the melody around C5-D5, an octave from the voice so the two do not fight.
  const mean = melody.length ? melody.reduce((s, n) => s + n.midi, 0) / melody.length : 72;
  const shift = 12 * Math.round((74 - mean) / 12);
  const lead = melody.map((n) => ({
    time: at(n.step),
    duration: n.steps * sixteenth * 0.95,
    midi: n.midi + shift,
    velocity: Math.min(1, n.velocity * energy.velocity + 0.1),
  }));

  const level = (name: PartName) => {
    let db = BASE_GAIN_DB[name];
    if (name === 'pad') db += energy.pad;
    if (name === 'lead' && emphasised.has('lead')) return LEADING_DB + EMPHASIS_DB;
    if (emphasised.has(name)) db += EMPHASIS_DB;
    return db;
  };
  const part = (name: PartName, timbre: Timbre, notes: ArrangedNote[]): Part => ({
    name,
    timbre,
    program: GM_PROGRAMS[timbre],
    gainDb: level(name),
    emphasised: emphasised.has(name),
    notes: notes.filter((n) => n.time >= 0 && n.time < durationSec).sort((a, b) => a.time - b.time),
  });
  const parts: Part[] = [
    part('drums', 'drums', genre === 'cinematic' && !emphasised.has('drums') ? drums.filter((n) => n.midi === 36 || n.midi === 49) : drums),
    part('bass', timbres.bass, bass),
    part('chords', timbres.chords, comp),
    part('pad', timbres.pad, pad),
    part('lead', timbres.lead, lead),
  ];
  return {
    bpm: grid.bpm,
    beatsPerBar: grid.beatsPerBar,
    variant,
    sections,
    key,
    genre,
    mood,
    bars,
    barsStartSec,
    tailSec: TAIL_SEC,
    durationSec,
    chords,
    parts,
  };
}
