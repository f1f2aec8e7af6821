import captureWorkletUrl from './capture.worklet.ts?worker&url';
import { audioReady } from './context';
import { nativeContext } from './tone-context';

let workletLoaded: Promise<void> | null = null;

interface Block {
  frame: number;
  samples: Float32Array;
}

/**
 * The open microphone: a level for the meter, and a capture of its samples stamped with the audio
 * context's frame counter (so takes line up with Tone's Transport), plus the raw stream as the
 * browser encodes it (MediaRecorder), kept as the track's raw recording.
 */
export class Microphone {
  private blocks: Block[] = [];
  private capturing = false;
  private recorder: MediaRecorder | null = null;
  private rawChunks: Blob[] = [];
  private readonly meterData: Float32Array<ArrayBuffer>;

  private constructor(
    readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly analyser: AnalyserNode,
    private readonly capture: AudioWorkletNode,
    private readonly sink: GainNode,
  ) {
    this.meterData = new Float32Array(analyser.fftSize);
    capture.port.onmessage = (event: MessageEvent<Block>) => {
      if (this.capturing) this.blocks.push(event.data);
    };
  }

  /** Opens the input `deviceId` (from `inputDevices()`), or the system's default input. */
  static async open(deviceId?: string): Promise<Microphone> {
    await audioReady();
    // Processing meant for calls (echo cancelling, gain riding) colours a musical take.
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
        ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      },
    });
    // A processor name can be registered once per context.
    workletLoaded ??= nativeContext.audioWorklet.addModule(captureWorkletUrl);
    await workletLoaded;
    const source = nativeContext.createMediaStreamSource(stream);
    const analyser = nativeContext.createAnalyser();
    analyser.fftSize = 2048;
    const capture = new AudioWorkletNode(nativeContext, 'atelier-capture', { numberOfInputs: 1, numberOfOutputs: 1 });
    // A silent path to the speakers keeps the capture node pulled by the graph.
    const sink = nativeContext.createGain();
    sink.gain.value = 0;
    source.connect(analyser);
    source.connect(capture);
    capture.connect(sink);
    sink.connect(nativeContext.destination);
    return new Microphone(stream, source, analyser, capture, sink);
  }

  /** The input's peak level now, 0..1. */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.meterData);
    let peak = 0;
    for (const v of this.meterData) peak = Math.max(peak, Math.abs(v));
    return Math.min(1, peak);
  }

  /** Input latency the browser reports for the device, in seconds (Chromium exposes it). */
  deviceLatency(): number {
    const settings = this.stream.getAudioTracks()[0]?.getSettings() as (MediaTrackSettings & { latency?: number }) | undefined;
    return settings?.latency ?? 0;
  }

  start(withRaw = true): void {
    this.blocks = [];
    this.capturing = true;
    this.rawChunks = [];
    if (withRaw && typeof MediaRecorder !== 'undefined') {
      this.recorder = new MediaRecorder(this.stream);
      this.recorder.ondataavailable = (event) => event.data.size > 0 && this.rawChunks.push(event.data);
      this.recorder.start();
    }
  }

  /** Stops capturing; answers the samples from context frame `from` on, and the raw recording. */
  async stop(from: number): Promise<{ samples: Float32Array; raw: Blob | null }> {
    this.capturing = false;
    const raw = await new Promise<Blob | null>((resolve) => {
      const recorder = this.recorder;
      if (!recorder || recorder.state === 'inactive') return resolve(null);
      recorder.onstop = () => resolve(this.rawChunks.length ? new Blob(this.rawChunks, { type: recorder.mimeType }) : null);
      recorder.stop();
    });
    this.recorder = null;
    return { samples: samplesFrom(this.blocks, from), raw };
  }

  /** Samples from context frame `from` on, for a short capture (latency measurement). */
  peek(from: number): Float32Array {
    return samplesFrom(this.blocks, from);
  }

  close(): void {
    this.capturing = false;
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.source.disconnect();
    this.capture.disconnect();
    this.sink.disconnect();
    this.capture.port.onmessage = null;
    for (const track of this.stream.getTracks()) track.stop();
  }
}

/** The audio inputs this browser may use (named once the microphone was allowed). */
export async function inputDevices(): Promise<{ deviceId: string; label: string }[]> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices
    .filter((d) => d.kind === 'audioinput' && d.deviceId)
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Input ${i + 1}` }));
}

function samplesFrom(blocks: Block[], from: number): Float32Array {
  const start = Math.round(from);
  const total = blocks.reduce((n, b) => n + Math.max(0, Math.min(b.samples.length, b.frame + b.samples.length - start)), 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const b of blocks) {
    const skip = Math.max(0, start - b.frame);
    if (skip >= b.samples.length) continue;
    out.set(b.samples.subarray(skip), at);
    at += b.samples.length - skip;
  }
  return out;
}
