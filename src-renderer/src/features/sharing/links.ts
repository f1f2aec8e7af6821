import type { LanStatus } from '../settings/api';

/** Where a share link can point, and why it cannot reach anyone else yet. */
export type Reach =
  | { kind: 'loading' }
  /** Origins people on the network can open (the LAN addresses, or the address this page came from). */
  | { kind: 'lan'; origins: string[] }
  /** Only this computer can open it until the owner turns LAN sharing on. */
  | { kind: 'off' };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * The origins a share link should use. On this computer the settings say which LAN addresses
 * peers reach (when sharing is on); a LAN peer cannot read them, but the address it came from is
 * one its neighbours can use too.
 */
export function reachOf(lan: LanStatus | null, lanError: string | null, here: Location | URL = location): Reach {
  if (!LOOPBACK.has(here.hostname) && (lan === null || lanError !== null)) return { kind: 'lan', origins: [here.origin] };
  if (!lan) return lanError ? { kind: 'off' } : { kind: 'loading' };
  const shared = (lan.enabled || lan.bound_to_all_interfaces) && lan.addresses.length > 0;
  if (!shared) return { kind: 'off' };
  return { kind: 'lan', origins: [...new Set(lan.addresses.map((a) => new URL(a).origin))] };
}

/** A server-relative path ("/app/concert/x", "/api/song/shared/t") on each origin. */
export const linksFor = (origins: string[], path: string) =>
  origins.map((origin) => `${origin}${path.startsWith('/') ? path : `/${path}`}`);
