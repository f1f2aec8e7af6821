// Promo workflow speed: the test business site (JSON-LD, EUC-KR page, pictures) on loopback, the
// whole six-stage job at 1920×1080 30 fps with the full song form: when each stage ended, and
// the video stages' real-time factor. `npx tsx bench/promo.ts`, or imported by bench/index.ts.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { makeTestApp } from '../test/helpers/app';
import { joinPromo } from '../test/promo/helpers';
import { allowTestSite, startSite } from '../test/promo/site';

export async function runPromoBench(): Promise<Record<string, number | string>> {
  const site = await startSite();
  const t = await makeTestApp();
  try {
    t.app.promo.crawl.allow = allowTestSite;
    const me = await joinPromo(t.app);
    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url, payload, ...me.as });
    const taskId = (await post('/moviemaker/start-workflow', { url: `${site.origin}/`, aspect_ratio: '16:9', seed: 1 })).json()
      .task_id as string;
    let status = 'queued';
    while (status === 'queued' || status === 'processing') {
      await new Promise((r) => setTimeout(r, 500));
      status = (await post('/moviemaker/progress', { task_id: taskId })).json().status;
    }
    const job = t.app.jobs.get<unknown, { timings: Record<string, number>; duration_sec: number }>(taskId)!;
    if (job.status !== 'completed' || !job.result) throw new Error(`promo workflow ${job.status}: ${job.error}`);
    const { timings, duration_sec: sec } = job.result;
    const figures: Record<string, number | string> = { 'promo video length (s), 1920×1080 30 fps': sec.toFixed(1) };
    for (const [stage, ms] of Object.entries(timings)) figures[`promo stage "${stage}" ended at (s)`] = (ms / 1000).toFixed(1);
    figures['promo encode RTF (movies stage s per video s)'] = (
      (timings.movies! - Math.max(timings.songs!, timings.images!)) /
      1000 /
      sec
    ).toFixed(2);
    figures['promo whole workflow RTF'] = (timings.combined! / 1000 / sec).toFixed(2);
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
      for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(60)} ${v}`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
