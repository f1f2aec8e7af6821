// `npm run bench`: the foundation's figures, all measured in this one run on this machine.
// BENCH_ONLY=15 runs only the sections behind issue #15's table; ATELIER_BENCH_SERVE measures another build.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { runComposeBench } from './compose';
import { runCoverEventLoopBench } from './cover-event-loop';
import { runDiffusionBench } from './diffusion';
import { root, serveEntry, startServer, stop } from './lib';
import { runColdStartBench } from './cold-start';
import { startFastApi } from './fastapi';
import { runRangeBench } from './range';
import { runSpeedBench } from './speed';
import { runStageBench } from './stage';
import { runArrangeBench } from './arrange';
import { runStoriesBench } from './stories';
import { runPromoBench } from './promo';

async function load(url: string, headers: Record<string, string>, seconds = 8) {
  const result = await autocannon({ url, connections: 32, duration: seconds, headers });
  if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx answers from ${url}`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** BENCH_ONLY=15: only the sections behind issue #15's table (a few minutes instead of the whole bench). */
const ONLY_ISSUE_15 = process.env.BENCH_ONLY === '15';

/** Issue #15's table, row by row, from the figures printed above in this run (name patterns of those lines). */
const ISSUE_15_TABLE: [row: string, line: RegExp][] = [
  ['who am I: Atelier / FastAPI requests/s (target >= 3)', /^ratio: Atelier \/ FastAPI|^FastAPI \+ uvicorn, same route$/],
  ['who am I: FastAPI requests/s, p50 / p99 (ms)', /^FastAPI \+ uvicorn, same route: requests/],
  ['who am I: Atelier beside it, requests/s, p50 / p99 (ms)', /^Atelier again beside it/],
  ['Range: Atelier p99 / nginx p99 (target <= 2)', /^ratio: Atelier p99 \/ nginx p99|^ratio: Atelier \/ nginx Range p99/],
  ['Range: Atelier p50 / p99 (ms)', /^\d+ concurrent 64 KiB Range requests, p50/],
  ['Range: nginx p50 / p99 (ms)', /^nginx, same Range waves/],
  ['cold start to first /health, median / p90 (ms, target <= 1000)', /^cold start to first \/health answer/],
  ['cold start: server CPU until first /health, median (ms)', /^cold start: server CPU/],
  ['event loop while an AI cover is drawn, p50 / p99 / max (ms, target p99 < 10)', /^AI cover \(tiny SD 1\.5\): event-loop delay/],
  ['GET /api/audio/list first page, median / p90 (ms, target < 50)', /^GET \/api\/audio\/list, \d+ rows/],
  ['owner on loopback: requests in 10 s / refused (%)', /^owner on loopback, default limiter/],
];

function printIssue15Table(lines: [string, string][]) {
  console.log('\nIssue #15, row by row (from this run)\n');
  for (const [row, pattern] of ISSUE_15_TABLE) {
    const found = lines.find(([name]) => pattern.test(name));
    console.log(`${row.padEnd(78)} ${found ? found[1] : 'not measured in this run'}`);
  }
  console.log(
    `${'load average (1 / 5 / 15 min) at the end'.padEnd(78)} ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  );
}

async function main() {
  if (!fs.existsSync(serveEntry)) throw new Error('Build first: npm run build (out/main/serve.js is missing)');
  const lines: [string, string][] = [];
  const print = (name: string, value: string) => {
    lines.push([name, value]);
    console.log(`${name.padEnd(58)} ${value}`);
  };
  console.log(`Atelier foundation bench — ${os.cpus().length} CPU, node ${process.version}\n`);

  const server = await startServer();
  try {
    const email = 'bench@example.com';
    const password = 'bench password 1';
    await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, name: 'Bench' }),
    });
    const login = (await (
      await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      })
    ).json()) as { data: { access_token: string } };
    const auth = { authorization: `Bearer ${login.data.access_token}` };

    const baseline = await load(`${server.url}/health/resource`, {});
    // The studio family's account route: token check, session lookup and a row, with no plan limit
    // (canvas routes allow a Free account 30 requests a minute, which would make this a 429 bench).
    const me = await load(`${server.url}/api/users`, auth);
    print('GET /api/users (authenticated) requests/s', me.rps.toFixed(0));
    print('GET /api/users latency p50 / p99 (ms)', `${me.p50} / ${me.p99}`);
    print('GET /health/resource (no auth, no DB) requests/s', baseline.rps.toFixed(0));
    print('ratio: authenticated route throughput vs bare route', (me.rps / baseline.rps).toFixed(2));
    const fastapi = await startFastApi();
    if (typeof fastapi === 'string') print('FastAPI + uvicorn, same route', `skipped: ${fastapi}`);
    else {
      try {
        // Alternating with Atelier's run keeps both under the same machine load.
        const theirs = await load(`${fastapi.url}/api/users`, { authorization: `Bearer ${fastapi.token}` });
        const ours = await load(`${server.url}/api/users`, auth);
        print('FastAPI + uvicorn, same route: requests/s, p50 / p99 (ms)', `${theirs.rps.toFixed(0)}, ${theirs.p50} / ${theirs.p99}`);
        print('Atelier again beside it: requests/s, p50 / p99 (ms)', `${ours.rps.toFixed(0)}, ${ours.p50} / ${ours.p99}`);
        print('ratio: Atelier / FastAPI requests/s (target >= 3)', (ours.rps / theirs.rps).toFixed(2));
      } finally {
        await fastapi.close();
      }
    }
    print('load average (1 min) after the request rows', os.loadavg()[0]!.toFixed(1));
  } finally {
    await stop(server);
  }

  await runColdStartBench(print);

  const aiBench = path.join(root, 'bench', 'ai-event-loop.ts');
  if (!ONLY_ISSUE_15 && fs.existsSync(aiBench)) {
    const { runAiEventLoopBench } = (await import(aiBench)) as { runAiEventLoopBench: () => Promise<Record<string, number | string>> };
    const ai = await runAiEventLoopBench();
    for (const [k, v] of Object.entries(ai)) print(k, String(v));
  }
  for (const [k, v] of Object.entries(await runCoverEventLoopBench())) print(k, String(v));
  if (!ONLY_ISSUE_15) {
    for (const [k, v] of Object.entries(await runComposeBench())) print(k, String(v));
    for (const [k, v] of Object.entries(await runPromoBench())) print(k, String(v));
    for (const [k, v] of Object.entries(await runDiffusionBench())) print(k, String(v));
  }

  console.log('\nSpeed where a user feels it (#15) and a fairly shared GPU (#19)\n');
  await runSpeedBench(print);
  await runRangeBench(print);

  if (!ONLY_ISSUE_15) {
    console.log('\nStage (issue #3): streaming, Range, concert fan-out, clock sync\n');
    await runStageBench(print);

    console.log('\nArrange view (issue #17): frame time while 8 tracks play\n');
    await runArrangeBench(print);

    console.log('\nStories (issue #12): seconds per chapter, conversation round trip, first token\n');
    await runStoriesBench(print);
  }

  printIssue15Table(lines);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
