import fc from 'fast-check';
import { pathParamNames, type JsonSchema, type Operation } from './openapi';
import {
  RawJson,
  enumOf,
  hostileNumberText,
  hostileQueryNumber,
  hostileString,
  kindOf,
  outOfBounds,
  resolve,
  toJsonText,
  validSample,
  wrongType,
} from './values';
import { filePartFor } from './files';

export interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

export type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'multipart'; parts: Part[]; boundary: string; cut?: 'truncate' | 'no-close' | 'wrong-boundary' }
  | { kind: 'raw'; data: string | Buffer; contentType?: string };

/** Which identity a request carries; every kind but `own` and `other` is one no server may accept. */
export type AuthKind =
  | 'own'
  | 'other'
  | 'none'
  | 'forged-sig'
  | 'alg-none'
  | 'expired'
  | 'foreign-key'
  | 'revoked'
  | 'garbage'
  | 'bad-scheme'
  | 'garbage-cookie';
export const ACCEPTED_AUTH: ReadonlySet<AuthKind> = new Set(['own', 'other']);

/** A request before it is written out: mutations edit it. */
export interface Draft {
  path: Record<string, { value: string; raw?: boolean; from?: 'own' | 'other' | 'hostile' }>;
  query: [string, string][];
  headers: Record<string, string>;
  body: Body | null;
  auth: AuthKind;
  /** A value the schema refuses, to look for in the response and the stored record if the server says 2xx. */
  invalid?: { field: string; needle: string };
  labels: string[];
}

export interface Mutation {
  label: string;
  apply(d: Draft): void;
}

/** What the world knows for building path values: ids seen in each user's responses. */
export interface IdSource {
  idsFor(op: Operation, param: string, who: 'own' | 'other'): string[];
  /** A real value for a body field (the user's password, an id or file path an earlier answer gave), if one is known. */
  fieldValue?(field: string, kind: string): unknown;
  /** Links to this server that answers handed out (signed URLs), path and query. */
  links?(): string[];
}

const BOUNDARY = '----atelierfuzz7MA4YWxkTrZu0gW';

export function baseDraft(op: Operation, ids: IdSource, marker: string): Draft {
  const path: Draft['path'] = {};
  for (const name of pathParamNames(op.path)) {
    const schema = op.params.find((p) => p.in === 'path' && p.name === name)?.schema ?? {};
    const own = ids.idsFor(op, name, 'own').filter((v) => fits(schema, v));
    path[name] = { value: own[0] ?? String(validSample(schema, marker, name)), from: 'own' };
  }
  const query: [string, string][] = op.params
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => [p.name, String(validSample(p.schema, marker, p.name))]);
  // A link an answer gave for this route (a signed URL) is the valid request: its query is the signature.
  const template = new RegExp(
    `^${op.path
      .replace(/[.+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{\*\}/g, '(.+)')
      .replace(/\{[^}]+\}/g, '([^/]+)')}$`,
  );
  for (const link of ids.links?.() ?? []) {
    const [pathname, search = ''] = link.split('?');
    const m = template.exec(pathname!);
    if (!m) continue;
    pathParamNames(op.path).forEach((name, i) => (path[name] = { value: m[i + 1]!, raw: true, from: 'own' }));
    query.splice(0, query.length, ...[...new URLSearchParams(search)]);
    break;
  }
  const headers: Record<string, string> = {};
  for (const p of op.params.filter((x) => x.in === 'header' && x.required)) headers[p.name] = String(validSample(p.schema, marker, p.name));
  let body: Body | null = null;
  if (op.body?.contentType.startsWith('multipart/')) {
    const s = resolve(op.body.schema);
    const parts: Part[] = [];
    for (const name of s.required ?? []) parts.push(partFor(name, s.properties?.[name] ?? {}, marker));
    body = { kind: 'multipart', parts, boundary: BOUNDARY };
  } else if (op.body) {
    const value = validSample(op.body.schema, marker);
    const props = resolve(op.body.schema).properties ?? {};
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, schema] of Object.entries(props)) {
        const known = ids.fieldValue?.(name, kindOf(schema));
        if (known !== undefined && (name in value || /password|email/i.test(name))) (value as Record<string, unknown>)[name] = known;
      }
    }
    body = { kind: 'json', value };
  }
  return { path, query, headers, body, auth: op.secured ? 'own' : 'none', labels: [] };
}

function partFor(name: string, schema: JsonSchema, marker: string): Part {
  const s = resolve(schema);
  if (s.format === 'binary') return { name, ...filePartFor(s.description ?? name) };
  return { name, value: String(validSample(schema, marker, name)) };
}

/** encodeURIComponent, except that a lone surrogate goes out as its WTF-8 bytes: invalid UTF-8 a client can send. */
function enc(value: string): string {
  return value
    .replace(/[\uD800-\uDFFF]/g, (c, i: number) => {
      const code = c.charCodeAt(0);
      const paired = code < 0xdc00 ? /[\uDC00-\uDFFF]/.test(value[i + 1] ?? '') : /[\uD800-\uDBFF]/.test(value[i - 1] ?? '');
      if (paired) return c;
      return `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    })
    .split(/(%[0-9A-F]{2})/)
    .map((part) => (/^%[0-9A-F]{2}$/.test(part) ? part : encodeURIComponent(part)))
    .join('');
}

/** Whether a remembered id could be this parameter at all (its length, pattern, format, kind). */
function fits(schema: JsonSchema, value: string): boolean {
  const s = resolve(schema);
  if ((kindOf(schema) === 'integer' || kindOf(schema) === 'number') && !/^-?\d+$/.test(value)) return false;
  if (s.maxLength !== undefined && value.length > s.maxLength) return false;
  if (s.minLength !== undefined && value.length < s.minLength) return false;
  if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) return false;
  if (s.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false;
  return true;
}

/** Writes a draft as an inject() request. */
export function render(
  op: Operation,
  d: Draft,
): { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer } {
  let url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const p = d.path[name]!;
    return p.raw ? p.value : name === '*' ? p.value.split('/').map(enc).join('/') : enc(p.value);
  });
  if (d.query.length) url += '?' + d.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const headers = { ...d.headers };
  let payload: string | Buffer | undefined;
  const b = d.body;
  if (b?.kind === 'json') {
    payload = toJsonText(b.value);
    headers['content-type'] ??= 'application/json';
  } else if (b?.kind === 'multipart') {
    payload = multipart(b);
    headers['content-type'] ??= `multipart/form-data; boundary=${b.boundary}`;
  } else if (b?.kind === 'raw') {
    payload = b.data;
    if (b.contentType !== undefined) headers['content-type'] ??= b.contentType;
  }
  for (const [k, v] of Object.entries(headers)) if (v === '\u0000drop') delete headers[k];
  return { method: op.method, url, headers, payload };
}

function multipart(b: Extract<Body, { kind: 'multipart' }>): Buffer {
  const chunks: Buffer[] = [];
  const boundary = b.cut === 'wrong-boundary' ? 'not-the-declared-boundary' : b.boundary;
  for (const p of b.parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(head + '\r\n'), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  if (b.cut !== 'no-close') chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const all = Buffer.concat(chunks);
  return b.cut === 'truncate' ? all.subarray(0, Math.floor(all.length * 0.6)) : all;
}

const PATH_HOSTILE = fc.constantFrom(
  { value: '..', raw: true },
  { value: '..%2F..%2F..%2Fetc%2Fpasswd', raw: true },
  { value: '%2e%2e', raw: true },
  { value: '../../etc/passwd', raw: false },
  { value: '..\\..\\windows', raw: false },
  { value: '%00', raw: true },
  { value: 'a%00b', raw: true },
  { value: '%ZZ', raw: true },
  { value: '%C0%AE%C0%AE', raw: true },
  { value: 'job-001', raw: false },
  { value: 'img-001', raw: false },
  { value: '0x1', raw: false },
  { value: '1e3', raw: false },
  { value: '1e309', raw: false },
  { value: '-1', raw: false },
  { value: '0', raw: false },
  { value: '-0', raw: false },
  { value: 'NaN', raw: false },
  { value: '99999999999999999999999', raw: false },
  { value: 'a'.repeat(499), raw: false },
  { value: 'x'.repeat(800), raw: false },
  { value: ' ', raw: false },
  { value: '\u202Egnp', raw: false },
  { value: '한국어', raw: false },
  { value: 'null', raw: false },
  { value: '00000000-0000-0000-0000-000000000000', raw: false },
);

/** Every field of a body schema, nested ones (`relativeLocation.x`, `accessories.0.name`) too, up to three deep. */
function fieldsOf(schema: JsonSchema, prefix: string[] = [], depth = 0): { path: string[]; schema: JsonSchema }[] {
  const s = resolve(schema);
  if (depth > 3) return [];
  if (kindOf(schema) === 'array' && s.items && prefix.length)
    return [{ path: [...prefix, '0'], schema: s.items }, ...fieldsOf(s.items, [...prefix, '0'], depth + 1)];
  if (kindOf(schema) !== 'object' || !s.properties) return [];
  return Object.entries(s.properties).flatMap(([name, sub]) => [
    { path: [...prefix, name], schema: sub },
    ...fieldsOf(sub, [...prefix, name], depth + 1),
  ]);
}

/** Sets a value at a path of a JSON body, making the objects and arrays on the way. */
function setAt(root: unknown, path: string[], value: unknown): boolean {
  if (root === null || typeof root !== 'object') return false;
  let node = root as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]!];
    node = (next !== null && typeof next === 'object' ? next : (node[path[i]!] = /^\d+$/.test(path[i + 1]!) ? [] : {})) as Record<
      string,
      unknown
    >;
  }
  node[path[path.length - 1]!] = value;
  return true;
}

function fieldMutations(schema: JsonSchema): fc.Arbitrary<Mutation>[] {
  const s = resolve(schema);
  if (kindOf(schema) !== 'object' || !s.properties) return [];
  const fields = fieldsOf(schema);
  if (!fields.length) return [];
  const field = fc.constantFrom(...fields);
  const set = (label: string, f: { path: string[] }, value: unknown, invalid?: string): Mutation => ({
    label: `${label} body.${f.path.join('.')}`,
    apply: (d) => {
      if (d.body?.kind !== 'json' || Array.isArray(d.body.value)) return;
      if (setAt(d.body.value, f.path, value) && invalid) d.invalid = { field: f.path.join('.'), needle: invalid };
    },
  });
  const numeric = fields.filter((f) => ['integer', 'number'].includes(kindOf(f.schema)));
  const out: fc.Arbitrary<Mutation>[] = [
    field.chain((f) => wrongType(kindOf(f.schema)).map((v) => set('wrong type', f, v))),
    field.chain((f) => hostileString.map((v) => set('hostile string', f, v))),
    field.chain((f) => hostileNumberText.map((t) => set(`raw number ${t}`, f, new RawJson(t)))),
    // Each numeric field gets its own share: non-finite and oversized numbers are where parsers break.
    ...numeric.map((f) =>
      fc.oneof(fc.constantFrom('1e309', '1e300', '-0', '1e-400'), hostileNumberText).map((t) => set(`raw number ${t}`, f, new RawJson(t))),
    ),
    field.map((f) => set('valid optional', f, validSample(f.schema, 'zqB7', f.path[f.path.length - 1]))),
    fc.constant({
      label: 'unknown field',
      apply: (d: Draft) =>
        void (
          d.body?.kind === 'json' &&
          Object.assign(d.body.value as object, { fuzz_unknown: 'zqB7', isAdmin: true, tier: 'enterprise', user_id: 'someone-else' })
        ),
    }),
  ];
  const required = s.required ?? [];
  if (required.length) {
    out.push(
      fc.constantFrom(...required).map((name) => ({
        label: `missing body.${name}`,
        apply: (d: Draft) =>
          void (
            d.body?.kind === 'json' &&
            typeof d.body.value === 'object' &&
            d.body.value &&
            delete (d.body.value as Record<string, unknown>)[name]
          ),
      })),
    );
  }
  const bounded = fields.flatMap((f) => outOfBounds(f.schema).map((v) => ({ f, v })));
  if (bounded.length) {
    out.push(
      fc.constantFrom(...bounded).map(({ f, v }) => {
        const needle = typeof v === 'string' ? v : typeof v === 'number' ? `"${f.path[f.path.length - 1]}":${v}` : JSON.stringify(v);
        return set('out of bounds', f, v, needle);
      }),
    );
  }
  return out;
}

const JSON_BODY_BREAKERS: fc.Arbitrary<Mutation> = fc.constantFrom<Mutation>(
  ...[
    ['truncated JSON', (t: string) => t.slice(0, Math.max(1, Math.floor(t.length / 2)))],
    ['malformed JSON', () => '{"a":1,,}'],
    ['trailing garbage', (t: string) => t + '}}'],
    ['JSON array body', () => '[]'],
    ['JSON string body', () => '"zqB7"'],
    ['JSON null body', () => 'null'],
    ['JSON number body', () => '1e309'],
    ['empty body', () => ''],
    ['__proto__ body', () => '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}'],
    ['deep JSON', () => '['.repeat(5000) + ']'.repeat(5000)],
    ['BOM JSON', (t: string) => '\uFEFF' + t],
    ['NaN literal', () => '{"a":NaN}'],
  ].map(([label, fn]) => ({
    label: label as string,
    apply: (d: Draft) => {
      const text = d.body?.kind === 'json' ? toJsonText(d.body.value) : '{}';
      d.body = { kind: 'raw', data: (fn as (t: string) => string)(text), contentType: 'application/json' };
    },
  })),
);

const CONTENT_TYPE_BREAKERS: fc.Arbitrary<Mutation> = fc.constantFrom<Mutation>(
  ...[
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'application/xml',
    'application/json; charset=utf-16',
    '\u0000drop',
    'application/json, text/plain',
    'image/png',
  ].map((ct) => ({
    label: `content-type ${JSON.stringify(ct)}`,
    apply: (d: Draft) => void (d.headers['content-type'] = ct),
  })),
);

function multipartMutations(schema: JsonSchema): fc.Arbitrary<Mutation>[] {
  const s = resolve(schema);
  const names = Object.keys(s.properties ?? {});
  const mp = (label: string, fn: (b: Extract<Body, { kind: 'multipart' }>) => void): Mutation => ({
    label,
    apply: (d) => void (d.body?.kind === 'multipart' && fn(d.body)),
  });
  return [
    fc.constantFrom<Mutation>(
      mp('truncated multipart', (b) => void (b.cut = 'truncate')),
      mp('multipart without closing boundary', (b) => void (b.cut = 'no-close')),
      mp('multipart with the wrong boundary', (b) => void (b.cut = 'wrong-boundary')),
      mp('multipart without parts', (b) => void (b.parts = [])),
      mp('files as text fields', (b) => b.parts.forEach((p) => delete p.filename)),
      mp('garbage file content', (b) =>
        b.parts.forEach((p) => p.filename !== undefined && (p.value = Buffer.from('not a media file at all \u0000\u0001'.repeat(8)))),
      ),
      mp('empty file', (b) => b.parts.forEach((p) => p.filename !== undefined && (p.value = Buffer.alloc(0)))),
      mp('traversal file name', (b) => b.parts.forEach((p) => p.filename !== undefined && (p.filename = '../../../etc/passwd'))),
      mp('control characters in file name', (b) => b.parts.forEach((p) => p.filename !== undefined && (p.filename = 'a\u0007\u202Eb.wav'))),
      mp('duplicated parts', (b) => void (b.parts = [...b.parts, ...b.parts.map((p) => ({ ...p }))])),
      mp('unknown part', (b) => void b.parts.push({ name: 'fuzz_unknown', value: 'zqB7' })),
      mp('too many parts', (b) => void b.parts.push(...Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, value: 'x' })))),
      { label: 'multipart without boundary', apply: (d: Draft) => void (d.headers['content-type'] = 'multipart/form-data') },
      { label: 'JSON on a multipart route', apply: (d: Draft) => void (d.body = { kind: 'json', value: { a: 1 } }) },
    ),
    ...(names.length
      ? [
          fc
            .constantFrom(...names)
            .map((name) => mp(`missing part ${name}`, (b) => void (b.parts = b.parts.filter((p) => p.name !== name)))),
          fc.tuple(fc.constantFrom(...names), fc.oneof(hostileString, hostileQueryNumber)).map(([name, v]) =>
            mp(`hostile part ${name}`, (b) => {
              b.parts = b.parts.filter((p) => p.name !== name);
              b.parts.push({ name, value: v });
            }),
          ),
        ]
      : []),
  ];
}

function queryMutations(op: Operation): fc.Arbitrary<Mutation>[] {
  const qs = op.params.filter((p) => p.in === 'query');
  const put = (label: string, name: string, value: string, mode: 'set' | 'add' = 'set'): Mutation => ({
    label: `${label} ?${name}=${JSON.stringify(value).slice(0, 40)}`,
    apply: (d) => {
      if (mode === 'set') d.query = d.query.filter(([k]) => k !== name);
      d.query.push([name, value]);
    },
  });
  const out: fc.Arbitrary<Mutation>[] = [
    fc.constantFrom('fuzz_unknown', '__proto__', 'constructor', 'a[b]', '').map((name) => put('unknown query', name, 'zqB7', 'add')),
  ];
  if (qs.length) {
    const names = fc.constantFrom(...qs.map((p) => p.name));
    out.push(
      names.chain((name) => hostileQueryNumber.map((v) => put('number text', name, v))),
      // Each numeric parameter gets its own share: non-finite and oversized numbers are where parsers break.
      ...qs
        .filter((p) => ['integer', 'number'].includes(kindOf(p.schema)))
        .map((p) =>
          fc
            .oneof(fc.constantFrom('1e309', 'NaN', 'Infinity', '1e300', '-1e309'), hostileQueryNumber)
            .map((v) => put('number text', p.name, v)),
        ),
      names.chain((name) => hostileString.map((v) => put('hostile query', name, v))),
      names.map((name) => put('duplicated query', name, '1', 'add')),
      names.map((name) => ({
        label: `valid optional ?${name}`,
        apply: (d: Draft) => void d.query.push([name, String(validSample(qs.find((p) => p.name === name)!.schema, 'zqB7', name))]),
      })),
    );
    for (const p of qs) {
      const e = enumOf(p.schema);
      if (e && e.length) out.push(fc.constantFrom(...e).map((v) => put('enum value', p.name, String(v))));
    }
    const required = qs.filter((p) => p.required);
    if (required.length)
      out.push(
        fc
          .constantFrom(...required)
          .map((p) => ({ label: `missing ?${p.name}`, apply: (d: Draft) => void (d.query = d.query.filter(([k]) => k !== p.name)) })),
      );
  }
  return out;
}

function headerMutations(op: Operation): fc.Arbitrary<Mutation>[] {
  const hs = op.params.filter((p) => p.in === 'header');
  if (!hs.length) return [];
  return [
    fc
      .tuple(
        fc.constantFrom(...hs.map((p) => p.name)),
        hostileString.filter((v) => /^[\t\x20-\x7e]*$/.test(v)),
      )
      .map(([name, v]) => ({
        label: `hostile header ${name}`,
        apply: (d: Draft) => void (d.headers[name] = v),
      })),
  ];
}

function pathMutations(op: Operation, ids: IdSource): fc.Arbitrary<Mutation>[] {
  const names = pathParamNames(op.path);
  if (!names.length) return [];
  const other = names.flatMap((name) =>
    ids
      .idsFor(op, name, 'other')
      .slice(0, 6)
      .map((value) => ({ name, value })),
  );
  const own = names.flatMap((name) =>
    ids
      .idsFor(op, name, 'own')
      .slice(0, 6)
      .map((value) => ({ name, value })),
  );
  const out: fc.Arbitrary<Mutation>[] = [
    fc.tuple(fc.constantFrom(...names), PATH_HOSTILE).map(([name, v]) => ({
      label: `path ${name}=${JSON.stringify(v.value).slice(0, 40)}`,
      apply: (d: Draft) => void (d.path[name] = { ...v, from: 'hostile' }),
    })),
  ];
  if (other.length) {
    out.push(
      fc.constantFrom(...other).map(({ name, value }) => ({
        label: `another user's ${name}`,
        apply: (d: Draft) => void (d.path[name] = { value, from: 'other' }),
      })),
    );
  }
  if (own.length > 1) {
    out.push(
      fc
        .constantFrom(...own)
        .map(({ name, value }) => ({ label: `own ${name}`, apply: (d: Draft) => void (d.path[name] = { value, from: 'own' }) })),
    );
  }
  return out;
}

const AUTH_MUTATIONS: fc.Arbitrary<Mutation> = fc
  .constantFrom<AuthKind>(
    'other',
    'none',
    'forged-sig',
    'alg-none',
    'expired',
    'foreign-key',
    'revoked',
    'garbage',
    'bad-scheme',
    'garbage-cookie',
  )
  .map((auth) => ({
    label: `token ${auth}`,
    apply: (d: Draft) => void (d.auth = auth),
  }));

/** Every mutation that applies to an operation, weighted so each kind of input gets its share. */
export function mutationsFor(op: Operation, ids: IdSource): fc.Arbitrary<Mutation>[] {
  const kinds: fc.Arbitrary<Mutation>[] = [...queryMutations(op), ...headerMutations(op), ...pathMutations(op, ids), CONTENT_TYPE_BREAKERS];
  if (op.body?.contentType.startsWith('multipart/')) kinds.push(...multipartMutations(op.body.schema));
  else if (op.body) kinds.push(...fieldMutations(op.body.schema), JSON_BODY_BREAKERS, JSON_BODY_BREAKERS);
  else
    kinds.push(
      fc.constant<Mutation>({
        label: 'unexpected JSON body',
        apply: (d) => void (d.body = { kind: 'json', value: { fuzz_unknown: 'zqB7' } }),
      }),
    );
  kinds.push(AUTH_MUTATIONS);
  return kinds;
}

/**
 * `perOp` mutated requests (at least one per kind of mutation), each one kind's mutation plus up to
 * two drawn from any kind, all from fast-check generators under one seed.
 */
export function plansFor(op: Operation, ids: IdSource, perOp: number, seed: number): Mutation[][] {
  const kinds = mutationsFor(op, ids);
  const any = fc.oneof(...kinds);
  const plans: Mutation[][] = [];
  const rounds = Math.max(1, Math.ceil(perOp / kinds.length));
  kinds.forEach((kind, i) => {
    const runs = Math.max(1, Math.min(rounds, perOp - plans.length));
    for (const [first, extra] of fc.sample(fc.tuple(kind, fc.array(any, { maxLength: 2 })), { seed: (seed + i * 7919) | 0, numRuns: runs }))
      plans.push([first, ...extra]);
  });
  return plans;
}
