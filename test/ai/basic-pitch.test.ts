import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiPool } from '../../src-server/ai/pool';
import { chooseProviders } from '../../src-server/ai/providers';
import { isAiError } from '../../src-server/ai/protocol';
import { basicPitchSource, convertBasicPitch } from '../../src-server/ai/basic-pitch/convert';
import { basicPitchModelPath, IO, NOTE_BINS, SAMPLE_RATE, WINDOW_SAMPLES } from '../../src-server/ai/basic-pitch/model';
import { fillWindow, frameCount, transcribeNotes, windowCount, type BasicPitchProgress } from '../../src-server/ai/basic-pitch/pipeline';
import { frameToSeconds, framesToNotes, type Note } from '../../src-server/ai/basic-pitch/notes';

interface RefNote {
  midi: number;
  startSec: number;
  durSec: number;
}

/**
 * Harmonic tones (six partials falling off as 1/k², a soft, flute-like timbre) with a 10 ms attack
 * and a 40 ms release. Brighter spectra (1/k, a sawtooth's) make basic-pitch itself, in tfjs as in
 * ONNX, report the strong fifth partial as an extra note two octaves and a third up.
 */
function synthesize(notes: RefNote[], totalSec: number): Float32Array {
  const out = new Float32Array(Math.round(totalSec * SAMPLE_RATE));
  for (const n of notes) {
    const f0 = 440 * 2 ** ((n.midi - 69) / 12);
    const start = Math.round(n.startSec * SAMPLE_RATE);
    const len = Math.round(n.durSec * SAMPLE_RATE);
    const attack = 0.01 * SAMPLE_RATE;
    const release = 0.04 * SAMPLE_RATE;
    for (let i = 0; i < len && start + i < out.length; i++) {
      const env = Math.min(1, i / attack, (len - i) / release);
      let v = 0;
      for (let k = 1; k <= 6; k++) v += Math.sin((2 * Math.PI * f0 * k * i) / SAMPLE_RATE) / (k * k);
      out[start + i]! += 0.25 * env * v;
    }
  }
  return out;
}

/** Note F-measure with onsets within `tolerance` seconds and exact pitch, each note matched once. */
function noteFMeasure(reference: RefNote[], estimated: Note[], tolerance = 0.05): { precision: number; recall: number; f: number } {
  const used = new Set<number>();
  let hits = 0;
  for (const ref of reference) {
    let best = -1;
    for (let i = 0; i < estimated.length; i++) {
      const e = estimated[i]!;
      if (used.has(i) || e.midi !== ref.midi || Math.abs(e.startSec - ref.startSec) > tolerance) continue;
      if (best < 0 || Math.abs(e.startSec - ref.startSec) < Math.abs(estimated[best]!.startSec - ref.startSec)) best = i;
    }
    if (best >= 0) {
      used.add(best);
      hits++;
    }
  }
  const precision = estimated.length ? hits / estimated.length : 0;
  const recall = hits / reference.length;
  return { precision, recall, f: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

// C major: C4 D4 E4 G4 A4 G4 E4 C5, 0.35 s each with 0.12 s gaps.
const MELODY: RefNote[] = [60, 62, 64, 67, 69, 67, 64, 72].map((midi, i) => ({ midi, startSec: 0.3 + i * 0.47, durSec: 0.35 }));
const CLIP_SEC = 4.2;

describe('basic-pitch converted to ONNX', () => {
  let modelPath: string;
  beforeAll(async () => {
    // Converts only when the model is missing or was made from another source or converter version.
    modelPath = (await convertBasicPitch()).modelPath;
  });

  it('converts idempotently and records the source hash', async () => {
    const again = await convertBasicPitch();
    expect(again.converted).toBe(false);
    expect(again.modelPath).toBe(modelPath);
    expect(again.info.source).toMatch(/^@spotify\/basic-pitch@/);
    expect(again.info.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(again.info.tfOps.Conv2D).toBeGreaterThan(0);
  });

  it('matches the tfjs model on the same windows of a synthesised melody', async () => {
    // The clip's first two windows as one batch of two, which also exercises the symbolic batch dimension.
    const clip = synthesize(MELODY, CLIP_SEC);
    const batch = new Float32Array(2 * WINDOW_SAMPLES);
    fillWindow(batch.subarray(0, WINDOW_SAMPLES), clip, 0);
    fillWindow(batch.subarray(WINDOW_SAMPLES), clip, 1);

    const { modelJson } = basicPitchSource();
    const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
    const shard = fs.readFileSync(path.join(path.dirname(modelJson), json.weightsManifest[0].paths[0]));
    expect(json.weightsManifest).toHaveLength(1);
    const tfModel = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      }),
    );
    const tfOutputs = tfModel.execute(tf.tensor3d(batch, [2, WINDOW_SAMPLES, 1]), ['Identity', 'Identity_1', 'Identity_2']) as tf.Tensor[];
    const [tfContour, tfNote, tfOnset] = await Promise.all(tfOutputs.map((t) => t.data() as Promise<Float32Array>));

    const session = await ort.InferenceSession.create(modelPath);
    const out = await session.run({ [IO.audio]: new ort.Tensor('float32', batch, [2, WINDOW_SAMPLES, 1]) });
    await session.release();

    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const pairs = [
      [IO.contour, tfContour!],
      [IO.note, tfNote!],
      [IO.onset, tfOnset!],
    ] as const;
    for (const [name, expected] of pairs) {
      const actual = out[name]!.data as Float32Array;
      expect(out[name]!.dims).toEqual([2, 172, name === IO.contour ? 264 : NOTE_BINS]);
      expect(actual.length).toBe(expected.length);
      const diff = maxDiff(actual, expected);
      console.log(`basic-pitch ${name}: max |onnx - tfjs| = ${diff.toExponential(2)} over ${actual.length} values`);
      expect(diff).toBeLessThan(1e-4);
    }
    // Not a trivial match: the notes light up.
    expect(Math.max(...(out[IO.note]!.data as Float32Array))).toBeGreaterThan(0.5);
  }, 120_000);
});

describe('basic-pitch transcription in a worker thread', () => {
  const pool = new AiPool({ providers: chooseProviders({ env: {} }) });
  afterAll(() => pool.close());
  beforeAll(async () => {
    await convertBasicPitch();
  });

  it('transcribes a synthesised melody with note F-measure of at least 0.8', async () => {
    const clip = synthesize(MELODY, CLIP_SEC);
    const progress: BasicPitchProgress[] = [];
    const result = await transcribeNotes(pool, clip, { includeActivations: true, onProgress: (p) => progress.push(p) });
    const score = noteFMeasure(MELODY, result.notes);
    console.log(
      `basic-pitch melody: F ${score.f.toFixed(3)} (P ${score.precision.toFixed(3)}, R ${score.recall.toFixed(3)}), ${result.notes.length} notes:`,
      result.notes.map((n) => `${n.midi}@${n.startSec.toFixed(3)}-${n.endSec.toFixed(3)}`).join(' '),
    );
    expect(score.f).toBeGreaterThanOrEqual(0.8);
    for (const n of result.notes) {
      expect(n.endSec).toBeGreaterThan(n.startSec);
      expect(n.amplitude).toBeGreaterThan(0);
      expect(n.amplitude).toBeLessThanOrEqual(1);
    }
    expect(result.durationSec).toBeCloseTo(CLIP_SEC, 3);
    const frames = frameCount(Math.round(CLIP_SEC * SAMPLE_RATE));
    expect(result.activations!.frames).toBe(frames);
    expect(result.activations!.note.length).toBe(frames * NOTE_BINS);
    expect(result.timing.sessionRuns).toBe(windowCount(Math.round(CLIP_SEC * SAMPLE_RATE)));
    expect(progress.length).toBe(result.timing.sessionRuns);
    expect(progress.at(-1)!.processedSec).toBeCloseTo(CLIP_SEC, 3);
    expect(clip.byteLength).toBe(0); // moved to the worker, not copied
  });

  it('finds no notes in silence', async () => {
    const result = await transcribeNotes(pool, new Float32Array(SAMPLE_RATE * 2));
    expect(result.notes).toEqual([]);
  });

  it('rejects other sample rates and says when the model is missing', async () => {
    const wrongRate = await transcribeNotes(pool, new Float32Array(16_000), { sampleRate: 16_000 }).catch((e: unknown) => e);
    expect(isAiError(wrongRate) && wrongRate.code).toBe('bad_input');
    const missing = path.join(os.tmpdir(), 'atelier-no-such-model', 'model.onnx');
    const err = await transcribeNotes(pool, new Float32Array(SAMPLE_RATE), { model: missing }).catch((e: unknown) => e);
    expect(isAiError(err) && err.code).toBe('model_load_failed');
    expect((err as Error).message).toContain('basic-pitch model is missing');
    expect((err as Error).message).toContain('convert.ts');
    expect(basicPitchModelPath()).toMatch(/resources[/\\]models[/\\]basic-pitch[/\\]model\.onnx$/);
  });
});

describe('basic-pitch note creation', () => {
  /** frames × 88 activations from [frame, key, value] cells. */
  const grid = (frames: number, cells: [number, number, number][]) => {
    const m = new Float32Array(frames * NOTE_BINS);
    for (const [t, k, v] of cells) m[t * NOTE_BINS + k] = v;
    return m;
  };
  const span = (from: number, to: number, key: number, v: number) =>
    Array.from({ length: to - from }, (_, i): [number, number, number] => [from + i, key, v]);

  it('starts a note at an onset peak and ends it once the frames stay below the threshold', () => {
    const frames = grid(100, span(20, 50, 39, 0.8));
    const onsets = grid(100, [
      [19, 39, 0.3],
      [20, 39, 0.9],
      [21, 39, 0.4],
    ]);
    const notes = framesToNotes(frames, onsets, { inferOnsets: false, melodiaTrick: false });
    expect(notes).toEqual([{ startFrame: 20, endFrame: 50, midi: 60, amplitude: expect.closeTo(0.8, 5) }]);
  });

  it('drops notes of 11 frames or fewer and ignores onsets at the clip edges', () => {
    const frames = grid(100, [...span(20, 31, 39, 0.8), ...span(0, 40, 50, 0.8)]);
    const onsets = grid(100, [
      [20, 39, 0.9],
      [0, 50, 0.9],
    ]);
    expect(framesToNotes(frames, onsets, { inferOnsets: false, melodiaTrick: false })).toEqual([]);
  });

  it('turns sustained energy without an onset into a note with the melodia trick', () => {
    const frames = grid(100, span(30, 60, 45, 0.7));
    const onsets = grid(100, []);
    expect(framesToNotes(frames, onsets, { inferOnsets: false, melodiaTrick: false })).toEqual([]);
    const [note] = framesToNotes(frames, onsets, { inferOnsets: false });
    expect(note).toMatchObject({ startFrame: 30, endFrame: 59, midi: 66 });
  });

  it('infers onsets from jumps in the frame activations', () => {
    const frames = grid(100, span(40, 70, 30, 0.9));
    const onsets = grid(100, [[5, 0, 0.6]]);
    const notes = framesToNotes(frames, onsets, { melodiaTrick: false });
    expect(notes.map((n) => [n.startFrame, n.midi])).toEqual([[40, 51]]);
  });

  it('maps frames to seconds with basic-pitch window correction', () => {
    expect(frameToSeconds(0)).toBe(0);
    expect(frameToSeconds(86)).toBeCloseTo((86 * 256) / 22050, 9);
    // Past the first 172 frames, each window's frames move back by its fixed offset.
    expect(frameToSeconds(172)).toBeCloseTo((172 * 256) / 22050 - ((256 / 22050) * (172 - 43844 / 256) + 0.0018), 9);
  });
});
