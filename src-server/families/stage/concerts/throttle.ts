/**
 * At most `limit` actions per key in any `windowMs` (a sliding window of their times), in memory:
 * listeners' reactions and requests over the socket, counted per seat.
 */
export class Throttle {
  private readonly times = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts an action and answers 0, or answers the ms to wait when the key is over its limit (nothing counted). */
  take(key: string): number {
    const now = this.now();
    const recent = (this.times.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.times.set(key, recent);
      return recent[0]! + this.windowMs - now;
    }
    recent.push(now);
    this.times.set(key, recent);
    return 0;
  }

  /** Forgets a key (its seat was freed). */
  forget(key: string): void {
    this.times.delete(key);
  }
}
