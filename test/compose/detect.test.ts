import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import { SAMPLE_RATE } from '../../src-server/ai/basic-pitch/model';
import { transcribeNotes } from '../../src-server/ai/basic-pitch/pipeline';
import { estimateKey, estimateTempo, melodyLine, type SungNote } from '../../src-server/compose/theory';
import { humSamples, type HumNote } from '../helpers/wav';

const n = (midi: number | null, beats = 1): HumNote => ({ midi, beats });

// Plain hummed tunes, two phrases each, as a person would hum them to try the studio.
const HUMS: { name: string; key: string; bpm: number; notes: HumNote[]; legato?: boolean }[] = [
  {
    // Sung most on E, never on F or F#, home on C: the key profile alone reads it as E minor.
    name: 'Mary had a little lamb in C, hummed legato',
    key: 'C major',
    bpm: 120,
    legato: true,
    notes: [64, 62, 60, 62, 64, 64, 64, null, 62, 62, 62, null, 64, 67, 67, null, 64, 62, 60, 62, 64, 64, 64, 64, 62, 62, 64, 62, 60].map(
      (m) => n(m),
    ),
  },
  {
    // Mostly a beat a note, one quick note: read as 180 BPM (its eighths fit as well) before.
    name: 'a tune in C with one quick note',
    key: 'C major',
    bpm: 90,
    notes: [60, 62, 64, 65, 67, 65, 64, 62, 64, 65, 67, 69, 67, 60].map((m, i) => n(m, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, 1, 1, 2][i])),
  },
  {
    // A note every two beats: 120 BPM (a note every three beats) fits the onsets as well as 80 does.
    name: 'half notes in A major',
    key: 'A major',
    bpm: 80,
    notes: [57, 61, 64, 61, 62, 59, 57].map((m, i) => n(m, i === 6 ? 4 : 2)),
  },
  {
    // Up the C major scale and back, a note a beat: the walk-through's "plain C-major hum at 120 BPM".
    name: 'C major scale',
    key: 'C major',
    bpm: 120,
    notes: [60, 62, 64, 65, 67, 69, 71, 72, 72, 71, 69, 67, 65, 64, 62, 60].map((m, i) => n(m, i === 15 ? 2 : 1)),
  },
  {
    name: 'Twinkle, twinkle in G',
    key: 'G major',
    bpm: 90,
    notes: [67, 67, 74, 74, 76, 76, 74, 72, 72, 71, 71, 69, 69, 67].map((m, i) => n(m, i === 6 || i === 13 ? 2 : 1)),
  },
  {
    name: 'a tune in A minor',
    key: 'A minor',
    bpm: 100,
    notes: [n(69), n(72), n(76), n(72), n(74), n(72, 0.5), n(71, 0.5), n(69, 2), n(65), n(69), n(72), n(69), n(64), n(68), n(69, 2)],
  },
  {
    name: 'a quick tune in D minor',
    key: 'D minor',
    bpm: 140,
    notes: [62, 65, 69, 65, 62, 64, 65, 67, 69, 70, 69, 67, 65, 64, 62, 62].map((m, i) => n(m, i % 8 === 7 ? 2 : 1)),
  },
  {
    name: 'a slow tune in F major',
    key: 'F major',
    bpm: 72,
    notes: [65, 69, 72, 69, 70, 69, 67, 65, 67, 69, 70, 72, 67, 64, 65].map((m, i) => n(m, i === 14 ? 3 : 1)),
  },
];

let pool: AiPool;
beforeAll(() => {
  pool = new AiPool({ providers: chooseProviders({ env: {} }) });
});
afterAll(async () => {
  await pool.close();
});

describe('key and tempo of a hummed tune', () => {
  for (const hum of HUMS) {
    it(`hears ${hum.name} as ${hum.key} at ${hum.bpm} BPM`, async () => {
      // Onsets up to 30 ms off the beat, as a person hums.
      const samples = humSamples(hum.notes, {
        bpm: hum.bpm,
        sampleRate: SAMPLE_RATE,
        leadInSec: 0.4,
        jitterSec: 0.03,
        legato: hum.legato,
        seed: hum.bpm,
      });
      const { notes } = await transcribeNotes(pool, samples);
      const line = melodyLine(notes);
      expect(estimateKey(line).name).toBe(hum.key);
      expect(Math.abs(estimateTempo(line).bpm - hum.bpm)).toBeLessThan(2);
    }, 60_000);
  }
});

describe('tempo of many made-up tunes', () => {
  it('finds the tempo, not its double, half or three-halves, for 400 tunes of mostly one-beat notes', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const wrong: string[] = [];
    for (let tune = 0; tune < 400; tune++) {
      const bpm = [120, 100, 90, 80, 110, 130][tune % 6]!;
      const jitter = tune % 2 === 0 ? 0.02 : 0.04;
      const beats = Array.from({ length: 14 }, () => {
        const r = (random() + 1) / 2;
        return r < 0.6 ? 1 : r < 0.8 ? 0.5 : r < 0.95 ? 2 : 1.5;
      });
      const notes: SungNote[] = [];
      let at = 0.4;
      for (const b of beats) {
        notes.push({ startSec: at + jitter * random(), endSec: at + (b * 60) / bpm - 0.05, midi: 60, amplitude: 0.5 });
        at += (b * 60) / bpm;
      }
      const found = estimateTempo(notes).bpm;
      if (Math.abs(found - bpm) > 3) wrong.push(`${bpm} BPM read as ${found}: ${beats.join(' ')}`);
    }
    // 87 of these were read at 180 or 160 (a finer grid fits too) before the typical gap between notes decided.
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(2);
  });
});
