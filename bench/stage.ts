// Stage figures (issue #3): audio streaming against nginx, concurrent Range reads, a concert's
// song change fanned out to 500 sockets, and the clock-offset estimate's error on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { buildApp } from '../src-server/app';
import { loadConfig } from '../src-server/config';
import { AudioService } from '../src-server/families/stage/audio/service';
import { wavHeader } from '../src-server/media/wav';
import { measureClockOffset } from '../src-shared/clock';
import type { ClientToServerEvents, ConcertSnapshot, ServerToClientEvents } from '../src-shared/events';
import { cleanUp, median, pct, runAlone, startServer, type Print, type Server } from './lib';

export const BIG_FILE_BYTES = 200 * 1024 * 1024;
const STREAM_RUNS = 7;
export const RANGE_CONCURRENCY = 200;
const RANGE_WAVES = 5;
export const RANGE_BYTES = 64 * 1024;
const LISTENER_USERS = 50;
const SOCKETS_PER_USER = 10;
const SONG_CHANGES = 8;
const CLOCK_ESTIMATES = 60;

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A WAV header for `dataBytes` of 16-bit stereo 44.1 kHz PCM, then noise: what a long live take looks like. */
function* bigWav(dataBytes: number): Generator<Buffer> {
  yield wavHeader(dataBytes, 44_100, 2);
  const chunk = Buffer.alloc(1024 * 1024);
  let seed = 12345;
  for (let i = 0; i < chunk.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    chunk[i] = seed >>> 24;
  }
  for (let left = dataBytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

/** One wave of RANGE_CONCURRENCY concurrent 64 KiB Range requests at random offsets of the big file; latencies go into `into`. */
export async function rangeWave(url: string, headers: Record<string, string>, into: number[]): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: RANGE_CONCURRENCY }, () => {
      const start = Math.floor(Math.random() * (BIG_FILE_BYTES - RANGE_BYTES));
      return download(url, { ...headers, range: `bytes=${start}-${start + RANGE_BYTES - 1}` });
    }),
  );
  for (const r of results) {
    if (r.status !== 206 || r.bytes !== RANGE_BYTES) throw new Error(`${url}: Range answer ${r.status} with ${r.bytes} bytes`);
    into.push(r.ms);
  }
}

async function* asAsync(chunks: Iterable<Buffer>): AsyncGenerator<Buffer> {
  yield* chunks;
}

interface Seeded {
  audioIds: number[];
  email: string;
  password: string;
}

/**
 * The API refuses uploads over 100 MB, so the 200 MB file goes into the library through the same
 * AudioService the upload route uses (content sniffing, metadata, atomic store), in-process, before
 * the server process starts on that data folder. Two short songs join it for the concert.
 */
export async function seedLibrary(dataDir: string, nginxRoot: string): Promise<Seeded> {
  const config = loadConfig({}, { dataDir, logLevel: 'silent', rateLimitMax: 1e7, authRateLimitMax: 1e7 });
  const app = await buildApp({ config, logger: false });
  await app.ready();
  try {
    const email = 'studio@bench.local';
    const password = 'bench password 1';
    await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password, name: 'Bench Studio' } });
    const signedIn = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    const userId = signedIn.json().data.user.id as string;
    const audio = new AudioService(app.db, app.storage, app.clock.now);
    // Received as a short WAV (so it is sniffed and stored as an upload is), then its bytes are
    // replaced in place by the 200 MB take, which the upload route's limit would refuse.
    const received = await audio.receive(asAsync(bigWav(44_100 * 4)));
    const { size } = await app.storage.put(received.key, asAsync(bigWav(BIG_FILE_BYTES - 44)));
    const row = audio.create(
      { ...received, size, duration: (BIG_FILE_BYTES - 44) / (44_100 * 4) },
      { title: 'Long take', artist: 'Bench', duration: null },
      userId,
    );
    const songs = [row.id];
    for (const title of ['Opener', 'Encore']) {
      const small = await audio.receive(asAsync(bigWav(44_100 * 4 * 5)));
      songs.push(audio.create(small, { title, artist: 'Bench', duration: null }, userId).id);
    }
    // nginx serves the very same bytes.
    fs.writeFileSync(path.join(nginxRoot, 'big.wav'), Buffer.concat([...bigWav(BIG_FILE_BYTES - 44)]), { mode: 0o644 });
    // nginx's workers drop root for an unprivileged user, which must be able to read the folder.
    fs.chmodSync(nginxRoot, 0o755);
    return { audioIds: songs, email, password };
  } finally {
    await app.close();
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p)) ?? null;

/** Debian's nginx on a loopback port, with its config, pid and logs in `dir`. */
export async function startNginx(rootDir: string, dir: string): Promise<{ url: string; proc: ChildProcess } | null> {
  if (!NGINX) return null;
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; root ${rootDir}; }
}
`,
  );
  const proc = spawn(NGINX, ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) return null;
    try {
      await download(`${url}/none`, {});
      return { url, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  proc.kill();
  return null;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: RANGE_CONCURRENCY });

/** GETs a URL, discarding the body; resolves with the byte count and the time to the last byte. */
export function download(url: string, headers: Record<string, string>): Promise<{ bytes: number; ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ bytes, ms: performance.now() - t0, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function mbps(url: string, headers: Record<string, string>): Promise<number> {
  const { bytes, ms, status } = await download(url, headers);
  if (status !== 200 || bytes !== BIG_FILE_BYTES) throw new Error(`${url}: status ${status}, ${bytes} bytes`);
  return bytes / 1024 / 1024 / (ms / 1000);
}

async function json<T>(url: string, method: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const login = async (base: string, email: string, password: string) =>
  (await json<{ data: { access_token: string } }>(`${base}/api/v1/auth/login`, 'POST', { email, password })).data.access_token;

function openSocket(base: string, token: string): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const socket: ClientSocket = connect(base, {
      path: '/socket.io/',
      transports: ['websocket'],
      auth: { token },
      forceNew: true,
      reconnection: false,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function runStageBench(print: Print): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-stage-'));
  const nginxRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-www-'));
  const nginxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-nginx-'));
  // Set as they start, so that a failure part-way still stops them and removes 400 MB of files.
  let started: Server | null = null;
  let nginx: Awaited<ReturnType<typeof startNginx>> = null;
  const sockets: ClientSocket[] = [];
  try {
    const seeded = await seedLibrary(dataDir, nginxRoot);
    const server = (started = await startServer({}, dataDir));
    nginx = await startNginx(nginxRoot, nginxDir);
    const token = await login(server.url, seeded.email, seeded.password);
    const auth = { authorization: `Bearer ${token}` };
    const fileUrl = `${server.url}/api/audio/file/${seeded.audioIds[0]}`;

    // 1. Whole-file streaming. Runs alternate Atelier and nginx, and the ratio is the median of
    // each pair's, so both see the same machine load (this machine is shared and noisy).
    await download(fileUrl, auth); // warm the page cache
    const ours: number[] = [];
    const theirs: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < STREAM_RUNS; i++) {
      ours.push(await mbps(fileUrl, auth));
      if (nginx) {
        theirs.push(await mbps(`${nginx.url}/big.wav`, {}));
        ratios.push(ours[i]! / theirs[i]!);
      }
    }
    print('GET /api/audio/file/:id, 200 MB over loopback (MB/s, median)', median(ours).toFixed(0));
    if (nginx) {
      print('nginx (sendfile) same file (MB/s, median)', median(theirs).toFixed(0));
      print('ratio: Atelier / nginx, median of paired runs (target >= 0.8)', median(ratios).toFixed(2));
    } else {
      print('ratio: Atelier / nginx', 'skipped: nginx not installed (apt-get install nginx-light)');
    }

    // 2. Concurrent Range reads at random offsets (64 KiB each). nginx answers the same waves,
    // alternating with ours, as a reference taken under the same machine load.
    const latencies: number[] = [];
    const nginxLatencies: number[] = [];
    for (let wave = 0; wave < RANGE_WAVES; wave++) {
      await rangeWave(fileUrl, auth, latencies);
      if (nginx) await rangeWave(`${nginx.url}/big.wav`, {}, nginxLatencies);
    }
    const p50p99 = (values: number[]) => `${pct(values, 50).toFixed(1)} / ${pct(values, 99).toFixed(1)}`;
    print(`${RANGE_CONCURRENCY} concurrent 64 KiB Range requests, p50 / p99 (ms, no target set)`, p50p99(latencies));
    if (nginx) print('nginx, same Range waves (reference, no target), p50 / p99 (ms)', p50p99(nginxLatencies));

    // 3. A song change fanned out to 500 listeners (50 accounts, 10 tabs each).
    const created = await json<{ roomId: string }>(
      `${server.url}/api/concert/create`,
      'POST',
      {
        concertName: 'Bench night',
        maxAudience: LISTENER_USERS,
        songs: seeded.audioIds.slice(1).map((audioId, i) => ({ songNum: i + 1, audioId })),
      },
      token,
    );
    const roomId = created.roomId;
    await json(`${server.url}/api/concert/${roomId}/toggle-open`, 'POST', { isOpen: true }, token);
    const tokens = await Promise.all(
      Array.from({ length: LISTENER_USERS }, async (_, i) => {
        const email = `listener${i}@bench.local`;
        await json(`${server.url}/api/v1/auth/register`, 'POST', { email, password: seeded.password, name: `Listener ${i}` });
        return login(server.url, email, seeded.password);
      }),
    );
    for (const t of tokens) {
      const tabs = await Promise.all(Array.from({ length: SOCKETS_PER_USER }, () => openSocket(server.url, t)));
      for (const s of tabs) {
        const joined = await s.timeout(10_000).emitWithAck('concert:join', { roomId });
        if (!joined.ok) throw new Error(`join refused: ${joined.code} ${joined.message}`);
        sockets.push(s);
      }
    }
    const delivery: number[] = [];
    for (let i = 0; i < SONG_CHANGES; i++) {
      const songNum = (i % 2) + 1;
      let sentAt = 0;
      const arrivals = sockets.map(
        (s) =>
          new Promise<number>((resolve) => {
            const onState = (state: ConcertSnapshot) => {
              if (state.change !== 'song-changed') return;
              s.off('concert:state', onState);
              resolve(performance.now() - sentAt);
            };
            s.on('concert:state', onState);
          }),
      );
      sentAt = performance.now();
      await json(`${server.url}/api/concert/${roomId}/songs/change`, 'POST', { songNum }, token);
      delivery.push(...(await Promise.all(arrivals)));
    }
    print(
      `song change to ${sockets.length} sockets (${LISTENER_USERS} accounts), delivery p50 / p99 (ms, no target set)`,
      `${pct(delivery, 50).toFixed(1)} / ${pct(delivery, 99).toFixed(1)}`,
    );

    // 3b. Host transport (pause/resume) fanned out: from the request until the last socket has the new room clock.
    const everyone: number[] = [];
    for (let i = 0; i < SONG_CHANGES; i++) {
      const action = i % 2 === 0 ? 'pause' : 'resume';
      let sentAt = 0;
      const arrivals = sockets.map(
        (s) =>
          new Promise<number>((resolve) => {
            const onState = (state: ConcertSnapshot) => {
              if (state.change !== 'transport' || (state.pausedPositionMs !== null) !== (action === 'pause')) return;
              s.off('concert:state', onState);
              resolve(performance.now() - sentAt);
            };
            s.on('concert:state', onState);
          }),
      );
      sentAt = performance.now();
      await json(`${server.url}/api/concert/${roomId}/transport`, 'POST', { action }, token);
      everyone.push(Math.max(...(await Promise.all(arrivals))));
    }
    print(
      `pause/resume until all ${sockets.length} sockets have it, p50 / p99 (ms, no target set)`,
      `${pct(everyone, 50).toFixed(1)} / ${pct(everyone, 99).toFixed(1)}`,
    );
    for (const s of sockets.splice(0)) s.disconnect();

    // 4. Clock offset on loopback: client and server share this clock, so the truth is 0.
    const probe = await openSocket(server.url, token);
    sockets.push(probe);
    const errors: number[] = [];
    for (let i = 0; i < CLOCK_ESTIMATES; i++) {
      const estimate = await measureClockOffset(
        async (t0) => (await probe.timeout(2000).emitWithAck('clock:ping', { t0 })).t1,
        () => Date.now(),
        8,
        5,
      );
      errors.push(Math.abs(estimate.offset));
    }
    print(
      'clock-offset estimate |error| on loopback, p50 / p95 (ms, target p95 < 2)',
      `${pct(errors, 50).toFixed(2)} / ${pct(errors, 95).toFixed(2)}`,
    );
  } finally {
    for (const s of sockets) s.disconnect();
    agent.destroy();
    await cleanUp(nginx, started, [dataDir, nginxRoot, nginxDir]);
  }
}

// Runs on its own too: `npx tsx bench/stage.ts` (after `npm run build`).
runAlone(import.meta.url, runStageBench);
