// `npm run bench`: the foundation's figures, all measured in this one run on this machine.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serveEntry = path.join(root, 'out', 'main', 'serve.js');

interface Server {
  url: string;
  child: ChildProcess;
  startedMs: number;
}

/** Starts the built headless server on a free port with a fresh data folder; resolves on its URL line. */
function startServer(extraEnv: Record<string, string> = {}): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [serveEntry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ATELIER_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ATELIER_RATE_LIMIT: '10000000', ATELIER_AUTH_RATE_LIMIT: '10000000', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, child, startedMs: t0 });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
}

async function stop(server: Server) {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function coldStart(runs = 5): Promise<{ medianMs: number; p90Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
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
    await stop(server);
  }
  return { medianMs: pct(times, 50), p90Ms: pct(times, 90) };
}

async function load(url: string, headers: Record<string, string>, seconds = 8) {
  const result = await autocannon({ url, connections: 32, duration: seconds, headers });
  if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx answers from ${url}`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
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
    await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password, name: 'Bench' }) });
    const login = (await (await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })).json()) as { data: { access_token: string } };
    const auth = { authorization: `Bearer ${login.data.access_token}` };

    const baseline = await load(`${server.url}/health/resource`, {});
    const me = await load(`${server.url}/api/v1/users/me`, auth);
    print('GET /api/v1/users/me (authenticated) requests/s', me.rps.toFixed(0));
    print('GET /api/v1/users/me latency p50 / p99 (ms)', `${me.p50} / ${me.p99}`);
    print('GET /health/resource (no auth, no DB) requests/s', baseline.rps.toFixed(0));
    print('ratio: users/me throughput vs bare route', (me.rps / baseline.rps).toFixed(2));
  } finally {
    await stop(server);
  }

  const cold = await coldStart();
  print('cold start to first /health answer, median / p90 (ms)', `${cold.medianMs.toFixed(0)} / ${cold.p90Ms.toFixed(0)}`);

  const aiBench = path.join(root, 'bench', 'ai-event-loop.ts');
  if (fs.existsSync(aiBench)) {
    const { runAiEventLoopBench } = (await import(aiBench)) as { runAiEventLoopBench: () => Promise<Record<string, number | string>> };
    const ai = await runAiEventLoopBench();
    for (const [k, v] of Object.entries(ai)) print(k, String(v));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
