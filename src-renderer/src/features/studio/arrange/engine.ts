import { arrangementEnd, frameOf, laneGains, type Arrangement } from '../../../../../src-shared/api/arrangement';
import { nativeContext } from '../audio/tone-context';

/**
 * The arrangement's mixer in Web Audio: per lane the clips are summed, down-mixed to mono
 * ("speakers": (L+R)/2), and sent left and right through the lane's gains (volume, equal-power
 * pan, mute, solo from `laneGains`). The server's mix (media/arrange-mix.ts) makes the same sum, so
 * what plays here, what renders offline here and what the server exports agree.
 */

export type Buffers = ReadonlyMap<number, AudioBuffer>;

/** Schedules the part [from, to) of the timeline to sound from context time `when` into `out`. */
function schedule(
  ctx: BaseAudioContext,
  out: AudioNode,
  doc: Arrangement,
  buffers: Buffers,
  from: number,
  to: number,
  when: number,
): AudioScheduledSourceNode[] {
  const rate = ctx.sampleRate;
  const at = (t: number) => frameOf(t, rate) / rate;
  const anySolo = doc.lanes.some((l) => l.solo);
  const sources: AudioScheduledSourceNode[] = [];
  for (const lane of doc.lanes) {
    const gains = laneGains(lane, anySolo);
    if (gains.left === 0 && gains.right === 0) continue;
    const mono = new GainNode(ctx, { channelCount: 1, channelCountMode: 'explicit', channelInterpretation: 'speakers' });
    const merger = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
    const [left, right] = [new GainNode(ctx, { gain: gains.left }), new GainNode(ctx, { gain: gains.right })];
    mono.connect(left).connect(merger, 0, 0);
    mono.connect(right).connect(merger, 0, 1);
    merger.connect(out);
    for (const clip of lane.clips) {
      const buffer = buffers.get(clip.trackId);
      const start = at(clip.start);
      const end = start + at(clip.length);
      if (!buffer || end <= from || start >= to) continue;
      const begin = Math.max(start, from);
      const source = new AudioBufferSourceNode(ctx, { buffer });
      source.connect(mono);
      source.start(when + (begin - from), at(clip.offset) + (begin - start), Math.min(end, to) - begin);
      sources.push(source);
    }
  }
  return sources;
}

/** The arrangement rendered offline at `sampleRate`, as long as its last clip. */
export function renderOffline(doc: Arrangement, buffers: Buffers, sampleRate: number): Promise<AudioBuffer> {
  const end = arrangementEnd(doc);
  const ctx = new OfflineAudioContext(2, Math.max(1, frameOf(end, sampleRate)), sampleRate);
  schedule(ctx, ctx.destination, doc, buffers, 0, end, 0);
  return ctx.startRendering();
}

/** How far apart two renders are: the residual's energy against the reference's, in dB. */
export function residualDb(reference: AudioBuffer, other: AudioBuffer): number {
  let signal = 0;
  let residual = 0;
  const frames = Math.min(reference.length, other.length);
  for (let c = 0; c < Math.min(reference.numberOfChannels, other.numberOfChannels); c++) {
    const a = reference.getChannelData(c);
    const b = other.getChannelData(c);
    for (let i = 0; i < frames; i++) {
      signal += a[i]! * a[i]!;
      residual += (a[i]! - b[i]!) ** 2;
    }
  }
  return signal === 0 ? -Infinity : 10 * Math.log10(Math.max(residual, 1e-30) / signal);
}

interface Segment {
  when: number;
  from: number;
  to: number;
  sources: AudioScheduledSourceNode[];
}

/**
 * Live playback on the app's audio context: plays from a position, around the loop when one is
 * on (each pass scheduled shortly before the last one ends), through a master bus with a meter.
 */
export class ArrangePlayer {
  readonly ctx = nativeContext;
  private readonly master = new GainNode(this.ctx);
  private readonly meters: AnalyserNode[];
  private readonly meterData = new Float32Array(1024);
  private segments: Segment[] = [];
  private doc: Arrangement | null = null;
  private buffers: Buffers = new Map();
  private loop: { start: number; end: number } | null = null;

  constructor() {
    const splitter = new ChannelSplitterNode(this.ctx, { numberOfOutputs: 2 });
    this.meters = [0, 1].map(() => new AnalyserNode(this.ctx, { fftSize: 1024 }));
    this.master.connect(this.ctx.destination);
    this.master.connect(splitter);
    this.meters.forEach((m, i) => splitter.connect(m, i));
  }

  get playing(): boolean {
    return this.segments.length > 0;
  }

  /** Starts (or restarts, after an edit) at `from` seconds. */
  play(doc: Arrangement, buffers: Buffers, from: number, loop: { start: number; end: number } | null): void {
    this.stop();
    this.doc = doc;
    this.buffers = buffers;
    this.loop = loop && from < loop.end ? loop : null;
    const to = this.loop ? this.loop.end : arrangementEnd(doc);
    this.push(this.ctx.currentTime + 0.05, from, to);
  }

  private push(when: number, from: number, to: number): void {
    this.segments.push({ when, from, to, sources: schedule(this.ctx, this.master, this.doc!, this.buffers, from, to, when) });
  }

  /** The timeline position now; schedules the next pass of the loop when the current one nears its end. Null when stopped. */
  position(): number | null {
    const now = this.ctx.currentTime;
    const last = this.segments.at(-1);
    if (!last) return null;
    const lastEnd = last.when + (last.to - last.from);
    if (this.loop && lastEnd - now < 0.25) this.push(lastEnd, this.loop.start, this.loop.end);
    while (this.segments.length > 1 && this.segments[1]!.when <= now) this.segments.shift();
    const current = this.segments[0]!;
    if (!this.loop && now >= lastEnd) {
      this.stop();
      return null;
    }
    return Math.max(current.from, current.from + (now - current.when));
  }

  /** Context time at which the timeline reaches `t` in the current pass (for punch-in). */
  contextTimeOf(t: number): number | null {
    const s = this.segments[0];
    return s ? s.when + (t - s.from) : null;
  }

  stop(): void {
    for (const segment of this.segments) for (const s of segment.sources) s.stop();
    this.segments = [];
  }

  /** Peak level of the master bus, left and right, 0…1 (and above when it clips). */
  levels(): [number, number] {
    return this.meters.map((m) => {
      m.getFloatTimeDomainData(this.meterData);
      let peak = 0;
      for (const v of this.meterData) peak = Math.max(peak, Math.abs(v));
      return peak;
    }) as [number, number];
  }

  dispose(): void {
    this.stop();
    this.master.disconnect();
  }
}
