import { parentPort, workerData } from 'node:worker_threads';
import * as webAudio from 'node-web-audio-api';
import type * as ToneNs from 'tone';
import type { ArrangedNote, Part, PartName } from '../arrange';
import { DRUM_RELEASE_SEC, RELEASE_SEC, makeDrumKit, makeVoice, type Voice } from './instruments';
import type { RenderMessage, RenderRequest } from './protocol';

// The render worker: Tone.js on node-web-audio-api's OfflineAudioContext, one stem per part.
//
// Tone keeps every voice it made connected and its envelopes' automation growing for the whole
// context, so scheduling a minute-long part into one context costs minutes (measured: 104 s for
// 60 s of a three-voice PolySynth on 2 cores). Each distinct note (pitch and length) of a part is
// therefore rendered once, by Tone, on short "sheets" of notes laid end to end, and the stem is
// assembled by adding those renderings at every place the note is played, scaled by velocity.
// Filters and envelopes act per note, so the sum is what one long render would give.

const post = (message: RenderMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

/** standardized-audio-context (inside Tone) looks for the browser's Web Audio classes on `window` when it loads. */
function installWebAudioGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.window ??= globalThis;
  for (const [name, value] of Object.entries(webAudio)) if (typeof value === 'function' && !(name in g)) g[name] = value;
}

const PAN: Record<PartName, number> = { drums: 0, bass: 0, chords: -0.3, pad: 0.2, lead: 0.1 };
/** Longest stretch of notes in one Tone context. */
const SHEET_SEC = 30;
const GAP_SEC = 0.05;
const FADE_SEC = 0.01;

interface Rendering {
  left: Float32Array;
  right: Float32Array;
}

const noteKey = (n: ArrangedNote) => `${n.midi}:${Math.round(n.duration * 100)}`;

async function renderNotes(T: typeof ToneNs, part: Part, notes: ArrangedNote[], sampleRate: number): Promise<Map<string, Rendering>> {
  const out = new Map<string, Rendering>();
  let i = 0;
  while (i < notes.length) {
    // Fill one sheet: each note gets its length, its voice's release and a gap.
    const release = part.name === 'drums' ? DRUM_RELEASE_SEC : RELEASE_SEC[part.timbre as Exclude<Part['timbre'], 'drums'>];
    const sheet: { note: ArrangedNote; at: number; length: number }[] = [];
    let t = GAP_SEC;
    while (i < notes.length && (sheet.length === 0 || t < SHEET_SEC)) {
      const note = notes[i++]!;
      sheet.push({ note, at: t, length: note.duration + release + GAP_SEC / 2 });
      t += note.duration + release + GAP_SEC;
    }
    const context = new webAudio.OfflineAudioContext(2, Math.ceil(t * sampleRate), sampleRate);
    const offline = new T.OfflineContext(context as unknown as ConstructorParameters<typeof T.OfflineContext>[0]);
    T.setContext(offline);
    const voice: Voice = part.name === 'drums' ? makeDrumKit(T) : makeVoice(T, part.timbre as Exclude<Part['timbre'], 'drums'>);
    for (const s of sheet) voice.play(s.note.midi, s.at, s.note.duration);
    const buffer = await offline.render();
    const left = buffer.getChannelData(0);
    const right = buffer.numberOfChannels > 1 ? buffer.getChannelData(1) : left;
    for (const s of sheet) {
      const from = Math.round(s.at * sampleRate);
      const to = Math.min(left.length, from + Math.round(s.length * sampleRate));
      const r = { left: left.slice(from, to), right: right.slice(from, to) };
      // A short fade where the slice ends, in case a long release is still sounding.
      const fade = Math.min(r.left.length, Math.round(FADE_SEC * sampleRate));
      for (let k = 0; k < fade; k++) {
        const g = k / fade;
        r.left[r.left.length - 1 - k]! *= g;
        r.right[r.right.length - 1 - k]! *= g;
      }
      out.set(noteKey(s.note), r);
    }
    offline.dispose();
  }
  return out;
}

async function renderPart(
  T: typeof ToneNs,
  part: Part,
  durationSec: number,
  sampleRate: number,
): Promise<{ pcm: Float32Array; peak: number }> {
  const distinct = new Map<string, ArrangedNote>();
  for (const n of part.notes) if (!distinct.has(noteKey(n))) distinct.set(noteKey(n), n);
  const renderings = await renderNotes(T, part, [...distinct.values()], sampleRate);
  const frames = Math.ceil(durationSec * sampleRate);
  const pcm = new Float32Array(frames * 2);
  const gain = 10 ** (part.gainDb / 20);
  // Equal-power pan.
  const angle = ((PAN[part.name] + 1) * Math.PI) / 4;
  const gl = Math.cos(angle) * Math.SQRT2;
  const gr = Math.sin(angle) * Math.SQRT2;
  for (const n of part.notes) {
    const r = renderings.get(noteKey(n))!;
    const g = gain * n.velocity ** 1.5;
    const start = Math.round(n.time * sampleRate);
    const end = Math.min(frames, start + r.left.length);
    for (let f = Math.max(0, start); f < end; f++) {
      pcm[2 * f] = pcm[2 * f]! + r.left[f - start]! * g * gl;
      pcm[2 * f + 1] = pcm[2 * f + 1]! + r.right[f - start]! * g * gr;
    }
  }
  let peak = 0;
  for (let k = 0; k < pcm.length; k++) peak = Math.max(peak, Math.abs(pcm[k]!));
  return { pcm, peak };
}

async function main(): Promise<void> {
  const { arrangement, sampleRate, parts } = workerData as RenderRequest;
  installWebAudioGlobals();
  const T = await import('tone');
  for (const part of arrangement.parts.filter((p) => parts.includes(p.name))) {
    const { pcm, peak } = await renderPart(T, part, arrangement.durationSec, sampleRate);
    post({ type: 'stem', name: part.name, pcm, peak }, [pcm.buffer as ArrayBuffer]);
  }
  post({ type: 'done' });
}

main().catch((err: unknown) => post({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
