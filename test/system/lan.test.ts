import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-server/server';
import { loadConfig } from '../../src-server/config';
import { makeTestApp, tempDataDir } from '../helpers/app';

function get(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

let running: RunningServer | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

describe('LAN sharing', () => {
  it('is off by default and the server listens on loopback only', async () => {
    running = await startServer({ config: loadConfig({}, { dataDir: tempDataDir(), port: 0, logLevel: 'silent' }), logger: false });
    const res = await get('127.0.0.1', running.port, '/system/lan');
    expect(JSON.parse(res.body).data).toMatchObject({ enabled: false, addresses: [] });
    expect((running.app.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('turning it on opens the same port on the LAN addresses and off closes it; the choice survives a restart', async () => {
    // 127.0.0.2 stands in for a LAN interface: a separate address on this machine's loopback range.
    const dataDir = tempDataDir();
    const build = async () => {
      const config = loadConfig({}, { dataDir, port: 0, logLevel: 'silent' });
      return startServer({ config, logger: false, lanInterfaces: () => ['127.0.0.2'] });
    };
    running = await build();
    const port = running.port;
    await expect(get('127.0.0.2', port, '/health')).rejects.toThrow();

    const on = await running.app.inject({ method: 'PUT', url: '/system/lan', payload: { enabled: true } });
    expect(on.json().data).toMatchObject({ enabled: true, addresses: [`http://127.0.0.2:${port}/app/`] });
    expect((await get('127.0.0.2', port, '/health')).status).toBe(200);

    const off = await running.app.inject({ method: 'PUT', url: '/system/lan', payload: { enabled: false } });
    expect(off.json().data.enabled).toBe(false);
    await expect(get('127.0.0.2', port, '/health')).rejects.toThrow();

    await running.app.inject({ method: 'PUT', url: '/system/lan', payload: { enabled: true } });
    await running.close();
    running = await build();
    expect(running.app.lan.status().enabled).toBe(true);
    expect((await get('127.0.0.2', running.port, '/health/resource')).status).toBe(200);
  });

  it('LAN peers reach the API but not the owner settings', async () => {
    const t = await makeTestApp();
    try {
      const peer = { remoteAddress: '192.168.1.20' };
      const settings = await t.app.inject({ method: 'PUT', url: '/system/lan', payload: { enabled: false }, ...peer });
      expect(settings.statusCode).toBe(403);
      expect(settings.json().error.code).toBe('OWNER_ONLY');
      expect((await t.app.inject({ url: '/system/info', ...peer })).statusCode).toBe(403);
      expect((await t.app.inject({ url: '/health', ...peer })).statusCode).toBe(200);
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@b.co', password: 'x' }, ...peer }))
          .statusCode,
      ).toBe(401);
      expect((await t.app.inject({ url: '/system/info' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
