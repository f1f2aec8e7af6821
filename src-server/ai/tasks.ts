import type { WorkerTask } from './worker-runtime';
import { inferTask } from './pipelines/infer';
import { vadTask } from './pipelines/vad';

/** Every task the production worker serves; a new pipeline adds its task here. */
export const builtinTasks: WorkerTask<never, unknown>[] = [inferTask, vadTask];
