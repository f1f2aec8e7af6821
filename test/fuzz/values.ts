import fc from 'fast-check';
import type { JsonSchema } from './openapi';

/** A JSON token written as is (`1e309`, `-0`): JSON.stringify cannot produce them. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text that may hold raw tokens. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001RAW${raws.length - 1}\u0001`;
    }
    return v;
  });
  return (text ?? '').replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}

const typesOf = (s: JsonSchema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

/** The first branch of an anyOf/oneOf that is not `null`, with allOf merged. */
export function resolve(schema: JsonSchema): JsonSchema {
  let s = schema;
  for (let i = 0; i < 5; i++) {
    const branches = s.anyOf ?? s.oneOf;
    if (branches) {
      s = branches.find((b) => !typesOf(b).includes('null') || typesOf(b).length > 1) ?? branches[0]!;
      continue;
    }
    if (s.allOf) {
      s = s.allOf.reduce<JsonSchema>(
        (acc, b) => ({
          ...acc,
          ...b,
          properties: { ...acc.properties, ...b.properties },
          required: [...(acc.required ?? []), ...(b.required ?? [])],
        }),
        {},
      );
      continue;
    }
    break;
  }
  return s;
}

export function enumOf(schema: JsonSchema): unknown[] | null {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches && branches.every((b) => b.enum || b.const !== undefined)) return branches.flatMap((b) => b.enum ?? [b.const]);
  if (schema.enum) return schema.enum;
  if (schema.const !== undefined) return [schema.const];
  return null;
}

export const kindOf = (schema: JsonSchema): string => {
  const s = resolve(schema);
  const e = enumOf(schema);
  if (e) return typeof e[0] === 'number' ? 'number' : typeof e[0] === 'boolean' ? 'boolean' : 'string';
  const t = typesOf(s).filter((x) => x !== 'null');
  if (t[0]) return t[0];
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return 'string';
};

const PATTERN_CANDIDATES = [
  '1',
  'a',
  'abc',
  'A1',
  '2026-01-01',
  'https://example.com/x',
  'value',
  'ab-cd',
  '#ffffff',
  '12:00',
  'ko',
  'en-US',
];

function sampleString(s: JsonSchema, marker: string, field: string): string {
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (s.format === 'email' || /e-?mail/i.test(field)) return `fuzz-${marker.toLowerCase()}-${field.length}@example.com`;
  if (s.format === 'date-time') return '2026-01-01T00:00:00.000Z';
  if (s.format === 'date') return '2026-01-01';
  if (s.format === 'uri' || s.format === 'url' || /url$/i.test(field)) return 'https://example.com/fuzz';
  let text = /password/i.test(field) ? `correct horse ${marker}` : `fuzz ${marker}`;
  if (s.pattern) {
    const re = new RegExp(s.pattern, 'u');
    if (!re.test(text)) text = PATTERN_CANDIDATES.find((c) => re.test(c)) ?? text;
  }
  const min = s.minLength ?? 0;
  if (text.length < min) text = text.padEnd(min, 'x');
  if (s.maxLength !== undefined && text.length > s.maxLength) text = text.slice(0, s.maxLength);
  return text;
}

function sampleNumber(s: JsonSchema, integer: boolean): number {
  if (typeof s.default === 'number') return s.default;
  let n = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
  if (s.maximum !== undefined && n > s.maximum) n = s.maximum;
  if (s.multipleOf) n = Math.ceil(n / s.multipleOf) * s.multipleOf;
  return integer ? Math.ceil(n) : n;
}

/**
 * A value the schema accepts: required fields only (optional ones are the mutations' business),
 * strings carrying the user's marker so another user's data is recognisable in a response.
 */
export function validSample(schema: JsonSchema, marker: string, field = '', depth = 0): unknown {
  const s = resolve(schema);
  const e = enumOf(schema);
  if (e) return s.default !== undefined && e.includes(s.default) ? s.default : e[0];
  if (s.default !== undefined) return s.default;
  if (s.examples?.length) return s.examples[0];
  switch (kindOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth > 6) return out;
      for (const name of s.required ?? []) out[name] = validSample(s.properties?.[name] ?? {}, marker, name, depth + 1);
      // `minProperties` (an update with at least one field): add optional scalar fields until it holds.
      for (const [name, sub] of Object.entries(s.properties ?? {})) {
        if (Object.keys(out).length >= (s.minProperties ?? 0)) break;
        if (!(name in out) && ['string', 'integer', 'number', 'boolean'].includes(kindOf(sub)))
          out[name] = validSample(sub, marker, name, depth + 1);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => validSample(s.items ?? {}, marker, field, depth + 1));
    case 'integer':
      return sampleNumber(s, true);
    case 'number':
      return sampleNumber(s, false);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return sampleString(s, marker, field);
  }
}

/** Strings that break naive code: empty, huge, control and bidi characters, lone surrogates, injections. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\t\r\n',
    'a'.repeat(10_001),
    'é'.repeat(5_000),
    '\u0000',
    'fuzz\u0000zero',
    '\u0007\u001b[31mred\u001b[0m',
    '\u202Etxt.exe',
    '\u2066\u200Fx\u2069\u200E',
    '\uD800',
    '\uDFFF\uD800',
    '../../../../etc/passwd',
    '..\\..\\..\\windows\\win.ini',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/etc/passwd',
    'file:///etc/passwd',
    '<script>alert(1)</script>',
    "' OR '1'='1' --",
    '${7*7}{{7*7}}',
    '🎵'.repeat(64),
    '__proto__',
    'null',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Numbers at and beyond the edges, as the text a client would send. */
export const hostileNumberText: fc.Arbitrary<string> = fc.constantFrom(
  '1e309',
  '-1e309',
  '-0',
  '1e-400',
  '0',
  '-1',
  '2147483648',
  '9007199254740993',
  '1.5',
  '1e3',
  '-2.5e-3',
);

/** Query-string only: text no JSON number can be. */
export const hostileQueryNumber: fc.Arbitrary<string> = fc.oneof(
  hostileNumberText,
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '0x1', ' 7', '7 ', '1_000', '', '+1', '.5', '5.'),
);

/** A value of the wrong JSON type for a field of `kind`. */
export function wrongType(kind: string): fc.Arbitrary<unknown> {
  const all: Record<string, unknown[]> = {
    string: [0, -1, true, null, [], {}, ['a'], { a: 'b' }],
    integer: ['1', '', 'one', 1.5, true, null, [], {}, [1]],
    number: ['1', '', 'NaN', true, null, [], {}, [1]],
    boolean: ['true', 1, 0, null, [], {}],
    array: ['a', 1, null, {}, true, [[[[[]]]]]],
    object: ['a', 1, null, [], true],
  };
  return fc.constantFrom(...(all[kind] ?? all.string!));
}

/** Values just outside the schema's bounds, written raw so they reach the server as sent. */
export function outOfBounds(schema: JsonSchema): unknown[] {
  const s = resolve(schema);
  const out: unknown[] = [];
  const kind = kindOf(schema);
  if (kind === 'integer' || kind === 'number') {
    if (s.maximum !== undefined) out.push(s.maximum + 1);
    if (s.minimum !== undefined) out.push(s.minimum - 1);
    if (s.multipleOf) out.push((s.minimum ?? 0) + s.multipleOf / 2 + s.multipleOf);
  }
  if (kind === 'string') {
    if (s.maxLength !== undefined && s.maxLength < 20_000) out.push('Q'.repeat(s.maxLength + 1));
    if (s.minLength) out.push('Q'.repeat(s.minLength - 1));
    const e = enumOf(schema);
    if (e) out.push(`${String(e[0])}-unknown`);
  }
  if (kind === 'array' && s.maxItems !== undefined && s.maxItems < 1000)
    out.push(Array.from({ length: s.maxItems + 1 }, () => validSample(s.items ?? {}, 'zqX9')));
  return out;
}
