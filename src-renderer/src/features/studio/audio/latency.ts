import * as Tone from './tone';
import type { Microphone } from './microphone';

export interface Latency {
  /** Round trip from a scheduled sound to its arrival in the capture, in seconds. */
  seconds: number;
  method: 'loopback' | 'estimate';
}

const KEY = 'atelier.studio.latency';

export function savedLatency(): Latency | null {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Latency | null;
    return value && typeof value.seconds === 'number' ? value : null;
  } catch {
    return null;
  }
}

export function saveLatency(latency: Latency): void {
  localStorage.setItem(KEY, JSON.stringify(latency));
}

/** What the browser reports: output buffering plus the input device's own latency. */
export function estimateLatency(mic: Microphone): Latency {
  const raw = Tone.getContext().rawContext as unknown as { baseLatency?: number; outputLatency?: number };
  return { seconds: (raw.baseLatency ?? 0) + (raw.outputLatency ?? 0) + mic.deviceLatency(), method: 'estimate' };
}

const CLICKS = 5;
const SPACING = 0.4;

/**
 * Plays clicks through the speakers and listens for them in the microphone. Answers null unless
 * at least four clicks come back with the same delay (within 2 ms): a room too quiet, or music
 * already playing into the input, must not pass for a measurement.
 */
export async function measureLoopback(mic: Microphone): Promise<Latency | null> {
  const context = Tone.getContext();
  const rate = context.sampleRate;
  const click = new Tone.Oscillator({ frequency: 1000, type: 'square', volume: -6 }).toDestination();
  const first = context.currentTime + 0.3;
  const times = Array.from({ length: CLICKS }, (_, i) => first + i * SPACING);
  for (const t of times) {
    click.start(t);
    click.stop(t + 0.004);
  }
  mic.start(false);
  await new Promise((resolve) => setTimeout(resolve, (0.3 + CLICKS * SPACING + 0.2) * 1000));
  const floorFrom = Math.round((first - 0.25) * rate);
  const captured = mic.peek(floorFrom);
  await mic.stop(floorFrom);
  click.dispose();

  const noise = rms(captured.subarray(0, Math.round(0.2 * rate)));
  const threshold = Math.max(0.02, noise * 8);
  const delays: number[] = [];
  for (const t of times) {
    const from = Math.round((t - first + 0.25) * rate);
    const window = captured.subarray(from, from + Math.round(SPACING * 0.9 * rate));
    const hit = window.findIndex((v) => Math.abs(v) > threshold);
    if (hit >= 0) delays.push(hit / rate);
  }
  if (delays.length < CLICKS - 1) return null;
  delays.sort((a, b) => a - b);
  const median = delays[Math.floor(delays.length / 2)]!;
  const agreeing = delays.filter((d) => Math.abs(d - median) < 0.002);
  return agreeing.length >= CLICKS - 1 ? { seconds: median, method: 'loopback' } : null;
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}
