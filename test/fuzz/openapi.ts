/** The operations of the app's own OpenAPI document, in the shape the fuzzer needs. */

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minProperties?: number;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  examples?: unknown[];
  example?: unknown;
  description?: string;
  $ref?: string;
};

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** `GET /api/v1/boards/{board_id}`: the key failures and known cases name. */
  key: string;
  method: string;
  path: string;
  family: string;
  params: Param[];
  body: { contentType: string; schema: JsonSchema; required: boolean } | null;
  statuses: number[];
  secured: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function deref(doc: Record<string, unknown>, schema: JsonSchema | undefined): JsonSchema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) {
    const parts = s.$ref.replace(/^#\//, '').split('/');
    s = parts.reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], doc) as JsonSchema;
  }
  return s ?? {};
}

export function operationsOf(doc: Record<string, unknown>): Operation[] {
  const ops: Operation[] = [];
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = ((op.parameters as Array<Record<string, unknown>> | undefined) ?? []).map((p) => ({
        name: String(p.name),
        in: p.in as Param['in'],
        required: Boolean(p.required),
        schema: deref(doc, p.schema as JsonSchema),
      }));
      const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }>; required?: boolean } | undefined)?.content;
      const contentType = content ? Object.keys(content)[0] : undefined;
      const body = contentType
        ? {
            contentType,
            schema: deref(doc, content![contentType]!.schema),
            required: Boolean((op.requestBody as { required?: boolean }).required),
          }
        : null;
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        family: ((op.tags as string[] | undefined) ?? ['system'])[0]!,
        params,
        body,
        statuses: Object.keys((op.responses as Record<string, unknown> | undefined) ?? {}).map(Number),
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return ops;
}

/** `{board_id}` and Fastify's wildcard `{*}`, in order. */
export const pathParamNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
