import net from 'node:net';
import os from 'node:os';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readSetting, writeSetting } from '../../db/settings';
import { AppError, defineErrors } from '../../http/errors';
import { sendError } from '../../http/family';
import { systemDialect } from '../../http/system-dialect';

/** The LAN guard's own answer, in the system dialect; the system family's table lists it for the routes it guards. */
export const lanErrors = defineErrors({
  OWNER_ONLY: { status: 403, message: 'Only the owner of this Atelier may change its settings' },
});

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
  /** Whether a request comes from the owner: over loopback, and not through a LAN listener. */
  fromOwner(request: FastifyRequest): boolean;
  /**
   * Where a link made for someone else should point: this computer's LAN address while sharing is
   * on (the owner's own 127.0.0.1 reaches nobody else), else the address the request came to;
   * `lan` says which.
   */
  publicOrigin(request: FastifyRequest): { origin: string; lan: boolean };
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

/**
 * Routes LAN peers may not reach even with sharing on: the owner's own settings. Decided on the
 * route the router matched, never on the raw URL, so `/%73ystem/info` is `/system/info` here too.
 */
const isOwnerOnlyRoute = (route: string | undefined) => route !== undefined && (route === '/system' || route.startsWith('/system/'));

/** Names this computer answers to for its owner, whatever the port. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The host name of a `Host` header or URL host (`[::1]:8000` -> `[::1]`), lower case. */
export function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0]!.replace(/\.$/, '');
}

const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.includes(hostName(host));

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a browser's `Origin`, or null for `null`, file: and anything that is not http(s). */
function originHostName(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? hostName(url.host) : null;
  } catch {
    return null;
  }
}

/**
 * DNS rebinding: a web page the owner visits can point its own name at 127.0.0.1 and then talk to
 * this server from the owner's browser. Such requests carry the page's name in `Host` (and, when
 * they change something, in `Origin`), so only the names this server is really reached by pass.
 */
function refusedByHost(request: FastifyRequest, known: ReadonlySet<string>): string | null {
  const host = request.headers.host;
  if (host !== undefined && !known.has(hostName(host))) return `This server does not answer to the host name ${hostName(host)}`;
  const origin = request.headers.origin;
  if (origin !== undefined && !SAFE_METHODS.has(request.method)) {
    const name = originHostName(origin);
    if (name === null || !known.has(name)) return "Requests that change something must come from this server's own pages";
  }
  return null;
}

/**
 * LAN sharing without rebinding the main server: while on, one extra listener per LAN address
 * (same port) hands its connections to the same HTTP server, so the API, the web UI and
 * socket.io all work for peers; turning it off closes those listeners.
 */
export default fp<{ interfaces?: () => string[] }>(
  async (app, opts) => {
    const listInterfaces = opts.interfaces ?? (() => lanAddresses());
    const listeners = new Map<string, net.Server>();
    // Connections that came in through a LAN listener: peers, whatever their address says.
    const peerSockets = new Set<net.Socket>();
    let enabled = false;
    const fromOwner = (request: FastifyRequest) =>
      isLoopback(request.socket.remoteAddress) && !peerSockets.has(request.raw.socket as net.Socket);

    // Without LAN addresses in it the set never changes: built once, not on every request.
    let loopbackOnly: Set<string> | null = null;
    const knownHosts = (): Set<string> => {
      const withLan = enabled || ALL_INTERFACES.has(app.config.host);
      if (!withLan && loopbackOnly) return loopbackOnly;
      const known = new Set(LOOPBACK_HOSTS);
      const bound = hostName(app.config.host.includes(':') && !app.config.host.startsWith('[') ? `[${app.config.host}]` : app.config.host);
      if (!ALL_INTERFACES.has(app.config.host)) known.add(bound);
      if (withLan) {
        for (const address of listInterfaces()) known.add(hostName(address));
        // Peers may also use this computer's name (mDNS); an attacker's page cannot take it.
        const name = os.hostname().toLowerCase();
        known.add(name);
        known.add(`${name}.local`);
      }
      if (!withLan) loopbackOnly = known;
      return known;
    };

    app.addHook('onRequest', async (request, reply) => {
      const refusal = refusedByHost(request, knownHosts());
      if (refusal) return sendError(reply, request.dialect, new AppError(403, 'HOST_NOT_ALLOWED', refusal));
      if (fromOwner(request) || !isOwnerOnlyRoute(request.routeOptions.url)) return;
      return sendError(reply, systemDialect, lanErrors.error('OWNER_ONLY'));
    });

    // The data folder's absolute path holds the OS user name: a LAN peer sees `<data folder>` instead
    // wherever an answer would name it (an engine's "install it in ..." reason, an error message).
    const hidden = [app.config.dataDir, os.homedir()]
      .filter((p) => p.length > 1)
      .flatMap((p, i) => [p, JSON.stringify(p).slice(1, -1)].map((text) => ({ text, as: i === 0 ? '<data folder>' : '~' })));
    app.addHook('onSend', async (request, _reply, payload) => {
      if (typeof payload !== 'string' || fromOwner(request)) return payload;
      return hidden.reduce((text, { text: path, as }) => text.replaceAll(path, as), payload);
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
        const server = net.createServer((socket) => {
          peerSockets.add(socket);
          socket.once('close', () => peerSockets.delete(socket));
          app.server.emit('connection', socket);
        });
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
      const closed = [...listeners.values()].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      listeners.clear();
      // A listener closes only once its connections end: peers' (kept alive by their browsers) are
      // cut now, so turning sharing off takes effect at once and never waits on a peer.
      for (const socket of peerSockets) socket.destroy();
      await Promise.all(closed);
    }

    const controller: LanController = {
      fromOwner,
      publicOrigin(request) {
        const own = `${request.protocol}://${request.host}`;
        const status = controller.status();
        if (!status.enabled || status.addresses.length === 0) return { origin: own, lan: false };
        // A peer already uses an address that reaches us; the owner on loopback gets the first LAN one.
        if (!isLoopbackHost(request.host)) return { origin: own, lan: true };
        return { origin: new URL(status.addresses[0]!).origin, lan: true };
      },
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
