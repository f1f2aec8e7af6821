/** "1 credit", "2 credits": a count with its noun (English, regular plurals). */
export const count = (n: number, noun: string): string => `${n.toLocaleString()} ${noun}${n === 1 ? '' : 's'}`;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Whether this page runs on the machine that does the work (the app window, a browser on it).
 * There credits are just compute time; they matter for people on the network sharing the GPU.
 */
export const onThisComputer = (hostname: string = location.hostname): boolean => LOOPBACK.has(hostname);

/** What a job costs, said the way that means something here: seconds on one's own computer, credits (one a second) for a LAN peer. */
export const spend = (credits: number, local: boolean = onThisComputer()): string =>
  local ? `${credits.toLocaleString()} s of compute` : count(credits, 'credit');
