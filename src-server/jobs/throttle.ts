/**
 * Runs `fire` at most once per interval: at once when the interval has passed, else once at its
 * end with whatever is newest by then. Handlers may report progress far faster than clients or
 * SQLite need it; the trailing call makes sure the last report is never dropped.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly fire: () => void,
  ) {}

  /** `urgent` skips the wait (a new stage should show at once). */
  request(urgent = false): void {
    const wait = urgent ? 0 : this.last + this.intervalMs - performance.now();
    if (wait <= 0) {
      this.cancel();
      this.run();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, wait);
    // A pending progress write must not keep a finished process alive.
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    this.last = performance.now();
    this.fire();
  }
}
