// Issue #15's Range row on its own: waves of 200 concurrent 64 KiB Range requests at random offsets
// of a 200 MB take, Atelier and nginx alternating wave by wave so both see the same machine load.
// `npx tsx bench/range.ts` (after `npm run build`); `npm run bench` runs it too.
// BENCH_RANGE_BEFORE=<copy of an older out/main/serve.js> adds that build to the rotation, on the
// same data folder, so a change is measured before and after under one machine load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanUp, cpuMs, pct, runAlone, startServer, stop, type Print, type Server } from './lib';
import { RANGE_CONCURRENCY, rangeWave as wave, seedLibrary, startNginx } from './stage';

const WAVES = Number(process.env.BENCH_RANGE_WAVES ?? 10);
const BEFORE_ENTRY = process.env.BENCH_RANGE_BEFORE;

export async function runRangeBench(print: Print): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-range-'));
  const nginxRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-www-'));
  const nginxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-nginx-'));
  let server: Server | null = null;
  let previous: Server | null = null;
  let nginx: Awaited<ReturnType<typeof startNginx>> = null;
  try {
    const seeded = await seedLibrary(dataDir, nginxRoot);
    server = await startServer({}, dataDir);
    nginx = await startNginx(nginxRoot, nginxDir);
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: seeded.email, password: seeded.password }),
    });
    const auth = { authorization: `Bearer ${((await login.json()) as { data: { access_token: string } }).data.access_token}` };
    const fileUrl = `${server.url}/api/audio/file/${seeded.audioIds[0]}`;
    if (BEFORE_ENTRY) previous = await startServer({}, dataDir, BEFORE_ENTRY);
    const previousUrl = previous && `${previous.url}/api/audio/file/${seeded.audioIds[0]}`;
    // Warm-up wave each (page cache, JIT, keep-alive sockets), not counted.
    await wave(fileUrl, auth, []);
    if (previousUrl) await wave(previousUrl, auth, []);
    if (nginx) await wave(`${nginx.url}/big.wav`, {}, []);
    const ours: number[] = [];
    const theirs: number[] = [];
    const older: number[] = [];
    let serverCpu = 0;
    let olderCpu = 0;
    for (let i = 0; i < WAVES; i++) {
      const before = cpuMs(server.child.pid);
      await wave(fileUrl, auth, ours);
      const after = cpuMs(server.child.pid);
      if (before !== null && after !== null) serverCpu += after - before;
      if (nginx) await wave(`${nginx.url}/big.wav`, {}, theirs);
      if (previous && previousUrl) {
        const cpu0 = cpuMs(previous.child.pid);
        await wave(previousUrl, auth, older);
        const cpu1 = cpuMs(previous.child.pid);
        if (cpu0 !== null && cpu1 !== null) olderCpu += cpu1 - cpu0;
      }
    }
    const p50p99 = (v: number[]) => `${pct(v, 50).toFixed(1)} / ${pct(v, 99).toFixed(1)}`;
    print(`${RANGE_CONCURRENCY} concurrent 64 KiB Range requests, p50 / p99 (ms)`, p50p99(ours));
    if (serverCpu > 0) print('server CPU per 64 KiB Range request (ms)', (serverCpu / ours.length).toFixed(3));
    if (previous) {
      print('before (BENCH_RANGE_BEFORE build), same waves, p50 / p99 (ms)', p50p99(older));
      if (olderCpu > 0) print('before: server CPU per 64 KiB Range request (ms)', (olderCpu / older.length).toFixed(3));
      if (nginx) print('before: ratio p99 / nginx p99', (pct(older, 99) / pct(theirs, 99)).toFixed(2));
    }
    if (nginx) {
      print('nginx, same Range waves, p50 / p99 (ms)', p50p99(theirs));
      print('ratio: Atelier p99 / nginx p99 (target <= 2)', (pct(ours, 99) / pct(theirs, 99)).toFixed(2));
    } else {
      print('ratio: Atelier / nginx Range p99', 'skipped: nginx not installed (apt-get install nginx-light)');
    }
    print('load average (1 min) after the Range waves', os.loadavg()[0]!.toFixed(1));
  } finally {
    if (previous) await stop(previous);
    await cleanUp(nginx, server, [dataDir, nginxRoot, nginxDir]);
  }
}

runAlone(import.meta.url, runRangeBench);
