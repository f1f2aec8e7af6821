/**
 * NTP-style clock offset estimation, shared by the concert page, the server's tests and the bench.
 * One exchange: the client sends t0 (its clock), the server answers t1 (its clock), the answer
 * arrives at t3 (client clock). With a symmetric path, offset = t1 - (t0 + t3) / 2 and the error
 * is at most half the round trip, so the exchange with the smallest round trip is the best one.
 */

export interface ClockSample {
  t0: number;
  t1: number;
  t3: number;
}

export interface ClockEstimate {
  /** Add to the local clock to get the server's. */
  offset: number;
  /** Round trip of the sample chosen, ms. */
  rtt: number;
  /** Upper bound of the error, ms (half that round trip). */
  errorBound: number;
  samples: number;
}

/** Best-of-N: the sample with the smallest round trip; among near-ties, the median of their offsets. */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockEstimate {
  const valid = samples.filter((s) => Number.isFinite(s.t0) && Number.isFinite(s.t1) && Number.isFinite(s.t3) && s.t3 >= s.t0);
  if (valid.length === 0) throw new RangeError('no usable clock samples');
  const withRtt = valid.map((s) => ({ rtt: s.t3 - s.t0, offset: s.t1 - (s.t0 + s.t3) / 2 })).sort((a, b) => a.rtt - b.rtt);
  const best = withRtt[0]!;
  // Samples within 0.5 ms of the best round trip are as good: their median damps timer jitter.
  const near = withRtt
    .filter((s) => s.rtt <= best.rtt + 0.5)
    .map((s) => s.offset)
    .sort((a, b) => a - b);
  const mid = near.length >> 1;
  const offset = near.length % 2 === 1 ? near[mid]! : (near[mid - 1]! + near[mid]!) / 2;
  return { offset, rtt: best.rtt, errorBound: best.rtt / 2, samples: valid.length };
}

/** Runs `count` exchanges one after another (a pause between them avoids queueing behind each other). */
export async function measureClockOffset(
  ping: (t0: number) => Promise<number>,
  now: () => number,
  count = 8,
  gapMs = 30,
): Promise<ClockEstimate> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    try {
      const t1 = await ping(t0);
      samples.push({ t0, t1, t3: now() });
    } catch {
      // A lost exchange is skipped; the others still estimate.
    }
    if (i < count - 1 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  return estimateClockOffset(samples);
}

/** Where a listener should be in the current song, seconds, given the server clock now. */
export function expectedPosition(serverNow: number, songStartedAt: number): number {
  return Math.max(0, (serverNow - songStartedAt) / 1000);
}

export interface DriftCorrection {
  /** Seek to this position (seconds) now, or null to keep playing. */
  seekTo: number | null;
  /** The playback rate to run at until the next check. */
  playbackRate: number;
}

/**
 * How to close the gap between where the audio element is and where it should be. Large gaps
 * (a late join, a stall) seek; small ones are absorbed by a gentle rate change, which is inaudible
 * (below 1% for music) where a seek would click.
 */
export function correctDrift(
  actual: number,
  expected: number,
  opts: { seekAbove?: number; ignoreBelow?: number; maxRateChange?: number } = {},
): DriftCorrection {
  const seekAbove = opts.seekAbove ?? 0.25;
  const ignoreBelow = opts.ignoreBelow ?? 0.01;
  const maxRateChange = opts.maxRateChange ?? 0.01;
  const drift = expected - actual; // > 0: behind, play faster
  if (Math.abs(drift) > seekAbove) return { seekTo: expected, playbackRate: 1 };
  if (Math.abs(drift) < ignoreBelow) return { seekTo: null, playbackRate: 1 };
  // Catch up over about two seconds, within the rate limit.
  const rate = 1 + Math.max(-maxRateChange, Math.min(maxRateChange, drift / 2));
  return { seekTo: null, playbackRate: rate };
}
