import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for responses), compiled on a
 * route's first use instead of at boot. Compiling every route's schemas up front was the largest
 * part of a cold start (a CPU profile: ~0.8 s of ~2.5 s, growing with each route), and most routes
 * are never called in a session. A request pays a few milliseconds once per route and part.
 */

type Validate = ((this: unknown, data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type CompileValidator = (route: unknown) => Validate;
type Serialize = (doc: unknown) => string;
type CompileSerializer = (route: unknown) => Serialize;

type SchemaNode = {
  type?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: unknown;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
};

const typesOf = (s: SchemaNode): unknown[] => [
  ...(Array.isArray(s.type) ? s.type : [s.type]),
  ...[...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap(typesOf),
];

/**
 * Ajv checks a query string's type before coercing it, so `per_page=1e309` arrives as Infinity and
 * `page=1e300` as an "integer" no SQLite offset can hold. The first number that is not finite, or
 * an integer beyond 2^53, as an Ajv error; null when every number is usable.
 */
function unusableNumber(schema: SchemaNode | undefined, data: unknown, path: string): Record<string, unknown> | null {
  if (!schema || typeof schema !== 'object') return null;
  if (typeof data === 'number') {
    const types = typesOf(schema);
    if (!Number.isFinite(data))
      return { keyword: 'type', instancePath: path, schemaPath: '#/type', params: { type: 'number' }, message: 'must be a finite number' };
    if (types.includes('integer') && !types.includes('number') && !Number.isSafeInteger(data)) {
      return {
        keyword: 'maximum',
        instancePath: path,
        schemaPath: '#/maximum',
        params: {},
        message: `must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
      };
    }
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  const branches = [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (Array.isArray(data)) {
    for (const branch of branches) {
      if (!branch.items || typeof branch.items !== 'object') continue;
      for (let i = 0; i < data.length; i++) {
        const bad = unusableNumber(branch.items as SchemaNode, data[i], `${path}/${i}`);
        if (bad) return bad;
      }
    }
    return null;
  }
  for (const branch of branches) {
    for (const [key, sub] of Object.entries(branch.properties ?? {})) {
      const bad = unusableNumber(sub, (data as Record<string, unknown>)[key], `${path}/${key}`);
      if (bad) return bad;
    }
  }
  return null;
}

function lazyValidator(compile: () => Validate, schema: SchemaNode | undefined): Validate {
  let real: Validate | null = null;
  const get = () => (real ??= compile());
  const validate: Validate = function (this: unknown, data, context) {
    const fn = get();
    const result = fn.call(this, data, context);
    // Fastify reads the errors from the function it called.
    validate.errors = fn.errors;
    if (result === true) {
      const bad = unusableNumber(schema, data, '');
      if (bad) {
        validate.errors = [bad];
        return false;
      }
    }
    return result;
  };
  // Fastify checks `schemaEnv` (an Ajv function's) before calling, to let Ajv coerce a root value:
  // reading it compiles, so even the first call behaves as the eager function would.
  Object.defineProperty(validate, 'schemaEnv', { get: () => get().schemaEnv });
  return validate;
}

function lazySerializer(compile: () => Serialize): Serialize {
  let real: Serialize | null = null;
  return (doc) => (real ??= compile())(doc);
}

export function lazySchemaController(): NonNullable<FastifyServerOptions['schemaController']> {
  const buildValidator = AjvCompiler() as unknown as (externalSchemas: unknown, options: unknown) => CompileValidator;
  const buildSerializer = SerializerSelector() as unknown as (externalSchemas: unknown, options: unknown) => CompileSerializer;
  return {
    compilersFactory: {
      buildValidator: ((externalSchemas: unknown, options: { customOptions?: Record<string, unknown> } & Record<string, unknown>) => {
        const compile = buildValidator(externalSchemas, options);
        // JSON bodies carry their own types: `"20"` for a number or `null` for a boolean is an
        // error to report, not a value to coerce. Query strings, params and headers are text.
        // Fields a body schema does not declare are dropped before the handler sees them, as the
        // seeds' Pydantic (`extra="ignore"`) and Jackson did: never stored, never trusted, and the
        // OpenAPI document still lists only the declared ones.
        const compileBody = buildValidator(externalSchemas, {
          ...options,
          customOptions: { ...options.customOptions, coerceTypes: false, removeAdditional: 'all' },
        });
        return (route: { httpPart?: string; schema?: SchemaNode }) =>
          lazyValidator(() => (route.httpPart === 'body' ? compileBody : compile)(route), route.schema);
      }) as never,
      buildSerializer: ((externalSchemas: unknown, options: unknown) => {
        const compile = buildSerializer(externalSchemas, options);
        return (route: unknown) => lazySerializer(() => compile(route));
      }) as never,
    },
  };
}
