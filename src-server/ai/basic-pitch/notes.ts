import { FFT_HOP, MIDI_OFFSET, NOTE_BINS, SAMPLE_RATE, WINDOW_FRAMES, WINDOW_SAMPLES } from './model';

// Note creation from basic-pitch's posteriorgrams, after the published Python post-processing
// (basic_pitch/note_creation.py: output_to_notes_polyphonic, get_infered_onsets,
// model_frames_to_time). Matrices are row-major Float32Arrays of frames × 88 piano keys.

export interface NoteOptions {
  /** An onset peak at or above this starts a note. Default 0.5. */
  onsetThreshold?: number;
  /** A note lasts while its frame activation stays at or above this. Default 0.3. */
  frameThreshold?: number;
  /** Notes this short or shorter are dropped. Default 127.7 ms (11 frames), as basic-pitch. */
  minNoteLengthMs?: number;
  /** Also start notes where frame activations jump, not only at predicted onsets. Default true. */
  inferOnsets?: boolean;
  /** Notes below or above are dropped. */
  minFrequencyHz?: number;
  maxFrequencyHz?: number;
  /** After onset-led notes, also turn leftover sustained energy into notes. Default true. */
  melodiaTrick?: boolean;
  /** Frames a note may stay below the frame threshold before it ends. Default 11. */
  energyTolerance?: number;
}

export interface Note {
  startSec: number;
  endSec: number;
  /** MIDI note number, 21 (A0) to 108 (C8). */
  midi: number;
  /** Mean frame activation over the note, 0 to 1. */
  amplitude: number;
}

/** A note in output frames, before timing. */
export interface FrameNote {
  startFrame: number;
  endFrame: number;
  midi: number;
  amplitude: number;
}

const hzToMidi = (hz: number) => 12 * Math.log2(hz / 440) + 69;

/**
 * Seconds at an output frame. Each model window yields a little more than its hop's worth of
 * frames, so basic-pitch shifts every window's frames back by a fixed offset (its constant,
 * including the 1.8 ms it found by alignment).
 */
export function frameToSeconds(frame: number): number {
  const windowOffset = (FFT_HOP / SAMPLE_RATE) * (WINDOW_FRAMES - WINDOW_SAMPLES / FFT_HOP) + 0.0018;
  return (frame * FFT_HOP) / SAMPLE_RATE - windowOffset * Math.floor(frame / WINDOW_FRAMES);
}

/** Onsets raised where frame activations jump: max(onsets, rescaled positive 1- and 2-frame differences). */
function inferredOnsets(onsets: Float32Array, frames: Float32Array, nFrames: number, nDiff = 2): Float32Array {
  const diff = new Float32Array(frames.length);
  let diffMax = 0;
  let onsetMax = 0;
  for (let i = 0; i < onsets.length; i++) onsetMax = Math.max(onsetMax, onsets[i]!);
  // The first nDiff frames compare against silence before the clip; basic-pitch zeroes them.
  for (let t = nDiff; t < nFrames; t++) {
    for (let f = 0; f < NOTE_BINS; f++) {
      let d = Infinity;
      for (let n = 1; n <= nDiff; n++) d = Math.min(d, frames[t * NOTE_BINS + f]! - frames[(t - n) * NOTE_BINS + f]!);
      const v = Math.max(d, 0);
      diff[t * NOTE_BINS + f] = v;
      diffMax = Math.max(diffMax, v);
    }
  }
  const out = new Float32Array(onsets.length);
  const scale = diffMax > 0 ? onsetMax / diffMax : 0;
  for (let i = 0; i < out.length; i++) out[i] = Math.max(onsets[i]!, diff[i]! * scale);
  return out;
}

/** Clears a key and its two neighbours over [from, to). */
function clearBand(energy: Float32Array, from: number, to: number, key: number): void {
  for (let t = from; t < to; t++) {
    energy[t * NOTE_BINS + key] = 0;
    if (key < NOTE_BINS - 1) energy[t * NOTE_BINS + key + 1] = 0;
    if (key > 0) energy[t * NOTE_BINS + key - 1] = 0;
  }
}

function mean(frames: Float32Array, from: number, to: number, key: number): number {
  let sum = 0;
  for (let t = from; t < to; t++) sum += frames[t * NOTE_BINS + key]!;
  return sum / (to - from);
}

/**
 * basic-pitch's output_to_notes_polyphonic: notes start at onset peaks (local maxima in time at or
 * above the onset threshold), walking back from the end of the clip, and last while the frame
 * activation stays above the frame threshold (with a tolerance of a few frames); then, with the
 * melodia trick, the strongest energy left over grows into notes both ways until none is left
 * above the frame threshold.
 */
export function framesToNotes(noteActivations: Float32Array, onsetActivations: Float32Array, options: NoteOptions = {}): FrameNote[] {
  const onsetThreshold = options.onsetThreshold ?? 0.5;
  const frameThreshold = options.frameThreshold ?? 0.3;
  const minNoteLen = Math.round(((options.minNoteLengthMs ?? 127.7) / 1000) * (SAMPLE_RATE / FFT_HOP));
  const energyTolerance = options.energyTolerance ?? 11;
  const nFrames = noteActivations.length / NOTE_BINS;
  if (!Number.isInteger(nFrames) || onsetActivations.length !== noteActivations.length) {
    throw new Error(
      `Note and onset activations must both be frames × ${NOTE_BINS}; got ${noteActivations.length} and ${onsetActivations.length} values`,
    );
  }
  const frames = noteActivations.slice();
  let onsets: Float32Array = onsetActivations.slice();
  const clearKeys = (from: number, to: number) => {
    for (let t = 0; t < nFrames; t++) {
      frames.fill(0, t * NOTE_BINS + from, t * NOTE_BINS + to);
      onsets.fill(0, t * NOTE_BINS + from, t * NOTE_BINS + to);
    }
  };
  if (options.maxFrequencyHz !== undefined) clearKeys(Math.max(0, Math.round(hzToMidi(options.maxFrequencyHz) - MIDI_OFFSET)), NOTE_BINS);
  if (options.minFrequencyHz !== undefined)
    clearKeys(0, Math.min(NOTE_BINS, Math.max(0, Math.round(hzToMidi(options.minFrequencyHz) - MIDI_OFFSET))));
  if (options.inferOnsets ?? true) onsets = inferredOnsets(onsets, frames, nFrames);

  // Onset peaks, as scipy's argrelmax(axis=0) with clipped edges: strictly above both
  // neighbours in time, so the first and last frames never qualify. Collected in row-major
  // order and walked backwards, as basic-pitch does.
  const starts: [number, number][] = [];
  for (let t = 1; t < nFrames - 1; t++) {
    for (let f = 0; f < NOTE_BINS; f++) {
      const v = onsets[t * NOTE_BINS + f]!;
      if (v >= onsetThreshold && v > onsets[(t - 1) * NOTE_BINS + f]! && v > onsets[(t + 1) * NOTE_BINS + f]!) starts.push([t, f]);
    }
  }

  const energy = frames.slice();
  const notes: FrameNote[] = [];
  for (let s = starts.length - 1; s >= 0; s--) {
    const [start, key] = starts[s]!;
    let i = start + 1;
    let k = 0;
    while (i < nFrames - 1 && k < energyTolerance) {
      k = energy[i * NOTE_BINS + key]! < frameThreshold ? k + 1 : 0;
      i++;
    }
    i -= k;
    if (i - start <= minNoteLen) continue;
    clearBand(energy, start, i, key);
    notes.push({ startFrame: start, endFrame: i, midi: key + MIDI_OFFSET, amplitude: mean(frames, start, i, key) });
  }

  if (options.melodiaTrick ?? true) {
    // Energy only ever drops to zero, so the running maximum is the first cell, in descending
    // order of the original values, that is still untouched: one sort instead of an argmax per note.
    const order: number[] = [];
    for (let c = 0; c < energy.length; c++) if (energy[c]! > frameThreshold) order.push(c);
    order.sort((a, b) => energy[b]! - energy[a]! || a - b);
    for (const cell of order) {
      if (energy[cell] === 0) continue;
      const mid = Math.floor(cell / NOTE_BINS);
      const key = cell % NOTE_BINS;
      energy[cell] = 0;
      let i = mid + 1;
      let k = 0;
      while (i < nFrames - 1 && k < energyTolerance) {
        k = energy[i * NOTE_BINS + key]! < frameThreshold ? k + 1 : 0;
        clearBand(energy, i, i + 1, key);
        i++;
      }
      const end = i - 1 - k;
      i = mid - 1;
      k = 0;
      while (i > 0 && k < energyTolerance) {
        k = energy[i * NOTE_BINS + key]! < frameThreshold ? k + 1 : 0;
        clearBand(energy, i, i + 1, key);
        i--;
      }
      const start = i + 1 + k;
      if (end - start <= minNoteLen) continue;
      notes.push({ startFrame: start, endFrame: end, midi: key + MIDI_OFFSET, amplitude: mean(frames, start, end, key) });
    }
  }
  return notes;
}

/** Notes in seconds, sorted by start time then pitch. */
export function notesFromActivations(noteActivations: Float32Array, onsetActivations: Float32Array, options: NoteOptions = {}): Note[] {
  return framesToNotes(noteActivations, onsetActivations, options)
    .map((n) => ({ startSec: frameToSeconds(n.startFrame), endSec: frameToSeconds(n.endFrame), midi: n.midi, amplitude: n.amplitude }))
    .sort((a, b) => a.startSec - b.startSec || a.midi - b.midi);
}
