import type { WorkerTask } from './worker-runtime';
import { inferTask } from './pipelines/infer';
import { vadTask } from './pipelines/vad';
import { basicPitchTask } from './basic-pitch/pipeline';
import { diffusionTask } from './diffusion/pipeline';
import { diffusionPlanTask } from './diffusion/plan-task';
import { upscaleTask } from './diffusion/upscale';
import { musicgenTask } from './musicgen/pipeline';
import { chatTask } from './pipelines/chat';
import { supertonicTask } from './pipelines/supertonic';
import { whisperTask } from './pipelines/whisper';
import { speakerTask } from './pipelines/speaker';
import { chatterboxEncodeTask, chatterboxTask } from './pipelines/chatterbox';

/** Every task the production worker serves; a new pipeline adds its task here. */
export const builtinTasks: WorkerTask<never, unknown>[] = [
  inferTask,
  vadTask,
  basicPitchTask,
  diffusionTask,
  diffusionPlanTask,
  upscaleTask,
  musicgenTask,
  chatTask,
  supertonicTask,
  whisperTask,
  speakerTask,
  chatterboxEncodeTask,
  chatterboxTask,
];
