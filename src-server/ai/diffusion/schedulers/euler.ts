import { interpAt, karrasSigmas, sigmaToT, spacedTimesteps, trainSigmas, type SchedulerConfig } from './schedule';
import { BaseScheduler, drawNoise, sameLength, type NoiseSource, type StepResult } from './scheduler';

/**
 * Euler's method on the probability-flow ODE in k-diffusion's σ parametrisation (Karras et al.
 * 2022, algorithm 2 without churn), as diffusers' EulerDiscreteScheduler; `ancestral` is
 * EulerAncestralDiscreteScheduler (k-diffusion's sample_euler_ancestral, eta 1).
 */
export class EulerScheduler extends BaseScheduler {
  readonly name: 'euler' | 'euler_a';
  /** σ of each step of the whole schedule, then the final σ (0). */
  sigmas: number[] = [];
  private readonly trainSigmas: Float64Array;

  constructor(
    config: SchedulerConfig,
    private readonly ancestral: boolean,
  ) {
    super(config);
    this.name = ancestral ? 'euler_a' : 'euler';
    this.trainSigmas = trainSigmas(this.alphasCumprod);
  }

  /** Leading spacing never reaches σ_max, so the noise gets the unit variance of x_T's signal part too. */
  get initNoiseSigma(): number {
    const max = Math.max(...this.sigmas);
    return this.config.timestepSpacing === 'leading' ? Math.sqrt(max * max + 1) : max;
  }

  protected schedule(steps: number): number[] {
    // diffusers keeps Euler's timesteps in float32; fractional linspace ones differ from float64 in the 5th decimal.
    let timesteps = spacedTimesteps(this.config, steps, false).map(Math.fround);
    let sigmas = timesteps.map((t) => interpAt(this.trainSigmas, t));
    // diffusers' Euler ancestral has no Karras option; the configuration key is ignored there too.
    if (this.config.useKarrasSigmas && !this.ancestral) {
      sigmas = karrasSigmas(this.config.sigmaMin ?? sigmas[sigmas.length - 1]!, this.config.sigmaMax ?? sigmas[0]!, steps);
      const logSigmas = this.trainSigmas.map(Math.log);
      timesteps = sigmas.map((s) => Math.fround(sigmaToT(s, logSigmas)));
    }
    const last = this.config.finalSigmasType === 'sigma_min' && !this.ancestral ? this.trainSigmas[0]! : 0;
    this.sigmas = [...sigmas, last];
    return timesteps;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.current(timestep)]!;
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    return sample.map((x) => x * scale);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    const n = sameLength(this.name, modelOutput, sample);
    const i = this.current(timestep);
    const sigma = this.sigmas[i]!;
    const next = this.sigmas[i + 1]!;
    // Ancestral: step deterministically down to σ_down, then add noise of σ_up (σ_down² + σ_up² = σ_next²).
    const up = this.ancestral ? Math.sqrt((next * next * (sigma * sigma - next * next)) / (sigma * sigma)) : 0;
    const target = this.ancestral ? Math.sqrt(next * next - up * up) : next;
    const z = this.ancestral ? drawNoise(noise, n, 'Euler ancestral') : null;
    const vScale = -sigma / Math.sqrt(sigma * sigma + 1);
    const prevSample = new Float32Array(n);
    const predOriginalSample = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const x = sample[k]!;
      const out = modelOutput[k]!;
      let x0: number;
      switch (this.config.predictionType) {
        case 'epsilon':
          x0 = x - sigma * out;
          break;
        case 'v_prediction':
          x0 = out * vScale + x / (sigma * sigma + 1);
          break;
        case 'sample':
          x0 = out;
          break;
      }
      const derivative = (x - x0) / sigma;
      prevSample[k] = x + derivative * (target - sigma) + (z ? z[k]! * up : 0);
      predOriginalSample[k] = x0;
    }
    this.index++;
    return { prevSample, predOriginalSample };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const n = sameLength('addNoise', original, noise);
    const sigma = this.sigmas[this.indexOf(timestep)]!;
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) out[k] = original[k]! + noise[k]! * sigma;
    return out;
  }
}
