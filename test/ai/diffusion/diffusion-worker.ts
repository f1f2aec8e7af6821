// An AI worker serving the diffusion task, until tasks.ts registers it in the production worker.
import { serve } from '../../../src-server/ai/worker-runtime';
import { diffusionTask } from '../../../src-server/ai/diffusion/pipeline';

serve([diffusionTask]);
