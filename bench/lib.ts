// Shared by the bench sections: the built headless server in a child process, and percentiles.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** ATELIER_BENCH_SERVE points at another build (a copy of the previous one) to measure before and after. */
export const serveEntry = process.env.ATELIER_BENCH_SERVE ?? path.join(root, 'out', 'main', 'serve.js');

export interface Server {
  url: string;
  child: ChildProcess;
  startedMs: number;
  dataDir: string;
}

export type Print = (name: string, value: string) => void;

/** Starts the built headless server on a free port (a fresh data folder unless given); resolves on its URL line. */
export function startServer(
  extraEnv: Record<string, string> = {},
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-')),
  entry = serveEntry,
): Promise<Server> {
  const t0 = performance.now();
  // ATELIER_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under the bench's load.
  const nodeArgs = (process.env.ATELIER_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      ATELIER_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ATELIER_RATE_LIMIT: '10000000',
      ATELIER_AUTH_RATE_LIMIT: '10000000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1]!, child, startedMs: t0, dataDir });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

export const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export const median = (values: number[]): number => pct(values, 50);

/** Runs a bench section when its file is started on its own (`npx tsx bench/range.ts`), printing each figure. */
export function runAlone(moduleUrl: string, run: (print: Print) => Promise<void>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(path.resolve(process.argv[1])).href) return;
  run((name, value) => console.log(`${name.padEnd(58)} ${value}`)).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** Ends a section: nginx (if it ran), the server, and the section's temporary folders. */
export async function cleanUp(nginx: { proc: ChildProcess } | null, server: Server | null, dirs: string[]): Promise<void> {
  if (nginx && nginx.proc.exitCode === null) {
    const { proc } = nginx;
    proc.kill('SIGQUIT');
    await new Promise((r) => proc.once('exit', r));
  }
  if (server) await stop(server);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every mainstream kernel). */
const USER_HZ = 100;

/**
 * CPU time a process has used (ms), or null off Linux. On a shared, loaded machine latencies swing
 * with other work; the server's CPU per request does not.
 */
export function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}
