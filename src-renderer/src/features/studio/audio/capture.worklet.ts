/**
 * Runs in the AudioWorkletGlobalScope: hands the microphone's samples (mono) to the page in
 * blocks, each with the context frame it started at, so the page can cut a take exactly where
 * the count-in ended plus the measured latency.
 */

declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

const BLOCK = 2048;

class CaptureProcessor extends AudioWorkletProcessor {
  private block = new Float32Array(BLOCK);
  private filled = 0;
  private blockStart = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const first = channels[0];
    if (!first) return true;
    for (let i = 0; i < first.length; i++) {
      if (this.filled === 0) this.blockStart = currentFrame + i;
      let sum = 0;
      for (const channel of channels) sum += channel[i]!;
      this.block[this.filled++] = sum / channels.length;
      if (this.filled === BLOCK) {
        this.port.postMessage({ frame: this.blockStart, samples: this.block }, [this.block.buffer]);
        this.block = new Float32Array(BLOCK);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('atelier-capture', CaptureProcessor);
export {};
