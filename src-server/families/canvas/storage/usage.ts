import type { ImageService } from '../images/service';
import { storageQuotaBytes, tierOf } from '../plans/tiers';

/** What the account's files take against its plan's quota. */
export function storageUsage(images: ImageService, userId: string, tierName: string) {
  const usage = images.usage(userId);
  const used = usage.images + usage.thumbnails;
  const quota = storageQuotaBytes(tierOf(tierName));
  return {
    used_bytes: used,
    quota_bytes: quota,
    used_percentage: Math.round((used / quota) * 10_000) / 100,
    breakdown: { images: usage.images, workflows: 0, other: usage.thumbnails },
  };
}
