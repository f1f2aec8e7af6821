import net from 'node:net';
import os from 'node:os';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { readSetting, writeSetting } from '../../system/settings';

export interface LanStatus {
  enabled: boolean;
  /** The port peers use (the server's own port). */
  port: number | null;
  /** Base URLs of the web UI as LAN peers reach it. */
  addresses: string[];
  /** True when HOST already binds every interface, so the toggle has nothing to add. */
  boundToAllInterfaces: boolean;
}

export interface LanController {
  status(): LanStatus;
  setEnabled(enabled: boolean): Promise<LanStatus>;
}

declare module 'fastify' {
  interface FastifyInstance {
    lan: LanController;
  }
}

/** Whether a connection comes from this computer (the owner) rather than a LAN peer. */
const isLoopback = (address: string | undefined) =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

const ALL_INTERFACES = new Set(['0.0.0.0', '::']);

/** Non-loopback IPv4 addresses of this machine: where LAN peers find us. */
export function lanAddresses(interfaces = os.networkInterfaces()): string[] {
  const found: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) found.push(info.address);
  }
  return found;
}

/** Paths LAN peers may not reach even with sharing on: the owner's own settings. */
const OWNER_ONLY = /^\/system(\/|$)/;

/**
 * LAN sharing without rebinding the main server: while on, one extra listener per LAN address
 * (same port) hands its connections to the same HTTP server, so the API, the web UI and
 * socket.io all work for peers; turning it off closes those listeners.
 */
export default fp<{ interfaces?: () => string[] }>(
  async (app, opts) => {
    const listInterfaces = opts.interfaces ?? (() => lanAddresses());
    const listeners = new Map<string, net.Server>();
    let enabled = false;

    app.addHook('onRequest', async (request, reply) => {
      if (isLoopback(request.socket.remoteAddress) || !OWNER_ONLY.test(request.url)) return;
      return reply.status(403).send({ success: false, error: { code: 'OWNER_ONLY', message: 'Only the owner of this Atelier may change its settings' } });
    });

    const port = (): number | null => {
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : null;
    };

    async function openListeners(): Promise<void> {
      const p = port();
      if (p === null) return;
      for (const host of listInterfaces()) {
        if (listeners.has(host)) continue;
        const server = net.createServer((socket) => app.server.emit('connection', socket));
        await new Promise<void>((resolve) => {
          server.once('error', (err) => {
            app.log.warn({ err, host }, 'LAN listener could not start on this address');
            resolve();
          });
          server.listen({ host, port: p }, () => {
            listeners.set(host, server);
            resolve();
          });
        });
      }
    }

    async function closeListeners(): Promise<void> {
      await Promise.all(
        [...listeners.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      listeners.clear();
    }

    const controller: LanController = {
      status() {
        const all = ALL_INTERFACES.has(app.config.host);
        const p = port();
        const hosts = all ? listInterfaces() : [...listeners.keys()];
        return {
          enabled: enabled || all,
          port: p,
          addresses: p === null ? [] : hosts.map((h) => `http://${h}:${p}/app/`),
          boundToAllInterfaces: all,
        };
      },
      async setEnabled(next) {
        writeSetting(app.db, 'lan', { enabled: next }, app.clock.now());
        enabled = next;
        if (next && !ALL_INTERFACES.has(app.config.host)) await openListeners();
        else await closeListeners();
        return controller.status();
      },
    };
    app.decorate('lan', controller);

    // Listeners need the main server's port, known only once it listens.
    app.server.on('listening', () => {
      enabled = readSetting(app.db, 'lan').enabled;
      if (enabled && !ALL_INTERFACES.has(app.config.host)) void openListeners();
    });
    app.addHook('onClose', async () => closeListeners());
  },
  { name: 'lan', dependencies: ['config', 'db'] },
);

export { isLoopback };
export type { FastifyInstance };
