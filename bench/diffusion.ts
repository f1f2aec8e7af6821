// The diffusion engine's figures on a tiny random-weight SD 1.5 model sized so the UNet dominates
// as it does on real models: pipeline overhead (everything but ONNX Runtime's run) as a share of
// the total at 20 steps, steps/s per execution provider, and the main thread's event-loop delay
// while a generation runs in the worker. `npx tsx bench/diffusion.ts`, or imported by bench/index.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { generateImage } from '../src-server/ai/diffusion/pipeline';
import { writeTinySd, type TinySdOptions } from '../src-server/ai/diffusion/tiny/generate';
import { AiPool } from '../src-server/ai/pool';

const STEPS = 20;
const RUNS = 3;
const SIZE = 512;
/** 64×64 latents through 128-channel residual blocks: a few hundred ms per guided step on a CPU core or two. */
const MODEL: TinySdOptions = { base: 'sd1', channels: 192, blocks: 2, sampleSize: 64 };

/** The bench model, written once into the temp folder and reused (its name says its shape). */
async function benchModel(): Promise<string> {
  const dir = path.join(os.tmpdir(), `atelier-bench-sd1-c${MODEL.channels}-b${MODEL.blocks}-s${MODEL.sampleSize}-v1`);
  if (!fs.existsSync(path.join(dir, 'model_index.json'))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    await writeTinySd(tmp, MODEL);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }
  return dir;
}

export async function runDiffusionBench(): Promise<Record<string, number | string>> {
  const model = await benchModel();
  const pool = new AiPool();
  const figures: Record<string, number | string> = {};
  try {
    for (const provider of pool.providers.available) {
      const options = {
        model,
        prompt: 'a lighthouse on a cliff at dusk',
        negativePrompt: 'blurry',
        width: SIZE,
        height: SIZE,
        guidanceScale: 7.5,
        seed: 1,
        providers: [provider],
      };
      // Worker start and session creation are one-off costs; the figures are about generation.
      await generateImage(pool, { ...options, steps: 2 });
      // Three runs, the median by total time: one run on a shared machine swings by a few percent.
      const delay = monitorEventLoopDelay({ resolution: 1 });
      const runs: { result: Awaited<ReturnType<typeof generateImage>>; previews: number }[] = [];
      delay.enable();
      for (let i = 0; i < RUNS; i++) {
        let previews = 0;
        const result = await generateImage(pool, {
          ...options,
          steps: STEPS,
          previewEvery: 1,
          onProgress: (p) => (previews += p.preview ? 1 : 0),
        });
        runs.push({ result, previews });
      }
      delay.disable();
      runs.sort((a, b) => a.result.timing.totalMs - b.result.timing.totalMs);
      const { result, previews } = runs[Math.floor(RUNS / 2)]!;
      const { totalMs, sessionRunMs } = result.timing;
      const label = provider === result.provider ? provider : `${provider}→${result.provider}`;
      figures[`diffusion ${SIZE}px ${STEPS} steps (cfg, previews ${previews}) on ${label}: total (ms, median of ${RUNS})`] =
        Math.round(totalMs);
      figures[`diffusion steps/s on ${label}`] = Number((STEPS / (totalMs / 1000)).toFixed(2));
      figures[`diffusion pipeline overhead outside session.run on ${label} (% of total)`] = Number(
        ((100 * (totalMs - sessionRunMs)) / totalMs).toFixed(2),
      );
      figures[`diffusion event-loop delay during generation on ${label}, p99 (ms)`] = Number((delay.percentile(99) / 1e6).toFixed(2));
    }
  } finally {
    await pool.close();
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runDiffusionBench();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(80)} ${value}`);
}
