/** A stored timestamp: epoch ms as ISO 8601 UTC, the way every table keeps them. */
export const iso = (ms: number) => new Date(ms).toISOString();
