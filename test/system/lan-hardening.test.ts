import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-server/server';
import { loadConfig } from '../../src-server/config';
import { signUp, tempDataDir } from '../helpers/app';

/**
 * The owner-only routes and the LAN toggle, attacked the ways a hardening pass found: from a LAN
 * peer (127.0.0.2 stands in for a LAN interface, as in lan.test.ts) with encoded paths, and from a
 * web page on the owner's machine through DNS rebinding (a foreign Host or Origin on 127.0.0.1).
 */
interface Answer {
  status: number;
  body: string;
}

/** A raw request: the path goes on the wire exactly as written (no normalising of %xx, `..` or `//`). */
function send(
  host: string,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path, agent: false, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const PEER = '127.0.0.2';
let running: RunningServer;
let dataDir: string;
let port: number;
let token: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  running = await startServer({
    config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }),
    logger: false,
    lanInterfaces: () => [PEER],
  });
  port = running.port;
  token = (await signUp(running.app)).accessToken;
});
afterAll(async () => {
  await running.close();
});

const owner = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  send('127.0.0.1', port, method, path, headers, body);
const peer = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  send(PEER, port, method, path, headers, body);
const lanEnabled = () => running.app.lan.status().enabled;

describe('LAN peers and the owner-only routes', () => {
  beforeAll(async () => {
    expect((await owner('PUT', '/system/lan', {}, { enabled: true })).status).toBe(200);
  });

  it('refuse /system/* however the path is spelled; never answer it', async () => {
    expect((await peer('GET', '/health')).status).toBe(200);
    expect((await owner('GET', '/%73ystem/info')).status).toBe(200);
    for (const path of [
      '/system/info',
      '/%73ystem/info',
      '/%73%79%73%74%65%6d/info',
      '/system/%69nfo',
      '/system/info/',
      '/system/info?x=1',
    ]) {
      const res = await peer('GET', path);
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.body).error.code, path).toBe('OWNER_ONLY');
    }
    // Spellings the router does not take as /system/info at all: not found, never the owner's answer.
    for (const path of ['/%2573ystem/info', '//system/info', '/system/../system/info', '/SYSTEM/info', '/System/Info', '/system/info%00']) {
      const res = await peer('GET', path);
      expect([403, 404], `${path}: ${res.status} ${res.body}`).toContain(res.status);
      expect(res.body, path).not.toMatch(/data_dir|dataDir/);
    }
  });

  it("cannot turn sharing off, probe the disk or make the owner's machine fetch a URL through an encoded path", async () => {
    expect((await peer('PUT', '/%73ystem/lan', {}, { enabled: false })).status).toBe(403);
    expect(lanEnabled()).toBe(true);
    const probe = await peer('POST', '/%73ystem/models/install', { authorization: `Bearer ${token}` }, { source: 'folder', path: '/etc' });
    expect(probe.status).toBe(403);
    expect(probe.body).not.toMatch(/NOT_A_MODEL/);
    const fetchUrl = await peer(
      'POST',
      '/%73ystem/models/install',
      { authorization: `Bearer ${token}` },
      { source: 'url', url: 'http://127.0.0.1:1/x.json' },
    );
    expect(fetchUrl.status).toBe(403);
  });

  it('GET /api/compose/engines does not show a peer the data folder path; the owner on loopback sees it', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const mine = await owner('GET', '/api/compose/engines', auth);
    expect(mine.status).toBe(200);
    expect(mine.body).toContain(dataDir);
    const theirs = await peer('GET', '/api/compose/engines', auth);
    expect(theirs.status).toBe(200);
    expect(theirs.body).not.toContain(dataDir);
    expect(JSON.parse(theirs.body).data.find((e: { engine: string }) => e.engine === 'musicgen').reason).toMatch(/<data folder>/);
  });
});

describe('DNS rebinding', () => {
  it("a foreign Host on 127.0.0.1 is refused on every route, in the family's format", async () => {
    const rebind = { host: 'rebind.attacker.example' };
    const lan = await owner('PUT', '/system/lan', rebind, { enabled: !lanEnabled() });
    expect(lan.status).toBe(403);
    expect(JSON.parse(lan.body).error.code).toBe('HOST_NOT_ALLOWED');
    expect((await owner('GET', '/system/info', { host: `rebind.attacker.example:${port}` })).status).toBe(403);
    const stage = await owner('GET', '/health/resource', rebind);
    expect(stage.status).toBe(403);
    expect(JSON.parse(stage.body)).toMatchObject({ success: false, error: 'HOST_NOT_ALLOWED' });
    expect((await owner('GET', '/api/v1/models', rebind)).status).toBe(403);
  });

  it("the owner's own names pass, with any port", async () => {
    for (const host of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST:1']) {
      expect((await owner('GET', '/system/info', { host })).status, host).toBe(200);
    }
  });

  it('a LAN address is a known Host only while sharing is on', async () => {
    expect((await owner('PUT', '/system/lan', {}, { enabled: false })).status).toBe(200);
    expect((await owner('GET', '/health', { host: `${PEER}:${port}` })).status).toBe(403);
    expect((await owner('PUT', '/system/lan', {}, { enabled: true })).status).toBe(200);
    expect((await owner('GET', '/health', { host: `${PEER}:${port}` })).status).toBe(200);
  });

  it("a state-changing request from a foreign page (Origin) is refused; the app's own pages and non-browser clients pass", async () => {
    const before = lanEnabled();
    for (const origin of [
      'http://rebind.attacker.example',
      `http://rebind.attacker.example:${port}`,
      'null',
      'file://',
      'chrome-extension://abc',
    ]) {
      const res = await owner('PUT', '/system/lan', { origin }, { enabled: !before });
      expect(res.status, origin).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('HOST_NOT_ALLOWED');
    }
    expect(lanEnabled()).toBe(before);
    // Reading is not a change: a cross-origin GET still gets its answer (the browser keeps it from the page).
    expect((await owner('GET', '/system/lan', { origin: 'http://rebind.attacker.example' })).status).toBe(200);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'http://localhost:5173']) {
      const res = await owner('PUT', '/system/lan', { origin }, { enabled: true });
      expect(res.status, origin).toBe(200);
    }
    expect((await owner('PUT', '/system/lan', {}, { enabled: true })).status).toBe(200);
  });
});
