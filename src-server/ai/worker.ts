// The AI worker thread's entry (electron-vite builds it as out/main/ai-worker.js).
import { serve } from './worker-runtime';
import { builtinTasks } from './tasks';

serve(builtinTasks);
