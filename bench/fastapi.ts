// Issue #15's reference: the same "who am I" route on FastAPI + uvicorn (Debian's python3-fastapi
// and python3-uvicorn), loaded like Atelier's GET /api/users. Skipped with a reason when absent.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { root } from './lib';

export interface FastApiServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** Debian's python3 (where apt puts python3-fastapi), not a pyenv or venv one first on PATH. */
const PYTHON = process.env.ATELIER_BENCH_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** Starts the reference app on a seeded SQLite file, or says why it cannot. */
export async function startFastApi(): Promise<FastApiServer | string> {
  const probe = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'python3 with fastapi and uvicorn is not installed (apt-get install python3-fastapi python3-uvicorn)';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-fastapi-'));
  const dbFile = path.join(dir, 'bench.sqlite');
  const seed = spawnSync(
    PYTHON,
    [
      '-c',
      `import sqlite3; d = sqlite3.connect(${JSON.stringify(dbFile)}); ` +
        "d.execute('create table users (id text primary key, name text, email text)'); " +
        "d.execute('create table sessions (id text primary key, user_id text, revoked integer)'); " +
        "d.execute(\"insert into users values ('u1', 'Bench', 'bench@example.com')\"); " +
        "d.execute(\"insert into sessions values ('s1', 'u1', 0)\"); d.commit()",
    ],
    { encoding: 'utf8' },
  );
  if (seed.status !== 0) return `could not seed its database: ${seed.stderr}`;
  const secret = crypto.randomBytes(32).toString('hex');
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ sub: 'u1', sid: 's1', exp: Math.floor(Date.now() / 1000) + 3600 }));
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  const port = await freePort();
  const proc = spawn(
    PYTHON,
    ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warning', '--no-access-log'],
    { cwd: path.join(root, 'bench', 'fastapi'), env: { ...process.env, BENCH_JWT_SECRET: secret, BENCH_DB: dbFile }, stdio: 'inherit' },
  );
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`${url}/api/users`, { headers: { authorization: `Bearer ${head}.${body}.${sig}` } });
      if (res.ok) return { url, token: `${head}.${body}.${sig}`, close };
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  return 'uvicorn did not start';
}
