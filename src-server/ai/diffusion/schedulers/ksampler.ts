import { interpAt, karrasSigmas, sigmaToT, spacedTimesteps, trainSigmas, type SchedulerConfig } from './schedule';
import { BaseScheduler, drawNoise, sameLength, type NoiseSource, type StepResult } from './scheduler';

/**
 * The k-diffusion samplers (Karras et al. 2022's σ parametrisation: x = x0 + σ·ε) as diffusers'
 * Heun/LMS/DPMSolverSDE schedulers run them: Euler's σ table (or Karras sigmas between its ends)
 * ending at σ = 0, the UNet fed x/√(σ²+1). Two-stage samplers evaluate the model twice per step,
 * so their timesteps interleave each step's σ_i with its second evaluation point (2N − 1 in all:
 * the last step, which reaches σ = 0, is one Euler step), as diffusers lays them out.
 */
abstract class SigmaScheduler extends BaseScheduler {
  /** σ_0 … σ_{N−1}, then 0: the levels each step goes between. */
  levels: number[] = [];
  /** The σ the model is evaluated at, one per entry of the schedule. */
  protected evalSigmas: number[] = [];
  protected readonly trainSigmas: Float64Array;
  private readonly logSigmas: Float64Array;

  constructor(config: SchedulerConfig) {
    super(config);
    if (config.predictionType === 'sample') throw new RangeError(`${new.target.name} runs epsilon or v_prediction models`);
    this.trainSigmas = trainSigmas(this.alphasCumprod);
    this.logSigmas = this.trainSigmas.map(Math.log);
  }

  get initNoiseSigma(): number {
    const max = this.levels[0]!;
    return this.config.timestepSpacing === 'leading' ? Math.sqrt(max * max + 1) : max;
  }

  /** The fractional train timestep of σ (log-linear between train timesteps, diffusers' _sigma_to_t). */
  protected timestepOf(sigma: number): number {
    return sigmaToT(sigma, this.logSigmas);
  }

  /** Each step's σ and timestep, as Euler spaces them (diffusers keeps them in float32). */
  protected levelsFor(steps: number): { timesteps: number[]; sigmas: number[] } {
    let timesteps = spacedTimesteps(this.config, steps, false).map(Math.fround);
    let sigmas = timesteps.map((t) => interpAt(this.trainSigmas, t));
    if (this.config.useKarrasSigmas) {
      sigmas = karrasSigmas(this.config.sigmaMin ?? sigmas[sigmas.length - 1]!, this.config.sigmaMax ?? sigmas[0]!, steps);
      timesteps = sigmas.map((s) => this.timestepOf(s));
    }
    this.levels = [...sigmas, 0];
    return { timesteps, sigmas };
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.evalSigmas[this.current(timestep)]!;
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    return sample.map((x) => x * scale);
  }

  /** x0 from the model output at σ (the sample unscaled). */
  protected denoised(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    const n = sameLength(this.name, modelOutput, sample);
    const x0 = new Float32Array(n);
    const vScale = -sigma / Math.sqrt(sigma * sigma + 1);
    for (let k = 0; k < n; k++) {
      x0[k] =
        this.config.predictionType === 'epsilon'
          ? sample[k]! - sigma * modelOutput[k]!
          : modelOutput[k]! * vScale + sample[k]! / (sigma * sigma + 1);
    }
    return x0;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const n = sameLength('addNoise', original, noise);
    const sigma = this.evalSigmas[this.indexOf(timestep)]!;
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) out[k] = original[k]! + noise[k]! * sigma;
    return out;
  }
}

/** x0 + (σ_to/σ_from)(x − x0): the exact step of the ODE when x0 holds still (DDIM in σ). */
function towards(x: Float32Array, x0: Float32Array, ratio: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = x0[k]! + ratio * (x[k]! - x0[k]!);
  return out;
}

/** k-diffusion's get_ancestral_step (η = 1): σ_down, σ_up with σ_down² + σ_up² = σ_to². */
export function ancestralStep(from: number, to: number): { down: number; up: number } {
  const up = Math.min(to, Math.sqrt((to * to * (from * from - to * to)) / (from * from)));
  return { down: Math.sqrt(to * to - up * up), up };
}

/** A sampler that evaluates the model at σ_i and once more between σ_i and σ_{i+1}. */
abstract class TwoStageScheduler<First> extends SigmaScheduler {
  /** What a step's first evaluation leaves for its second. */
  protected first: First | null = null;

  protected override reset(): void {
    this.first = null;
  }

  /** Where each step's second evaluation is, by step (none for the last, which reaches σ = 0). */
  protected abstract midSigma(from: number, to: number): number;

  protected schedule(steps: number): number[] {
    const { timesteps, sigmas } = this.levelsFor(steps);
    const all: number[] = [];
    this.evalSigmas = [];
    for (let i = 0; i < steps; i++) {
      all.push(timesteps[i]!);
      this.evalSigmas.push(sigmas[i]!);
      if (i === steps - 1) break;
      const mid = this.midSigma(sigmas[i]!, this.levels[i + 1]!);
      // Heun's second evaluation is at σ_{i+1} itself: the same timestep as the next step's.
      all.push(mid === sigmas[i + 1] ? timesteps[i + 1]! : this.timestepOf(mid));
      this.evalSigmas.push(mid);
    }
    return all;
  }

  /** Step k starts at entry 2k (img2img's skip counts whole steps). */
  protected override stepStart(step: number): number {
    return 2 * step;
  }

  /** Where the evaluation at `timestep` stands: its step's σ_i and σ_{i+1}, whether it is the step's second, and the model's x0 there. */
  protected evaluation(modelOutput: Float32Array, timestep: number, sample: Float32Array) {
    const index = this.current(timestep);
    const step = Math.floor(index / 2);
    const x0 = this.denoised(modelOutput, sample, this.evalSigmas[index]!);
    return { index, second: index % 2 === 1, sigma: this.levels[step]!, next: this.levels[step + 1]!, x0 };
  }
}

/**
 * Heun's method on the probability-flow ODE (Karras et al. 2022, algorithm 1 without churn), as
 * diffusers' HeunDiscreteScheduler: an Euler step to σ_{i+1}, the slope there, and the step
 * taken again with the mean of both slopes; the last step (to σ = 0) is Euler's.
 */
export class HeunScheduler extends TwoStageScheduler<{ sample: Float32Array; slope: Float32Array }> {
  readonly name = 'heun' as const;
  protected midSigma(_from: number, to: number): number {
    return to;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): StepResult {
    const { second, sigma, next, x0 } = this.evaluation(modelOutput, timestep, sample);
    const n = x0.length;
    const prevSample = new Float32Array(n);
    if (!second) {
      const slope = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        slope[k] = (sample[k]! - x0[k]!) / sigma;
        prevSample[k] = sample[k]! + slope[k]! * (next - sigma);
      }
      this.first = { sample, slope };
    } else {
      const { sample: start, slope } = this.first!;
      for (let k = 0; k < n; k++) {
        const slopeHere = (sample[k]! - x0[k]!) / next;
        prevSample[k] = start[k]! + ((slope[k]! + slopeHere) / 2) * (next - sigma);
      }
      this.first = null;
    }
    this.index++;
    return { prevSample, predOriginalSample: x0 };
  }
}

/** ∫_a^b p(τ) dτ for a polynomial of degree ≤ 5, exactly (3-point Gauss–Legendre). */
function integrate(p: (tau: number) => number, a: number, b: number): number {
  const mid = (a + b) / 2;
  const half = (b - a) / 2;
  const node = Math.sqrt(3 / 5);
  return half * ((5 / 9) * p(mid - half * node) + (8 / 9) * p(mid) + (5 / 9) * p(mid + half * node));
}

/**
 * Linear multistep (order 4) on the probability-flow ODE in σ, as diffusers'
 * LMSDiscreteScheduler (k-diffusion's sample_lms): the slope's Lagrange interpolant through the
 * last slopes, integrated from σ_i to σ_{i+1}. diffusers integrates numerically (scipy quad);
 * the interpolant is a cubic, so Gauss–Legendre gives the integral exactly.
 */
export class LmsScheduler extends SigmaScheduler {
  readonly name = 'lms' as const;
  private slopes: Float32Array[] = [];
  private readonly order = 4;

  protected override reset(): void {
    this.slopes = [];
  }

  protected schedule(steps: number): number[] {
    const { timesteps, sigmas } = this.levelsFor(steps);
    this.evalSigmas = sigmas;
    return timesteps;
  }

  /** The weight of the slope `back` steps behind step t in LMS of `order`. */
  coefficient(order: number, t: number, back: number): number {
    const s = this.levels;
    const basis = (tau: number) => {
      let prod = 1;
      for (let k = 0; k < order; k++) if (k !== back) prod *= (tau - s[t - k]!) / (s[t - back]! - s[t - k]!);
      return prod;
    };
    return integrate(basis, s[t]!, s[t + 1]!);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): StepResult {
    const index = this.current(timestep);
    const sigma = this.levels[index]!;
    const x0 = this.denoised(modelOutput, sample, sigma);
    const n = x0.length;
    const slope = new Float32Array(n);
    for (let k = 0; k < n; k++) slope[k] = (sample[k]! - x0[k]!) / sigma;
    this.slopes = [slope, ...this.slopes].slice(0, this.order);
    const order = Math.min(index - this.begin + 1, this.order);
    const coefficients = Array.from({ length: order }, (_, back) => this.coefficient(order, index, back));
    const prevSample = sample.slice();
    for (let back = 0; back < order; back++) {
      const c = coefficients[back]!;
      const d = this.slopes[back]!;
      for (let k = 0; k < n; k++) prevSample[k] = prevSample[k]! + c * d[k]!;
    }
    this.index++;
    return { prevSample, predOriginalSample: x0 };
  }
}

/**
 * DPM-Solver++ (stochastic, second order, singlestep) as k-diffusion's sample_dpmpp_sde and
 * diffusers' DPMSolverSDEScheduler (A1111's "DPM++ SDE", InvokeAI's dpmpp_sde): an ancestral
 * step to the midpoint in log σ, the model there, then the ancestral step from σ_i to σ_{i+1}
 * with the midpoint's x0. diffusers draws both steps' noise from one Brownian tree, so the two
 * increments over [σ_mid, σ_i] and [σ_{i+1}, σ_i] overlap; this draws the same Brownian motion
 * from the run's noise stream (z_1, then z_2 for the stretch below σ_mid), so the increments
 * have the same joint law, though not torchsde's values.
 */
export class DpmppSdeScheduler extends TwoStageScheduler<{ sample: Float32Array; z: Float32Array }> {
  readonly name = 'dpmpp_sde' as const;
  protected midSigma(from: number, to: number): number {
    return Math.sqrt(from * to);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    const { index, second, sigma, next, x0 } = this.evaluation(modelOutput, timestep, sample);
    let prevSample: Float32Array;
    if (next === 0) {
      prevSample = x0; // the Euler step to σ = 0 lands on the estimate
    } else if (!second) {
      const mid = this.evalSigmas[index + 1]!;
      const { down, up } = ancestralStep(sigma, mid);
      const z = drawNoise(noise, x0.length, 'DPM++ SDE');
      prevSample = towards(sample, x0, down / sigma);
      for (let k = 0; k < z.length; k++) prevSample[k] = prevSample[k]! + up * z[k]!;
      this.first = { sample, z };
    } else {
      const mid = this.evalSigmas[index]!;
      const { sample: start, z: z1 } = this.first!;
      const { down, up } = ancestralStep(sigma, next);
      const z2 = drawNoise(noise, x0.length, 'DPM++ SDE');
      // W(σ_i) − W(σ_{i+1}) = √(σ_i − σ_mid)·z_1 + √(σ_mid − σ_{i+1})·z_2, normalised.
      const a = Math.sqrt(sigma - mid);
      const b = Math.sqrt(mid - next);
      const norm = Math.sqrt(sigma - next);
      prevSample = towards(start, x0, down / sigma);
      for (let k = 0; k < z2.length; k++) prevSample[k] = prevSample[k]! + (up * (a * z1[k]! + b * z2[k]!)) / norm;
      this.first = null;
    }
    this.index++;
    return { prevSample, predOriginalSample: x0 };
  }
}

/**
 * DPM-Solver++(2S) ancestral, k-diffusion's sample_dpmpp_2s_ancestral (A1111's "DPM++ 2S a"; no
 * diffusers class): the ancestral split σ_{i+1} → σ_down, σ_up, a DPM-Solver++ step to the
 * midpoint σ_s = √(σ_i·σ_down), the model there, the step to σ_down with that x0, then σ_up of
 * fresh noise. The last step (to σ = 0) is Euler's.
 */
export class Dpmpp2sAncestralScheduler extends TwoStageScheduler<Float32Array> {
  readonly name = 'dpmpp_2s_a' as const;
  protected midSigma(from: number, to: number): number {
    return Math.sqrt(from * ancestralStep(from, to).down);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    const { index, second, sigma, next, x0 } = this.evaluation(modelOutput, timestep, sample);
    let prevSample: Float32Array;
    if (next === 0) {
      prevSample = x0;
    } else if (!second) {
      prevSample = towards(sample, x0, this.evalSigmas[index + 1]! / sigma);
      this.first = sample;
    } else {
      const { down, up } = ancestralStep(sigma, next);
      const z = drawNoise(noise, x0.length, 'DPM++ 2S ancestral');
      prevSample = towards(this.first!, x0, down / sigma);
      for (let k = 0; k < z.length; k++) prevSample[k] = prevSample[k]! + up * z[k]!;
      this.first = null;
    }
    this.index++;
    return { prevSample, predOriginalSample: x0 };
  }
}
