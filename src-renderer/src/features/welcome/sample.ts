import { studioApi } from '../studio/api';
import { useStudio } from '../studio/store';

/** "Twinkle, twinkle" in C major at 100 BPM: MIDI note and beats. */
const MELODY: [number, number][] = [
  [60, 1],
  [60, 1],
  [67, 1],
  [67, 1],
  [69, 1],
  [69, 1],
  [67, 2],
  [65, 1],
  [65, 1],
  [64, 1],
  [64, 1],
  [62, 1],
  [62, 1],
  [60, 2],
];
const BPM = 100;
const RATE = 22_050;

/**
 * A hum-like take of the melody: a soft sine with a little vibrato and breath between notes,
 * as a 16-bit mono WAV, so the sample studio can be composed from without a microphone.
 */
export function hummedMelodyWav(): Blob {
  const beat = 60 / BPM;
  const total = Math.ceil(MELODY.reduce((s, [, b]) => s + b, 0) * beat * RATE);
  const pcm = new Int16Array(total);
  let at = 0;
  for (const [note, beats] of MELODY) {
    const length = Math.floor(beats * beat * RATE);
    const freq = 440 * 2 ** ((note - 69) / 12);
    let phase = 0;
    for (let i = 0; i < length && at + i < total; i++) {
      const t = i / RATE;
      const envelope = Math.min(1, t / 0.04) * Math.min(1, (length - i) / (0.08 * RATE));
      phase += (2 * Math.PI * freq * (1 + 0.004 * Math.sin(2 * Math.PI * 5.5 * t))) / RATE;
      pcm[at + i] = Math.round(0.45 * envelope * (Math.sin(phase) + 0.2 * Math.sin(2 * phase)) * 32767 * 0.8);
    }
    at += length;
  }
  const header = new DataView(new ArrayBuffer(44));
  const text = (o: number, s: string) => [...s].forEach((c, i) => header.setUint8(o + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  header.setUint32(4, 36 + pcm.byteLength, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  header.setUint32(16, 16, true);
  header.setUint16(20, 1, true);
  header.setUint16(22, 1, true);
  header.setUint32(24, RATE, true);
  header.setUint32(28, RATE * 2, true);
  header.setUint16(32, 2, true);
  header.setUint16(34, 16, true);
  text(36, 'data');
  header.setUint32(40, pcm.byteLength, true);
  return new Blob([header.buffer, pcm.buffer], { type: 'audio/wav' });
}

export const SAMPLE_STUDIO = 'Sample: Twinkle, twinkle';

/** Creates the sample studio with one hummed take; answers its id. */
export async function createSampleProject(): Promise<number> {
  const studio = await studioApi.create(SAMPLE_STUDIO);
  const take = hummedMelodyWav();
  await useStudio.getState().uploadTake(studio.studioId, { name: 'Hummed melody', instrument: 'voice', track: take, record: take });
  return studio.studioId;
}
