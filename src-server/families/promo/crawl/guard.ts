import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Agent, request as undiciRequest } from 'undici';

/**
 * Fetching what a user pasted without letting it reach the machine or the LAN behind it (SSRF):
 * every address a name resolves to, and every literal IP, must pass the address rule, and that
 * checked address is the one connected to (the lookup runs inside the connection). Redirects are
 * followed by hand so each hop is checked again.
 */

/** Whether an address may be connected to. */
export type AddressRule = (ip: string) => boolean;

/** The default: public unicast only (no loopback, private, link-local, CGNAT, multicast, IPv4-mapped private...). */
export const publicUnicastOnly: AddressRule = (ip) => {
  try {
    return ipaddr.process(ip).range() === 'unicast';
  } catch {
    return false;
  }
};

/** Development only (`ATELIER_DEV_PROMO=loopback-crawl`): a site on this machine's loopback address too, still never the LAN. */
export const publicOrLoopback: AddressRule = (ip) => {
  if (publicUnicastOnly(ip)) return true;
  try {
    const addr = ipaddr.parse(ip);
    return addr.range() === 'loopback';
  } catch {
    return false;
  }
};

export class FetchRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefusedError';
  }
}

export interface GuardOptions {
  allow: AddressRule;
  /** Whole request, redirects included. */
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** `Accept` header. */
  accept?: string;
}

export interface Fetched {
  url: URL;
  status: number;
  contentType: string;
  body: Buffer;
}

const USER_AGENT = 'AtelierPromoBot/0.1 (+local; makes a promo video for the site owner)';
/** Drops a body we will not read; the abort it causes is expected, not an unhandled error. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

const hostIp = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** Scheme, credentials and literal-IP checks that need no network; the route runs them before queueing. */
export function checkTarget(raw: string, allow: AddressRule = publicUnicastOnly): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'That is not a web address (try https://your-shop.example)' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: `Only http and https addresses can be crawled, not ${url.protocol}` };
  if (url.username || url.password) return { ok: false, reason: 'Addresses with a user name or password are not crawled' };
  const ip = hostIp(url.hostname);
  if (net.isIP(ip) && !allow(ip))
    return { ok: false, reason: `${url.hostname} is a private or local address; only public sites are crawled` };
  return { ok: true, url };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

function guardedLookup(allow: AddressRule) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const usable = addresses.filter((a) => allow(a.address));
      if (usable.length === 0) {
        const refused = Object.assign(
          new FetchRefusedError(
            `${hostname} resolves to a private or local address (${addresses[0]?.address ?? 'none'}); only public sites are crawled`,
          ),
          {
            code: 'EADDRREFUSED',
          },
        );
        return callback(refused, []);
      }
      if (options.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** One agent per rule: connections it pools were all checked by that rule. */
const agents = new WeakMap<AddressRule, Agent>();
// undici is read on the first fetch, not at start-up: the server answers sooner (#15, cold start).
let undici: Promise<typeof import('undici')> | null = null;
async function agentFor(allow: AddressRule): Promise<Agent> {
  const { Agent } = await (undici ??= import('undici'));
  let agent = agents.get(allow);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(allow) as never, timeout: 10_000 }, headersTimeout: 10_000, bodyTimeout: 10_000 });
    agents.set(allow, agent);
  }
  return agent;
}

/** GET through the guard: http(s) only, each redirect hop re-checked, a byte cap and a deadline. */
export async function guardedGet(raw: string, opts: GuardOptions): Promise<Fetched> {
  const maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
  const maxRedirects = opts.maxRedirects ?? 5;
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  let current = raw;
  for (let hop = 0; ; hop++) {
    const target = checkTarget(current, opts.allow);
    if (!target.ok) throw new FetchRefusedError(target.reason);
    const url = target.url;
    let res: Awaited<ReturnType<typeof undiciRequest>>;
    try {
      const dispatcher = await agentFor(opts.allow);
      const { request } = await (undici ??= import('undici'));
      res = await request(url, {
        method: 'GET',
        dispatcher,
        headers: { 'user-agent': USER_AGENT, accept: opts.accept ?? '*/*' },
        signal,
      });
    } catch (err) {
      throw explain(err, url, signal, opts.signal);
    }
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
      discard(res.body);
      if (hop >= maxRedirects) throw new FetchRefusedError(`${url.host} redirected more than ${maxRedirects} times`);
      current = new URL(String(res.headers.location), url).href;
      continue;
    }
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      discard(res.body);
      throw new FetchRefusedError(`${url.href} is larger than ${Math.round(maxBytes / 1024)} kB`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          discard(res.body);
          throw new FetchRefusedError(`${url.href} is larger than ${Math.round(maxBytes / 1024)} kB`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof FetchRefusedError) throw err;
      throw explain(err, url, signal, opts.signal);
    }
    return { url, status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) };
  }
}

/** A network failure in words a site owner can act on; a cancelled job stays a plain abort. */
function explain(err: unknown, url: URL, signal: AbortSignal, outer?: AbortSignal): Error {
  if (outer?.aborted) return outer.reason instanceof Error ? outer.reason : new Error('cancelled');
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const cause = e.cause ?? e;
  if (cause instanceof FetchRefusedError || e instanceof FetchRefusedError) return cause instanceof FetchRefusedError ? cause : e;
  if (signal.aborted) return new FetchRefusedError(`${url.host} did not answer in time`);
  if (cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN')
    return new FetchRefusedError(`${url.hostname} was not found (check the address)`);
  if (cause.code === 'ECONNREFUSED') return new FetchRefusedError(`${url.host} refused the connection`);
  return new FetchRefusedError(`${url.host} could not be reached (${cause.code ?? cause.message})`);
}
