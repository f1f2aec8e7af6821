import fp from 'fastify-plugin';
import { coreError } from '../../http/family';

export const MAX_TEXT_FIELD = 10_000;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Body fields that carry data rather than text (base64 images) and are exempt from the cap. */
    longFields?: readonly string[];
  }
}

/**
 * Characters XML 1.0 cannot carry (C0 controls other than tab and line breaks, U+FFFE/U+FFFF, lone
 * surrogates): text with them breaks the SVG covers, the PNG metadata and any client that parses
 * it back, so no text field stores them.
 */
const INVALID_TEXT =
  // eslint-disable-next-line no-control-regex -- these control characters are exactly what is refused
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const hasInvalidText = (text: string) => INVALID_TEXT.test(text);

type TextProblem = { field: string; problem: 'long' | 'invalid' };

function findBadText(value: unknown, path: string, exempt: ReadonlySet<string>, depth = 0): TextProblem | null {
  if (typeof value === 'string') {
    if (value.length > MAX_TEXT_FIELD && !exempt.has(path)) return { field: path || 'body', problem: 'long' };
    return hasInvalidText(value) ? { field: path || 'body', problem: 'invalid' } : null;
  }
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const hit = findBadText(v, path ? `${path}.${k}` : k, exempt, depth + 1);
    if (hit) return hit;
  }
  return null;
}

/**
 * Every family caps text fields at 10,000 characters (the stories spec states it; all follow) and
 * refuses characters that are not valid text.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      if (!request.body || typeof request.body !== 'object' || Buffer.isBuffer(request.body)) return;
      const bad = findBadText(request.body, '', new Set(request.routeOptions.config.longFields ?? []));
      if (bad?.problem === 'long')
        throw coreError(request.dialect, 'validation', `body.${bad.field} must be at most ${MAX_TEXT_FIELD} characters`);
      if (bad) throw coreError(request.dialect, 'validation', `body.${bad.field} contains control characters that are not allowed in text`);
    });
  },
  { name: 'limits' },
);
