// Issue #15's cover row: the server's event-loop delay while the studio draws an AI album cover
// (`POST /api/song/cover` with the diffusion engine, on the tiny random-weight SD 1.5 the tests
// generate), measured inside the production app. `npx tsx bench/cover-event-loop.ts`, or imported by bench/index.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ModelCatalog } from '../src-server/ai/diffusion/catalog';
import { writeTinySd } from '../src-server/ai/diffusion/tiny/generate';
import { PLAN_ORDER } from '../src-server/auth/plans';
import { makeTestApp } from '../test/helpers/app';
import { requests } from '../test/helpers/inject';
import { studioUser } from '../test/studio/helpers';

const COVERS = Number(process.env.BENCH_COVERS ?? 3);

export async function runCoverEventLoopBench(): Promise<Record<string, number | string>> {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-cover-'));
  await writeTinySd(path.join(modelDir, 'sd1'), { base: 'sd1' });
  const t = await makeTestApp(
    {},
    {
      setup: (app) =>
        new ModelCatalog(app.config.dataDir, PLAN_ORDER)
          .installFromFolder(path.join(modelDir, 'sd1'), { id: 'tiny-sd1', type: 'checkpoint' })
          .then(() => undefined),
    },
  );
  try {
    const user = await studioUser(t.app, 'Bench Cover');
    const as = requests(t.app).as(user);
    const draw = async (i: number) => {
      const res = await as.post('/api/song/cover', { title: `Night Drive ${i}`, genre: 'electronic', mood: 'dark', engine: 'diffusion' });
      if (res.statusCode !== 201) throw new Error(`cover answered ${res.statusCode}: ${res.body}`);
    };
    // The AI worker's start and the model's sessions are one-off costs; the figures are about drawing.
    await draw(0);

    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 500));
    idle.disable();

    const busy = monitorEventLoopDelay({ resolution: 1 });
    busy.enable();
    const t0 = performance.now();
    for (let i = 1; i <= COVERS; i++) await draw(i);
    const wallMs = (performance.now() - t0) / COVERS;
    busy.disable();

    const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
    return {
      'AI cover (tiny SD 1.5): event-loop delay p50 / p99 / max (ms)': `${ms(busy.percentile(50))} / ${ms(busy.percentile(99))} / ${ms(busy.max)}`,
      'AI cover: event-loop delay idle (same timer), p99 (ms)': ms(idle.percentile(99)),
      'AI cover: one cover, request to answer (ms)': Math.round(wallMs),
      'AI cover: load average (1 min)': os.loadavg()[0]!.toFixed(1),
    };
  } finally {
    await t.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runCoverEventLoopBench();
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(64)} ${value}`);
}
