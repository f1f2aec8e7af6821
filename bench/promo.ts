// Promo workflow speed: the test business site (JSON-LD, EUC-KR page, pictures) on loopback, the
// whole six-stage job: each stage's own time (lyrics and the song run beside the images, so they
// overlap), the H.264 encode's real-time factor (encode seconds / video seconds) and the load
// average the run saw. Full HD 30 fps with the full song form; ATELIER_BENCH_PROMO=quick uses the
// dev quick-render profile (320×180 10 fps, short song) where a full render is too slow.
// `npx tsx bench/promo.ts`, or imported by bench/index.ts.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { WorkflowResult } from '../src-server/families/promo/moviemaker/workflow';
import type { StageFlag } from '../src-server/families/promo/moviemaker/service';
import { makeTestApp } from '../test/helpers/app';
import { joinPromo } from '../test/promo/helpers';
import { allowTestSite, startSite } from '../test/promo/site';

/** The names for the six stages, in order, beside the seed's progress flags. */
const STAGES: [string, StageFlag][] = [
  ['crawl', 'metadata'],
  ['lyrics', 'lyrics'],
  ['song', 'songs'],
  ['images', 'images'],
  ['video', 'movies'],
  ['merge', 'combined'],
];

export async function runPromoBench(): Promise<Record<string, number | string>> {
  const quick = process.env.ATELIER_BENCH_PROMO === 'quick';
  const site = await startSite();
  const t = await makeTestApp();
  try {
    t.app.promo.crawl.allow = allowTestSite;
    if (quick) Object.assign(t.app.promo.render, { sizeDivisor: 6, fps: 10, form: 'short' });
    const { sizeDivisor, fps, form } = t.app.promo.render;
    const me = await joinPromo(t.app);
    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, ...me.as });
    const loadBefore = os.loadavg()[0]!;
    const taskId = (await post('/moviemaker/start-workflow', { url: `${site.origin}/`, aspect_ratio: '16:9', seed: 1 })).json()
      .task_id as string;
    let status = 'queued';
    while (status === 'queued' || status === 'processing') {
      await new Promise((r) => setTimeout(r, 500));
      status = (await post('/moviemaker/progress', { task_id: taskId })).json().status;
    }
    const loadAfter = os.loadavg()[0]!;
    const job = t.app.jobs.get<unknown, WorkflowResult>(taskId)!;
    if (job.status !== 'completed' || !job.result) throw new Error(`promo workflow ${job.status}: ${job.error}`);
    const { stageMs, timings, encodeMs, painted, duration_sec: sec } = job.result;
    const size = `${1920 / sizeDivisor}×${1080 / sizeDivisor} ${fps} fps, ${form} song`;
    const figures: Record<string, number | string> = { [`promo video length (s), ${size}`]: sec.toFixed(1) };
    for (const [name, flag] of STAGES) figures[`promo stage ${name} (s)`] = (stageMs[flag]! / 1000).toFixed(2);
    figures['promo pictures painted by the Image Studio engine'] = painted.length
      ? `${painted.length} (${painted[0]!.model} on ${painted[0]!.provider})`
      : '0 (no checkpoint installed, or the site had enough)';
    if (encodeMs === null) figures['promo encode RTF (encode s / video s)'] = 'not measured: the render cache supplied the video';
    else {
      figures['promo encode (s)'] = (encodeMs / 1000).toFixed(2);
      figures['promo encode RTF (encode s / video s, < 1 is faster than real time)'] = (encodeMs / 1000 / sec).toFixed(2);
    }
    figures['promo whole workflow (s)'] = (timings.combined! / 1000).toFixed(2);
    figures['promo whole workflow RTF'] = (timings.combined! / 1000 / sec).toFixed(2);
    figures['load average (1 min) before / after the promo run'] =
      `${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)} on ${os.cpus().length} CPU`;
    return figures;
  } finally {
    await t.close();
    await site.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runPromoBench().then(
    (figures) => {
      console.log(`Atelier promo bench — ${os.cpus().length} CPU, node ${process.version}\n`);
      for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(72)} ${v}`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
