import path from 'node:path';
import { LOCATION_FILE, readDataLocation } from './data-location';
import { defaultDataDir } from './paths';

export interface AtelierConfig {
  /** Interface the HTTP server binds to. Loopback unless the user chose otherwise. */
  host: string;
  port: number;
  /** Root of everything Atelier writes: database, files, models, secrets. */
  dataDir: string;
  /** The pointer a data-folder move writes (data-location.ts); null when ATELIER_DATA_DIR chooses the folder. */
  dataLocationFile: string | null;
  /** Requests per minute per client before 429 (per family envelope). */
  rateLimitMax: number;
  /** Requests per minute per client on the login and registration routes. */
  authRateLimitMax: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where the built web UI lives; served at /app/ when present. */
  webRoot: string | null;
  /** The canvas family's paid plans; a local installation leaves it unset and sells nothing. */
  lemonSqueezy: LemonSqueezyConfig;
  /** `ATELIER_JOB_RETENTION_DAYS`: finished jobs older than this are pruned (default 30; 0 keeps them all). */
  jobRetentionDays: number;
  /** `ATELIER_CATALOG_URL`: where catalog models download from (`<url>/<repo>/resolve/<revision>/<file>`); default https://huggingface.co. */
  catalogUrl: string;
  /** `ATELIER_CATALOG_FILE`: a model catalog to use instead of the bundled one (a mirror's, or a test's). */
  catalogFile: string | null;
  /**
   * `ATELIER_DEV_PROMO` (comma list; off by default, for the end-to-end tests and development):
   * `loopback-crawl` lets the promo crawl fetch a site on this machine's loopback address (never the
   * LAN), `quick-render` renders promo videos small and short.
   */
  promoDev: { loopbackCrawl: boolean; quickRender: boolean };
}

/**
 * Lemon Squeezy billing. Checkout needs `apiKey`, `storeId` and the plan's variant; webhooks need
 * `webhookSecret`. Variants are keyed `plan:cycle` (`pro:monthly`, `studio:yearly`).
 */
export interface LemonSqueezyConfig {
  /** `LEMONSQUEEZY_API_BASE`, default https://api.lemonsqueezy.com */
  apiBase: string;
  /** `LEMONSQUEEZY_API_KEY` */
  apiKey: string | null;
  /** `LEMONSQUEEZY_STORE_ID` */
  storeId: string | null;
  /** `LEMONSQUEEZY_WEBHOOK_SECRET`: the signing secret set on the store's webhook. */
  webhookSecret: string | null;
  /** `LEMONSQUEEZY_VARIANTS`: JSON object `{"pro:monthly":"123","pro:yearly":"124",...}`. */
  variants: Record<string, string>;
  /** `LEMONSQUEEZY_TIMEOUT_MS`: how long one call to the API may take, default 10000. */
  timeoutMs: number;
}

export class ConfigError extends Error {}

export { defaultDataDir };

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

const nonEmpty = (v: string | undefined): string | null => (v !== undefined && v.trim() !== '' ? v.trim() : null);

function variantsFrom(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('LEMONSQUEEZY_VARIANTS must be a JSON object like {"pro:monthly":"123"}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError('LEMONSQUEEZY_VARIANTS must be a JSON object like {"pro:monthly":"123"}');
  const variants: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^[a-z]+:(monthly|yearly)$/.test(key))
      throw new ConfigError(`LEMONSQUEEZY_VARIANTS key "${key}" must be plan:monthly or plan:yearly`);
    if ((typeof value !== 'string' && typeof value !== 'number') || String(value).trim() === '')
      throw new ConfigError(`LEMONSQUEEZY_VARIANTS["${key}"] must be a variant id`);
    variants[key] = String(value).trim();
  }
  return variants;
}

function catalogUrlFrom(raw: string | undefined): string {
  const value = nonEmpty(raw) ?? 'https://huggingface.co';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`ATELIER_CATALOG_URL must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`ATELIER_CATALOG_URL must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function promoDevFrom(raw: string | undefined): AtelierConfig['promoDev'] {
  const words = (raw ?? '')
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  const unknown = words.filter((w) => w !== 'loopback-crawl' && w !== 'quick-render');
  if (unknown.length > 0) throw new ConfigError(`ATELIER_DEV_PROMO takes loopback-crawl and quick-render, not "${unknown.join(', ')}"`);
  return { loopbackCrawl: words.includes('loopback-crawl'), quickRender: words.includes('quick-render') };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AtelierConfig> = {}): AtelierConfig {
  const logLevel = (env.LOG_LEVEL ?? 'info') as AtelierConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    host: env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : '127.0.0.1',
    port: intFrom(env, 'PORT', 8000, 0, 65535),
    dataDir: path.resolve(
      env.ATELIER_DATA_DIR && env.ATELIER_DATA_DIR !== ''
        ? env.ATELIER_DATA_DIR
        : (readDataLocation(path.join(defaultDataDir(), LOCATION_FILE)) ?? defaultDataDir()),
    ),
    dataLocationFile: env.ATELIER_DATA_DIR && env.ATELIER_DATA_DIR !== '' ? null : path.join(defaultDataDir(), LOCATION_FILE),
    rateLimitMax: intFrom(env, 'ATELIER_RATE_LIMIT', 1200, 1, 10_000_000),
    authRateLimitMax: intFrom(env, 'ATELIER_AUTH_RATE_LIMIT', 30, 1, 10_000_000),
    logLevel,
    webRoot: env.ATELIER_WEB_ROOT ?? null,
    jobRetentionDays: intFrom(env, 'ATELIER_JOB_RETENTION_DAYS', 30, 0, 36_500),
    catalogUrl: catalogUrlFrom(env.ATELIER_CATALOG_URL),
    catalogFile: nonEmpty(env.ATELIER_CATALOG_FILE),
    promoDev: promoDevFrom(env.ATELIER_DEV_PROMO),
    lemonSqueezy: {
      apiBase: (nonEmpty(env.LEMONSQUEEZY_API_BASE) ?? 'https://api.lemonsqueezy.com').replace(/\/+$/, ''),
      apiKey: nonEmpty(env.LEMONSQUEEZY_API_KEY),
      storeId: nonEmpty(env.LEMONSQUEEZY_STORE_ID),
      webhookSecret: nonEmpty(env.LEMONSQUEEZY_WEBHOOK_SECRET),
      variants: variantsFrom(env.LEMONSQUEEZY_VARIANTS),
      timeoutMs: intFrom(env, 'LEMONSQUEEZY_TIMEOUT_MS', 10_000, 1, 600_000),
    },
    ...overrides,
  };
}
