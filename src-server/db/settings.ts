import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { settings } from './schema';

/** Installation-wide preferences, typed per key. */
export interface SettingsShape {
  lan: { enabled: boolean };
  /** How the job lanes are shared with LAN peers (see src-server/jobs/README.md). */
  queue: { ownerFirst: boolean; peerMaxQueued: number | null; peerDailySeconds: number | null };
  /** Google sign-in ("desktop app" client); `issuer` only changes for tests. */
  'oauth.google': { clientId: string | null; clientSecret: string | null; issuer: string };
  /** Discord sign-in (OAuth2 application); `apiBase` only changes for tests. */
  'oauth.discord': { clientId: string | null; clientSecret: string | null; apiBase: string };
  /** Sign-in for every provider: extra origins `return_url` may point at, and where providers send the browser back. */
  oauth: { returnOrigins: string[]; redirectVia: 'loopback' | 'lan' };
  /** The image model a canvas generate request without `model` uses; null: the best installed one the plan allows. */
  imageModel: { default: string | null };
  /** Days finished jobs are kept (0: forever); null: ATELIER_JOB_RETENTION_DAYS. */
  retention: { days: number | null };
  /** An ffmpeg chosen in Settings, tried before every other (media/ffmpeg.ts); null: the usual order. */
  ffmpeg: { path: string | null };
}

export const SETTING_DEFAULTS: SettingsShape = {
  lan: { enabled: false },
  queue: { ownerFirst: true, peerMaxQueued: null, peerDailySeconds: null },
  'oauth.google': { clientId: null, clientSecret: null, issuer: 'https://accounts.google.com' },
  'oauth.discord': { clientId: null, clientSecret: null, apiBase: 'https://discord.com' },
  oauth: { returnOrigins: [], redirectVia: 'loopback' },
  imageModel: { default: null },
  retention: { days: null },
  ffmpeg: { path: null },
};

export function readSetting<K extends keyof SettingsShape>(db: Db, key: K): SettingsShape[K] {
  const row = db.select().from(settings).where(eq(settings.key, key)).get();
  return (row?.value as SettingsShape[K] | undefined) ?? SETTING_DEFAULTS[key];
}

export function writeSetting<K extends keyof SettingsShape>(db: Db, key: K, value: SettingsShape[K], now: number): void {
  const updatedAt = new Date(now).toISOString();
  db.insert(settings).values({ key, value, updatedAt }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt } }).run();
}
