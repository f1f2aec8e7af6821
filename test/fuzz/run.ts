import type { Operation } from './openapi';
import { judge } from './oracle';
import { baseDraft, plansFor, render, type Draft } from './requests';
import { fieldValue as fieldValueOf, harvest, type Actor, type World } from './world';

export interface Failure {
  op: string;
  problems: string[];
  repro: string;
  /** The KNOWN case it matched, for failures reported rather than failed. */
  known?: string;
}

export interface RunStats {
  operations: number;
  requests: number;
  byStatus: Map<number, number>;
  failures: Failure[];
  capped: boolean;
  revived: string[];
  /** Milliseconds spent on each operation, for finding the slow ones. */
  timing: Map<string, number>;
  seedMs: number;
}

const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0x9e3779b9);

const excerpt = (v: string | Buffer | undefined, n = 400) => {
  if (v === undefined) return '';
  const text = Buffer.isBuffer(v) ? v.toString('latin1') : v;
  return JSON.stringify(text.length > n ? `${text.slice(0, n)}… (${text.length} chars)` : text);
};

/** GET and the safe reads first, then writes, then deletes; signing out and account deletion last. */
export function runOrder(ops: Operation[]): Operation[] {
  const rank = (op: Operation) => {
    if (/logout|delete|withdraw/i.test(op.path) || (op.method === 'DELETE' && /\/(users?|me|profile)$/.test(op.path))) return 4;
    if (op.method === 'DELETE') return 3;
    if (op.method === 'GET') return 1;
    return 2;
  };
  return [...ops].sort((a, b) => rank(a) - rank(b));
}

let sent = 0;

export async function send(world: World, op: Operation, d: Draft) {
  const req = render(op, d);
  const headers = { ...req.headers, ...world.authHeaders(d.auth) };
  // A new loopback address each time: requests without a valid token count against a per-address
  // plan limit, and the run must reach the routes, not that limit's 429.
  sent += 1;
  const remoteAddress = `127.${(sent >> 16) & 255}.${(sent >> 8) & 255}.${sent & 255}`;
  const res = await world.app.inject({ method: req.method as 'GET', url: req.url, headers, payload: req.payload, remoteAddress });
  return { req: { ...req, headers }, res };
}

function repro(seed: number, d: Draft, req: ReturnType<typeof render>, status: number, body: string): string {
  const headers = Object.entries(req.headers)
    .filter(([k]) => k !== 'authorization' && k !== 'cookie')
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  return [
    `  ${req.method} ${req.url.length > 300 ? req.url.slice(0, 300) + '…' : req.url}`,
    `  identity: ${d.auth}; mutations: ${d.labels.join(' + ') || 'none (the valid request)'}; seed ${seed}`,
    headers ? `  headers: ${headers}` : '',
    req.payload !== undefined ? `  body: ${excerpt(req.payload)}` : '',
    `  → ${status} ${excerpt(body, 300)}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Sends the valid request as one user and keeps the ids its answer names. */
export async function seedAs(world: World, actor: Actor, op: Operation): Promise<number> {
  const who = actor === world.self ? 'own' : 'other';
  const d = baseDraft(op, { idsFor: (o, p) => world.ids.idsFor(o, p, who), fieldValue: (f, k) => fieldValueOf(actor, f, k) }, actor.marker);
  const req = render(op, d);
  const headers = { ...req.headers, ...(op.secured ? { authorization: `Bearer ${actor.accessToken}` } : {}) };
  const res = await world.app.inject({ method: req.method as 'GET', url: req.url, headers, payload: req.payload });
  try {
    harvest(actor, op, res.json());
  } catch {
    // Not JSON: a file or a page.
  }
  return res.statusCode;
}

/**
 * The whole fuzz run: every operation gets its valid request and `perOp` seeded mutations of it as
 * the fuzzer's own user; every answer is judged. Stops starting operations once `capMs` is spent.
 */
export async function fuzz(
  world: World,
  ops: Operation[],
  opts: {
    seed: number;
    perOp: number;
    capMs: number;
    isKnown?: (op: Operation, d: Draft, problem: string) => string | undefined;
    known?: Failure[];
    trace?: string[];
  },
): Promise<RunStats> {
  const stats: RunStats = {
    operations: 0,
    requests: 0,
    byStatus: new Map(),
    failures: [],
    capped: false,
    revived: [],
    timing: new Map(),
    seedMs: 0,
  };
  const started = Date.now();
  const ordered = runOrder(ops);
  // Both users make their data with the valid requests: first the operations without path
  // parameters (they create things), then those that name what the first ones made.
  for (const withParams of [false, true]) {
    for (const op of ordered) {
      if (op.method === 'DELETE' || /logout/.test(op.path) || op.path.includes('{') !== withParams) continue;
      await seedAs(world, world.other, op);
      await seedAs(world, world.self, op);
      stats.requests += 2;
    }
  }
  stats.seedMs = Date.now() - started;

  for (const op of ordered) {
    if (Date.now() - started > opts.capMs) {
      stats.capped = true;
      break;
    }
    stats.operations += 1;
    const seed = (opts.seed ^ hash(op.key)) >>> 0;
    const plans = plansFor(op, world.ids, opts.perOp, seed);
    const drafts: Draft[] = [baseDraft(op, world.ids, world.self.marker)];
    for (const mutations of plans) {
      const d = baseDraft(op, world.ids, world.self.marker);
      for (const m of mutations) {
        m.apply(d);
        d.labels.push(m.label);
      }
      drafts.push(d);
    }
    const opStarted = Date.now();
    for (const d of drafts) {
      let status = 0;
      let body = '';
      let problems: string[];
      let req: ReturnType<typeof render> = render(op, d);
      try {
        const sent = await send(world, op, d);
        req = sent.req;
        status = sent.res.statusCode;
        body = sent.res.body;
        problems = judge(
          op,
          d,
          { status, body, contentType: String(sent.res.headers['content-type'] ?? '') },
          {
            machinePaths: world.machinePaths,
            otherMarker: world.other.marker,
            selfMarker: world.self.marker,
            // Signing in with the fuzzer's e-mail address rightly answers with its data.
            sent: `${req.url} ${excerpt(req.payload, Infinity)}`.replaceAll(world.self.email, world.self.marker),
          },
        );
        if (d.invalid && status < 300) problems.push(...(await storedInvalid(world, op, d, body, ops)));
      } catch (err) {
        problems = [`the connection failed: ${(err as Error).message}`];
      }
      opts.trace?.push(
        `${status} ${op.key} [${d.auth}] ${d.labels.join(' + ')}${d.labels.length ? '' : ` ${excerpt(req.payload, 150)} → ${excerpt(body, 200)}`}`,
      );
      stats.requests += 1;
      stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
      const failure = (list: string[], known?: string) => ({ op: op.key, problems: list, repro: repro(seed, d, req, status, body), known });
      const real = problems.filter((p) => !opts.isKnown?.(op, d, p));
      if (real.length) stats.failures.push(failure(real));
      for (const p of problems) {
        const known = opts.isKnown?.(op, d, p);
        if (known) opts.known?.push(failure([p], known));
      }
    }
    stats.timing.set(op.key, Date.now() - opStarted);
    stats.revived.push(...(await world.revive()).map((r) => `${r} after ${op.key}`));
  }
  return stats;
}

/** A value the schema refuses came back 2xx: it must not be in the answer or in what a read returns now. */
async function storedInvalid(world: World, op: Operation, d: Draft, body: string, ops: Operation[]): Promise<string[]> {
  const needle = d.invalid!.needle;
  const problems: string[] = [];
  if (body.includes(needle)) problems.push(`invalid ${d.invalid!.field} accepted and echoed`);
  const read = ops.find((o) => o.method === 'GET' && o.path === op.path);
  if (read && op.method !== 'GET') {
    const back = await send(world, read, { ...d, query: [], headers: {}, body: null, auth: d.auth, labels: [] });
    if (back.res.body.includes(needle)) problems.push(`invalid ${d.invalid!.field} stored (read back from GET ${op.path})`);
  }
  return problems;
}
