/**
 * A sung-like take the tests and the bench make themselves: harmonic tones (a glottal-like
 * spectrum shaped by "ah" formants, with vibrato and soft attacks) playing a known melody,
 * between stretches of near-silence.
 */

export interface MelodyNote {
  /** MIDI note number. */
  midi: number;
  /** Length in beats. */
  beats: number;
}

/** Eight bars of 4/4 in A minor: tonic and dominant on the strong beats, ending on A. */
export const A_MINOR_MELODY: MelodyNote[] = [
  { midi: 69, beats: 1 },
  { midi: 72, beats: 1 },
  { midi: 76, beats: 1 },
  { midi: 72, beats: 1 },
  { midi: 74, beats: 1 },
  { midi: 72, beats: 0.5 },
  { midi: 71, beats: 0.5 },
  { midi: 69, beats: 2 },
  { midi: 65, beats: 1 },
  { midi: 69, beats: 1 },
  { midi: 72, beats: 1 },
  { midi: 69, beats: 1 },
  { midi: 64, beats: 1 },
  { midi: 68, beats: 1 },
  { midi: 71, beats: 2 },
  { midi: 69, beats: 1 },
  { midi: 72, beats: 1 },
  { midi: 76, beats: 1.5 },
  { midi: 74, beats: 0.5 },
  { midi: 72, beats: 1 },
  { midi: 71, beats: 1 },
  { midi: 72, beats: 2 },
  { midi: 74, beats: 1 },
  { midi: 72, beats: 1 },
  { midi: 71, beats: 1 },
  { midi: 67, beats: 1 },
  { midi: 69, beats: 3 },
  { midi: 64, beats: 1 },
];

export interface TakeOptions {
  sampleRate: number;
  bpm: number;
  notes: MelodyNote[];
  /** Times the melody repeats, back to back. */
  repeats?: number;
  /** Near-silence before and after the singing. */
  leadInSec?: number;
  tailSec?: number;
  /** Peak level of the voice. */
  level?: number;
  seed?: number;
}

export interface Take {
  samples: Float32Array;
  /** Where the first note starts and the last note ends, in seconds. */
  singingStartSec: number;
  singingEndSec: number;
  /** Every note as sung, in seconds. */
  notes: { startSec: number; endSec: number; midi: number }[];
}

const FORMANTS = [
  { hz: 750, bw: 90, gain: 1 },
  { hz: 1150, bw: 110, gain: 0.55 },
  { hz: 2600, bw: 170, gain: 0.25 },
];

/** Amplitude of harmonic `f` Hz: a glottal 1/n roll-off lifted by resonances at the formants. */
function harmonicAmplitude(f: number, n: number): number {
  let shape = 0.15;
  for (const fm of FORMANTS) shape += fm.gain / (1 + ((f - fm.hz) / fm.bw) ** 2);
  return shape / n;
}

export function synthesiseTake(opts: TakeOptions): Take {
  const { sampleRate: sr, bpm, notes } = opts;
  const repeats = opts.repeats ?? 1;
  const leadIn = opts.leadInSec ?? 1;
  const tail = opts.tailSec ?? 1;
  const beatSec = 60 / bpm;
  const melodyBeats = notes.reduce((s, n) => s + n.beats, 0);
  const total = leadIn + repeats * melodyBeats * beatSec + tail;
  const out = new Float32Array(Math.ceil(total * sr));
  let seed = opts.seed ?? 7;
  const noise = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < out.length; i++) out[i] = noise() * 2e-4;

  const sung: Take['notes'] = [];
  let t = leadIn;
  for (let r = 0; r < repeats; r++) {
    for (const note of notes) {
      const dur = note.beats * beatSec;
      sung.push({ startSec: t, endSec: t + dur, midi: note.midi });
      const f0 = 440 * 2 ** ((note.midi - 69) / 12);
      const start = Math.round(t * sr);
      // A breath between notes: the sound stops 60 ms before the next onset.
      const len = Math.round((dur - 0.06) * sr);
      const harmonics: { n: number; amp: number }[] = [];
      for (let n = 1; n * f0 < Math.min(5000, sr / 2 - 200); n++) harmonics.push({ n, amp: harmonicAmplitude(n * f0, n) });
      let phase = 0;
      for (let i = 0; i < len && start + i < out.length; i++) {
        const ts = i / sr;
        const attack = Math.min(1, ts / 0.03);
        const release = Math.min(1, (len - i) / (0.04 * sr));
        // Vibrato grows in after 200 ms, as a singer's does.
        const vib = 1 + 0.004 * Math.min(1, ts / 0.2) * Math.sin(2 * Math.PI * 5.5 * ts);
        phase += (2 * Math.PI * f0 * vib) / sr;
        let v = 0;
        for (const h of harmonics) v += h.amp * Math.sin(h.n * phase);
        out[start + i] = out[start + i]! + v * attack * release;
      }
      t += dur;
    }
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  const gain = (opts.level ?? 0.5) / peak;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * gain;
  return { samples: out, singingStartSec: leadIn, singingEndSec: t, notes: sung };
}
