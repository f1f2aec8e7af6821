/**
 * When the app may look for, download or install an update. Pure, so it is unit-tested without
 * Electron (test/main/update-gate.test.ts); updates.ts asks it before every step.
 */
export interface UpdateConditions {
  /** The release feed set at build time (electron-builder `publish`, from ATELIER_UPDATE_URL); null: updates are off. */
  feed: string | null;
  /** Only an installed app updates itself; `npm start` never does. */
  packaged: boolean;
  /** Jobs queued or running (a generation, a compose, a download): an update never interrupts one. */
  openJobs: number;
}

export type UpdateDecision = { allowed: true } | { allowed: false; reason: string };

export function updateDecision({ feed, packaged, openJobs }: UpdateConditions): UpdateDecision {
  if (!feed) return { allowed: false, reason: 'no release feed was set when this build was made' };
  if (!packaged) return { allowed: false, reason: 'this is not an installed build' };
  if (openJobs > 0) return { allowed: false, reason: `${openJobs} job${openJobs === 1 ? ' is' : 's are'} queued or running` };
  return { allowed: true };
}

/** The feed URL from the app-update.yml electron-builder writes when `publish` is set (`url: ...`), or null. */
export function feedFromUpdateYml(text: string | null): string | null {
  if (!text) return null;
  const url = /^url:\s*['"]?([^'"\s]+)['"]?\s*$/m.exec(text)?.[1];
  return url && /^https?:\/\//.test(url) ? url : null;
}
