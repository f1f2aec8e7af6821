// AI off the main thread: how much the server's event loop notices a long inference, how fast the
// inference is, and how much of it is the model itself. `npx tsx bench/ai-event-loop.ts`, or
// imported by bench/index.ts.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AiPool } from '../src-server/ai/pool';
import { detectSpeech } from '../src-server/ai/pipelines/vad';
import { loop, readWav } from '../test/helpers/wav';

const CLIP_SECONDS = 60;
const PASSES = 3;

export async function runAiEventLoopBench(): Promise<Record<string, number | string>> {
  const { samples, sampleRate } = readWav(fileURLToPath(new URL('../test/fixtures/speech-16k.wav', import.meta.url)));
  const clip = loop(samples, sampleRate, CLIP_SECONDS);
  const pool = new AiPool();
  try {
    // Worker start and session creation are one-off costs; the figures are about inference.
    const warm = await detectSpeech(pool, samples.slice());

    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 500));
    idle.disable();

    const busy = monitorEventLoopDelay({ resolution: 1 });
    let wallMs = 0;
    let runMs = 0;
    busy.enable();
    for (let i = 0; i < PASSES; i++) {
      const t0 = performance.now();
      const result = await detectSpeech(pool, clip.slice());
      wallMs += performance.now() - t0;
      runMs += result.timing.sessionRunMs;
    }
    busy.disable();

    const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
    return {
      'AI event-loop delay during VAD inference, p50 (ms)': ms(busy.percentile(50)),
      'AI event-loop delay during VAD inference, p99 (ms)': ms(busy.percentile(99)),
      'AI event-loop delay during VAD inference, max (ms)': ms(busy.max),
      'AI event-loop delay idle (same timer), p99 (ms)': ms(idle.percentile(99)),
      'AI execution provider (VAD)': warm.provider,
      'AI VAD real-time factor (wall / audio duration)': Number((wallMs / (PASSES * CLIP_SECONDS * 1000)).toFixed(4)),
      'AI VAD time inside session.run (% of wall)': Number(((100 * runMs) / wallMs).toFixed(1)),
    };
  } finally {
    await pool.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runAiEventLoopBench();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(58)} ${value}`);
}
