import type { ImageService } from '../images/service';
import { storageQuotaBytes, tierOf } from '../plans/tiers';

/** Bytes the account stores against its quota: images, their thumbnails and saved workflows. */
export function usedBytes(usage: { images: number; thumbnails: number; workflows: number }): number {
  return usage.images + usage.thumbnails + usage.workflows;
}

/** What the account's files take against its plan's quota. */
export function storageUsage(images: ImageService, userId: string, tierName: string) {
  const usage = images.usage(userId);
  const used = usedBytes(usage);
  const quota = storageQuotaBytes(tierOf(tierName));
  return {
    used_bytes: used,
    quota_bytes: quota,
    used_percentage: Math.round((used / quota) * 10_000) / 100,
    breakdown: { images: usage.images, workflows: usage.workflows, other: usage.thumbnails },
  };
}
