import type { WorkerTask } from '../worker-runtime';
import type { CatalogEntry } from './catalog';
import { readModelFolder } from './model-folder';
import { samplingPlan, type SamplingPlan } from './render-image';

export interface PlanInput {
  /** The model folder's absolute path. */
  model: string;
  entry: Pick<CatalogEntry, 'id' | 'display_name' | 'description'>;
}

/**
 * The sampling plan of a model folder, read in an AI worker: the folder's .onnx headers are
 * megabytes of protobuf read synchronously, which on the main thread stalled every request while
 * a cover was being prepared.
 */
export const diffusionPlanTask: WorkerTask<PlanInput, SamplingPlan> = {
  name: 'diffusion-plan',
  async run(input) {
    return { output: samplingPlan(readModelFolder(input.model), input.entry) };
  },
};
