import { spacedTimesteps, type SchedulerConfig } from './schedule';
import { BaseScheduler, drawNoise, noiseToAlpha, predictOriginal, sameLength, type NoiseSource, type StepResult } from './scheduler';

/** DDIM (Song et al. 2020, eq. 12), as diffusers' DDIMScheduler; `eta` 0 is deterministic. */
export class DdimScheduler extends BaseScheduler {
  readonly name = 'ddim' as const;
  /** ᾱ past the last step. */
  private readonly finalAlphaCumprod: number;

  constructor(
    config: SchedulerConfig,
    private readonly eta = 0,
  ) {
    super(config);
    this.finalAlphaCumprod = config.setAlphaToOne ? 1 : this.alphasCumprod[0]!;
  }

  get initNoiseSigma(): number {
    return 1;
  }

  protected schedule(steps: number): number[] {
    return spacedTimesteps(this.config, steps, true);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    const n = sameLength('DDIM', modelOutput, sample);
    this.current(timestep);
    // diffusers steps back by the train/inference ratio whatever the spacing.
    const prevT = timestep - Math.floor(this.config.numTrainTimesteps / this.steps);
    const alphaT = this.alphasCumprod[timestep]!;
    const alphaPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const betaT = 1 - alphaT;
    const variance = ((1 - alphaPrev) / betaT) * (1 - alphaT / alphaPrev);
    const std = this.eta * Math.sqrt(variance);
    const z = std > 0 ? drawNoise(noise, n, 'DDIM with eta > 0') : null;
    const direction = Math.sqrt(1 - alphaPrev - std * std);
    const range = this.config.clipSampleRange;
    const prevSample = new Float32Array(n);
    const predOriginalSample = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const x = sample[k]!;
      const out = modelOutput[k]!;
      let x0 = predictOriginal(this.config, alphaT, out, x);
      const eps =
        this.config.predictionType === 'epsilon'
          ? out
          : this.config.predictionType === 'v_prediction'
            ? Math.sqrt(alphaT) * out + Math.sqrt(betaT) * x
            : (x - Math.sqrt(alphaT) * x0) / Math.sqrt(betaT);
      if (this.config.clipSample) x0 = Math.min(range, Math.max(-range, x0));
      prevSample[k] = Math.sqrt(alphaPrev) * x0 + direction * eps + (z ? std * z[k]! : 0);
      predOriginalSample[k] = x0;
    }
    this.index++;
    return { prevSample, predOriginalSample };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return noiseToAlpha(original, noise, this.alphasCumprod[timestep]!);
  }
}
