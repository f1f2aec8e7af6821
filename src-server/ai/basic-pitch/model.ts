import fs from 'node:fs';
import path from 'node:path';
import { unpackedPath } from '../models';
import { resourcesDir } from '../../paths';

// Spotify's basic-pitch (https://github.com/spotify/basic-pitch, Apache-2.0) ships only as a
// TensorFlow.js graph; `convert.ts` turns it into ONNX at install time. These are its constants
// (basic_pitch/constants.py) and where the converted model lives.

export const SAMPLE_RATE = 22_050;
export const FFT_HOP = 256;
/** Two seconds of audio minus one hop: the model's fixed input length. */
export const WINDOW_SAMPLES = SAMPLE_RATE * 2 - FFT_HOP;
/** Output frames per window. */
export const WINDOW_FRAMES = 172;
/** Frames shared by neighbouring windows; half of them is dropped at each side of a window. */
export const OVERLAP_FRAMES = 30;
export const OVERLAP_SAMPLES = OVERLAP_FRAMES * FFT_HOP;
export const HOP_SAMPLES = WINDOW_SAMPLES - OVERLAP_SAMPLES;
/** Frames per second of the outputs, as basic-pitch rounds it. */
export const FRAMES_PER_SECOND = Math.floor(SAMPLE_RATE / FFT_HOP);
/** Note and onset outputs: one bin per piano key, A0 (MIDI 21) to C8. */
export const NOTE_BINS = 88;
export const MIDI_OFFSET = 21;
/** The contour output: three bins per semitone. */
export const CONTOUR_BINS = 264;

/** The ONNX model's input and output names, fixed by the converter. */
export const IO = { audio: 'audio', contour: 'contour', note: 'note', onset: 'onset' } as const;

/** Folder of the converted model: gitignored, written by `npm install` (scripts/postinstall.mjs). */
export const basicPitchModelDir = (): string => path.join(resourcesDir(), 'models', 'basic-pitch');
export const basicPitchModelPath = (): string => unpackedPath(path.join(basicPitchModelDir(), 'model.onnx'));
/** Beside the model: which tfjs model it came from (a hash) and how it was converted. */
export const basicPitchInfoPath = (): string => path.join(basicPitchModelDir(), 'source.json');

/** The command that (re)creates the model, for messages. */
export const CONVERT_COMMAND = 'npx tsx src-server/ai/basic-pitch/convert.ts';

export const basicPitchModelPresent = (model = basicPitchModelPath()): boolean => fs.existsSync(model);
