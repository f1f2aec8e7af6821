import { createRequire } from 'node:module';
import type { Arrangement } from './arrange';
import { mod12 } from './theory';

// @tonejs/midi ships CommonJS only; Node's ESM loader sees just a default export. Loaded on the
// first MIDI written, not at the server's start.
const require = createRequire(import.meta.url);

/** MIDI key signatures are counted in sharps and flats, named by the major key that has them. */
const MAJOR_NAMES = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];

/** The arrangement as a standard MIDI file: one track per part, tempo, key and time signature. */
export function arrangementToMidi(arrangement: Arrangement): Uint8Array {
  const { Midi } = require('@tonejs/midi') as typeof import('@tonejs/midi');
  const midi = new Midi();
  midi.header.setTempo(arrangement.bpm);
  midi.header.timeSignatures.push({ ticks: 0, timeSignature: [arrangement.beatsPerBar, 4] });
  const { key } = arrangement;
  midi.header.keySignatures.push({ ticks: 0, key: MAJOR_NAMES[mod12(key.mode === 'minor' ? key.tonic + 3 : key.tonic)]!, scale: key.mode });
  midi.header.name = `${key.name}, ${Math.round(arrangement.bpm)} BPM, ${arrangement.genre}`;
  midi.header.update();
  let channel = 0;
  for (const part of arrangement.parts) {
    const track = midi.addTrack();
    track.name = part.name;
    if (part.name === 'drums') {
      track.channel = 9;
    } else {
      track.channel = channel === 9 ? ++channel : channel;
      channel++;
      track.instrument.number = part.program;
    }
    for (const n of part.notes) track.addNote({ midi: n.midi, time: n.time, duration: n.duration, velocity: n.velocity });
  }
  return midi.toArray();
}
