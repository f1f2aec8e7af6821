// Cold start (#15): from spawning the built headless server to its first /health answer.
// `npx tsx bench/cold-start.ts` (after `npm run build`); ATELIER_BENCH_SERVE measures another build.
import os from 'node:os';
import { cpuMs, pct, runAlone, startServer, stop, type Print } from './lib';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7);

export async function runColdStartBench(print: Print): Promise<void> {
  const times: number[] = [];
  const cpu: number[] = [];
  const load = os.loadavg()[0]!;
  for (let i = 0; i < RUNS; i++) {
    const server = await startServer();
    for (;;) {
      try {
        const res = await fetch(`${server.url}/health`);
        if (res.ok) break;
      } catch {
        // not answering yet
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    times.push(performance.now() - server.startedMs);
    const used = cpuMs(server.child.pid);
    if (used !== null) cpu.push(used);
    await stop(server);
  }
  print('cold start to first /health answer, median / p90 (ms)', `${pct(times, 50).toFixed(0)} / ${pct(times, 90).toFixed(0)}`);
  // Wall time swings with the machine's load; the CPU the server spent until it answered much less.
  if (cpu.length) print('cold start: server CPU time until first /health, median (ms)', pct(cpu, 50).toFixed(0));
  print('cold start: load average (1 min) before / after', `${load.toFixed(1)} / ${os.loadavg()[0]!.toFixed(1)}`);
}

runAlone(import.meta.url, runColdStartBench);
