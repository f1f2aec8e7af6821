import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance } from 'fastify';
import { loadOrCreateSecret } from '../../src-server/auth/keys';
import { users } from '../../src-server/db/schema';
import { makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import type { Operation } from './openapi';
import type { AuthKind, IdSource } from './requests';

/** A user of the fuzz run: the fuzzer acts as `self`; `other` owns data the fuzzer must never see. */
export interface Actor extends SignedIn {
  marker: string;
  /** Ids seen in this user's responses, by normalised field name (`studioid`, `boardid`, `token`). */
  ids: Map<string, string[]>;
  /** The row's sign-in fields as made, to put back when a fuzzed update changed them. */
  signIn: { email: string | null; passwordHash: string };
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const singular = (s: string) => (s.endsWith('ies') ? s.slice(0, -3) + 'y' : s.endsWith('s') ? s.slice(0, -1) : s);
const IGNORED_SEGMENTS = new Set(['api', 'v1', 'work', 'save', 'list', 'create', 'register', 'upload', 'add']);

/** The static segments of a path, singular and normalised: `/api/v1/boards/{board_id}/images` → board, image. */
function nouns(path: string): string[] {
  return path
    .split('/')
    .filter((seg) => seg && !seg.startsWith('{') && !IGNORED_SEGMENTS.has(seg))
    .map((seg) => singular(norm(seg)));
}

function remember(actor: Actor, key: string, value: string) {
  const list = actor.ids.get(key) ?? [];
  if (!list.includes(value)) list.unshift(value);
  if (list.length > 8) list.pop();
  actor.ids.set(key, list);
}

/** Records every id-like value of a response under its field name, `id` also under the route's nouns. */
export function harvest(actor: Actor, op: Operation, json: unknown) {
  const route = nouns(op.path);
  const walk = (node: unknown, parent: string, depth: number) => {
    if (depth > 6 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.slice(0, 5).forEach((n) => walk(n, parent, depth + 1));
      return;
    }
    for (const [k, v] of Object.entries(node)) {
      const key = norm(k);
      if ((typeof v === 'string' && v !== '' && v.length < 300) || (typeof v === 'number' && Number.isInteger(v))) {
        const value = String(v);
        if (key === 'id') {
          remember(actor, 'id', value);
          if (parent) remember(actor, singular(parent) + 'id', value);
          if (depth <= 2) for (const noun of route) remember(actor, noun + 'id', value);
        } else if (key.endsWith('id') || key.endsWith('token') || key.endsWith('path') || key === 'index' || key.endsWith('num')) {
          remember(actor, key, value);
        }
        if (typeof v === 'string') {
          const shared = /\/shared?\/([A-Za-z0-9_-]{8,})/.exec(v);
          if (shared) remember(actor, 'token', shared[1]!);
          // A link to this server (a signed download or upload URL): a whole request to replay and mutate.
          const link = /^(?:https?:\/\/[^/]+)?(\/[^\s?#]*\?[^\s#]+)$/.exec(v);
          if (link) remember(actor, 'link', link[1]!);
        }
      } else walk(v, key === 'data' || key === 'results' || key === 'items' ? parent : key, depth + 1);
    }
  };
  walk(json, '', 0);
}

function idsFor(actor: Actor, op: Operation, param: string): string[] {
  const key = norm(param);
  const direct = actor.ids.get(key) ?? [];
  if (key !== 'id' && direct.length) return direct;
  const before = op.path.split(`{${param}}`)[0]!;
  const near = nouns(before).reverse();
  for (const noun of near) {
    const found = actor.ids.get(noun + (key === 'id' ? 'id' : key)) ?? actor.ids.get(noun + 'id');
    if (found?.length) return found;
  }
  return direct;
}

/** A real value for a body field: the user's own credentials, or an id or path an answer named. */
export function fieldValue(actor: Actor, field: string, kind: string): unknown {
  const key = norm(field);
  if (key === 'password' || key === 'currentpassword') return actor.password;
  if (key === 'email') return actor.email;
  if (key === 'refreshtoken') return actor.refreshToken;
  if (key === 'id') return actor.id;
  if (!/(id|path|token|num)$/.test(key)) return undefined;
  const pools = [...actor.ids.keys()].filter((k) => k.length >= 4 && key.endsWith(k)).sort((a, b) => b.length - a.length);
  for (const pool of pools) {
    const values = actor.ids.get(pool)!;
    const usable =
      kind === 'integer' || kind === 'number' ? values.filter((v) => /^\d+$/.test(v)).map(Number) : kind === 'string' ? values : [];
    if (usable.length) return usable[0];
  }
  return undefined;
}

export interface World {
  t: TestApp;
  app: FastifyInstance;
  self: Actor;
  other: Actor;
  /** The Authorization (or Cookie) headers for a kind of identity. */
  authHeaders(kind: AuthKind): Record<string, string>;
  ids: IdSource;
  /** Makes sure both users can still sign requests (the fuzzer may log out or delete an account). */
  revive(): Promise<string[]>;
  /** Every string that must never appear in a body: the data folder, the repository, home folders. */
  machinePaths: string[];
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function actor(app: FastifyInstance, marker: string): Promise<Actor> {
  const signed = await signUp(app, { name: `Fuzz ${marker}` });
  // Enterprise has no per-minute plan limit: the run must reach every route, not the canvas 429.
  app.db.update(users).set({ tier: 'enterprise' }).where(eq(users.id, signed.id)).run();
  const row = app.db.select({ email: users.email, passwordHash: users.passwordHash }).from(users).where(eq(users.id, signed.id)).get()!;
  return { ...signed, marker, ids: new Map(), signIn: row };
}

export async function makeWorld(): Promise<World> {
  // Request limits raised so every route is reached; the job queue stopped so no generation runs.
  const t = await makeTestApp({ rateLimitMax: 10_000_000, authRateLimitMax: 10_000_000 });
  const app = t.app;
  await app.jobs.stop();
  const world = { t, app } as World;
  world.self = await actor(app, 'zqB7');
  world.other = await actor(app, 'zqA7');

  const revoked = await signUp(app);
  const logout = await app.inject({ method: 'POST', url: '/api/logout', headers: { authorization: `Bearer ${revoked.accessToken}` } });
  if (logout.statusCode !== 200) throw new Error(`logout failed: ${logout.statusCode} ${logout.body}`);

  const key = loadOrCreateSecret(t.dataDir, 'jwt');
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const signWith = (k: Buffer | string, claims: Record<string, unknown>) =>
    createSigner({ key: k, algorithm: 'HS256', noTimestamp: true })(claims);

  let garbage = 0;
  world.authHeaders = (kind): Record<string, string> => {
    const own = world.self.accessToken;
    const claims = claimsOf(own);
    const now = Math.floor(t.clock.now() / 1000);
    switch (kind) {
      case 'own':
        return { authorization: `Bearer ${own}` };
      case 'other':
        return { authorization: `Bearer ${world.other.accessToken}` };
      case 'none':
        return {};
      case 'forged-sig': {
        // The other user's id in a token whose signature is the fuzzer's own.
        const [h, , s] = own.split('.');
        return { authorization: `Bearer ${h}.${b64({ ...claims, sub: world.other.id })}.${s}` };
      }
      case 'alg-none':
        return { authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: world.other.id })}.` };
      case 'expired':
        return { authorization: `Bearer ${signWith(key, { ...claims, iat: now - 7200, exp: now - 3600 })}` };
      case 'foreign-key':
        return { authorization: `Bearer ${signWith(crypto.randomBytes(64), { ...claims, sub: world.other.id })}` };
      case 'revoked':
        return { authorization: `Bearer ${revoked.accessToken}` };
      case 'garbage':
        garbage += 1;
        return { authorization: `Bearer ${['x', 'a.b.c', '.'.repeat(3), 'z'.repeat(5000), own + 'x', `${own} ${own}`][garbage % 6]}` };
      case 'bad-scheme':
        return { authorization: `Basic ${Buffer.from(`${world.self.email}:${world.self.password}`).toString('base64')}` };
      case 'garbage-cookie':
        return { cookie: `atelier_session=${'zqB7'.repeat(10)}; atelier_session=..%2F..` };
    }
  };

  world.ids = {
    idsFor: (op, param, who) => idsFor(who === 'own' ? world.self : world.other, op, param),
    fieldValue: (field, kind) => fieldValue(world.self, field, kind),
    links: () => world.self.ids.get('link') ?? [],
  };

  world.revive = async () => {
    const revived: string[] = [];
    // A minute passes between operations: a fuzzed plan change (a cancel, a downgrade) must not leave
    // the rest of the run behind a plan's per-minute 429. Tokens that ran out are renewed below.
    t.clock.advance(61_000);
    for (const who of ['self', 'other'] as const) {
      const a = world[who];
      app.db.update(users).set({ tier: 'enterprise' }).where(eq(users.id, a.id)).run();
      const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${a.accessToken}` } });
      if (me.statusCode === 200) continue;
      // A fuzzed profile update may have changed the e-mail address or the password: put them back.
      app.db.update(users).set(a.signIn).where(eq(users.id, a.id)).run();
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
      if (login.statusCode === 200) {
        a.accessToken = login.json().data.access_token;
        a.refreshToken = login.json().data.refresh_token;
        revived.push(`${who}: signed in again`);
        continue;
      }
      const fresh = await actor(app, a.marker);
      world[who] = fresh;
      revived.push(`${who}: account gone, a new one made`);
    }
    return revived;
  };

  world.machinePaths = [t.dataDir, process.cwd(), '/home/', '/root/', '/Users/', '/tmp/', '/var/folders/', 'C:\\Users', 'node_modules'];
  return world;
}
