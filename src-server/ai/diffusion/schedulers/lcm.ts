import type { SchedulerConfig } from './schedule';
import { BaseScheduler, drawNoise, noiseToAlpha, predictOriginal, sameLength, type NoiseSource, type StepResult } from './scheduler';

/** LCM's σ_data (Song et al. 2023, consistency models). */
const SIGMA_DATA = 0.5;

/**
 * The boundary-condition scalings of a latent consistency model at train timestep `t`:
 * c_skip = σ_data² / ((t·s)² + σ_data²), c_out = t·s / √((t·s)² + σ_data²), with s the
 * configuration's timestep_scaling (10), so that f(x, 0) = x.
 */
export function lcmScalings(timestep: number, timestepScaling: number): { cSkip: number; cOut: number } {
  const scaled = timestep * timestepScaling;
  const d = scaled * scaled + SIGMA_DATA * SIGMA_DATA;
  return { cSkip: (SIGMA_DATA * SIGMA_DATA) / d, cOut: scaled / Math.sqrt(d) };
}

/** Multistep latent consistency sampling (Luo et al. 2023), as diffusers' LCMScheduler. */
export class LcmScheduler extends BaseScheduler {
  readonly name = 'lcm' as const;
  private readonly finalAlphaCumprod: number;

  constructor(config: SchedulerConfig) {
    super(config);
    this.finalAlphaCumprod = config.setAlphaToOne ? 1 : this.alphasCumprod[0]!;
  }

  get initNoiseSigma(): number {
    return 1;
  }

  protected override skipsForStrength(): boolean {
    return false;
  }

  /**
   * Evenly spaced picks from the distillation schedule [k−1, 2k−1, …] (k = train steps / original
   * steps), largest first; img2img's strength keeps only its first `original · strength` entries.
   */
  protected schedule(steps: number, strength: number): number[] {
    const original = this.config.originalInferenceSteps;
    const k = Math.floor(this.config.numTrainTimesteps / original);
    const length = Math.floor(original * strength);
    if (steps > original) throw new RangeError(`LCM runs at most original_inference_steps (${original}) steps, got ${steps}`);
    if (length < steps) throw new RangeError(`LCM at strength ${strength} has ${length} timesteps to pick ${steps} from`);
    const origin = Array.from({ length }, (_, i) => (length - i) * k - 1);
    // numpy.linspace(0, length, steps, endpoint=False) is i · (length / steps); floored the same way.
    const stride = length / steps;
    return Array.from({ length: steps }, (_, i) => origin[Math.floor(i * stride)]!);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    const n = sameLength('LCM', modelOutput, sample);
    const i = this.current(timestep);
    const last = i === this.all.length - 1;
    const prevT = last ? timestep : this.all[i + 1]!;
    const alphaT = this.alphasCumprod[timestep]!;
    const alphaPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const { cSkip, cOut } = lcmScalings(timestep, this.config.timestepScaling);
    // Every step but the last re-noises the consistency estimate down to the next timestep.
    const z = last ? null : drawNoise(noise, n, 'LCM');
    const range = this.config.clipSampleRange;
    const prevSample = new Float32Array(n);
    const denoised = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      let x0 = predictOriginal(this.config, alphaT, modelOutput[k]!, sample[k]!);
      if (this.config.clipSample) x0 = Math.min(range, Math.max(-range, x0));
      const d = cOut * x0 + cSkip * sample[k]!;
      denoised[k] = d;
      prevSample[k] = z ? Math.sqrt(alphaPrev) * d + Math.sqrt(1 - alphaPrev) * z[k]! : d;
    }
    this.index++;
    return { prevSample, predOriginalSample: denoised };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return noiseToAlpha(original, noise, this.alphasCumprod[timestep]!);
  }
}
