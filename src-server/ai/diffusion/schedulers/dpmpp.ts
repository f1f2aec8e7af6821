import { arange, interpAt, karrasSigmas, linspace, roundHalfEven, sigmaToT, trainSigmas, type SchedulerConfig } from './schedule';
import { BaseScheduler, drawNoise, sameLength, type NoiseSource, type StepResult } from './scheduler';

/**
 * The integer timesteps and their σ of diffusers' multistep solvers (DPM-Solver, UniPC, DEIS):
 * N + 1 points spaced and the last (t = 0) dropped for linspace and leading; with Karras sigmas,
 * the whole trained σ range (unlike Euler's spaced range). The final σ is each solver's own.
 */
export function multistepSchedule(
  config: SchedulerConfig,
  trainSigmas: Float64Array,
  steps: number,
): { timesteps: number[]; sigmas: number[] } {
  const n = config.numTrainTimesteps;
  let timesteps: number[];
  switch (config.timestepSpacing) {
    case 'linspace':
      timesteps = linspace(0, n - 1, steps + 1)
        .map(roundHalfEven)
        .reverse()
        .slice(0, steps);
      break;
    case 'leading': {
      const ratio = Math.floor(n / (steps + 1));
      timesteps = Array.from({ length: steps }, (_, i) => (steps - i) * ratio + config.stepsOffset);
      break;
    }
    case 'trailing':
      timesteps = arange(n, 0, -n / steps).map((t) => roundHalfEven(t) - 1);
      break;
  }
  if (!config.useKarrasSigmas) return { timesteps, sigmas: timesteps.map((t) => interpAt(trainSigmas, t)) };
  const sigmas = karrasSigmas(config.sigmaMin ?? trainSigmas[0]!, config.sigmaMax ?? trainSigmas[n - 1]!, steps);
  const logSigmas = trainSigmas.map(Math.log);
  return { timesteps: sigmas.map((s) => roundHalfEven(sigmaToT(s, logSigmas))), sigmas };
}

/** α_t, σ_t and λ_t = log(α_t/σ_t) of the variance-preserving process at k-diffusion noise level σ. */
export const alphaSigma = (sigma: number) => {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return { alpha, sigma: sigma * alpha, lambda: Math.log(alpha) - Math.log(sigma * alpha) };
};

/** α·x0 + σ·noise at noise level σ of the variance-preserving process: img2img's starting sample. */
export function addVpNoise(original: Float32Array, noise: Float32Array, sigma: number): Float32Array {
  const n = sameLength('addNoise', original, noise);
  const { alpha, sigma: s } = alphaSigma(sigma);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = alpha * original[k]! + s * noise[k]!;
  return out;
}

/**
 * DPM-Solver++ multistep (Lu et al. 2022) in data-prediction form with the midpoint second-order
 * update: "DPM++ 2M", or "DPM++ 2M Karras" with `useKarrasSigmas`. As diffusers'
 * DPMSolverMultistepScheduler with algorithm_type "dpmsolver++", solver_type "midpoint".
 * With `sde`, its stochastic form "DPM++ 2M SDE" (algorithm_type "sde-dpmsolver++"): each step
 * keeps e^{-h} of the sample's noise and draws the rest fresh.
 */
export class DpmppScheduler extends BaseScheduler {
  readonly name: 'dpmpp_2m' | 'dpmpp_2m_sde';
  sigmas: number[] = [];
  private readonly trainSigmas: Float64Array;
  /** The previous step's x0 prediction (the multistep history). */
  private previous: Float32Array | null = null;

  constructor(
    config: SchedulerConfig,
    private readonly sde = false,
  ) {
    super(config);
    this.name = sde ? 'dpmpp_2m_sde' : 'dpmpp_2m';
    if (config.solverOrder < 1 || config.solverOrder > 2)
      throw new RangeError(`DPM++ 2M runs solver_order 1 or 2, got ${config.solverOrder}`);
    this.trainSigmas = trainSigmas(this.alphasCumprod);
  }

  get initNoiseSigma(): number {
    return 1;
  }

  protected override reset(): void {
    this.previous = null;
  }

  protected schedule(steps: number): number[] {
    const { timesteps, sigmas } = multistepSchedule(this.config, this.trainSigmas, steps);
    this.sigmas = [...sigmas, this.config.finalSigmasType === 'sigma_min' ? this.trainSigmas[0]! : 0];
    return timesteps;
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    const n = sameLength('DPM++ 2M', modelOutput, sample);
    const i = this.current(timestep);
    const count = this.all.length;
    const s0 = alphaSigma(this.sigmas[i]!);
    const t = alphaSigma(this.sigmas[i + 1]!);
    // The last step falls back to first order, as diffusers does: always when it reaches σ = 0 (where
    // λ is infinite), else on short schedules for stability.
    const lastFirstOrder =
      i === count - 1 &&
      (this.config.eulerAtFinal || (count < 15 && this.config.lowerOrderFinal) || this.config.finalSigmasType === 'zero');
    const x0 = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const x = sample[k]!;
      const out = modelOutput[k]!;
      x0[k] =
        this.config.predictionType === 'epsilon'
          ? (x - s0.sigma * out) / s0.alpha
          : this.config.predictionType === 'v_prediction'
            ? s0.alpha * x - s0.sigma * out
            : out;
    }
    const h = t.lambda - s0.lambda;
    const ratio = t.sigma / s0.sigma;
    const phi = t.alpha * (Math.exp(-h) - 1);
    const prevSample = new Float32Array(n);
    const previous = this.previous;
    const firstOrder = this.config.solverOrder === 1 || !previous || lastFirstOrder;
    if (this.sde) {
      // x_t = (σ_t/σ_s)e^{-h} x + α_t(1 − e^{-2h})(D0 + D1/2) + σ_t √(1 − e^{-2h}) z
      const z = drawNoise(noise, n, 'DPM++ 2M SDE');
      const keep = ratio * Math.exp(-h);
      const toData = t.alpha * -Math.expm1(-2 * h);
      const fresh = t.sigma * Math.sqrt(-Math.expm1(-2 * h));
      const r0 = firstOrder ? 1 : (s0.lambda - alphaSigma(this.sigmas[i - 1]!).lambda) / h;
      for (let k = 0; k < n; k++) {
        const d1 = firstOrder ? 0 : (x0[k]! - previous![k]!) / r0;
        prevSample[k] = keep * sample[k]! + toData * (x0[k]! + 0.5 * d1) + fresh * z[k]!;
      }
    } else if (firstOrder) {
      for (let k = 0; k < n; k++) prevSample[k] = ratio * sample[k]! - phi * x0[k]!;
    } else {
      const s1 = alphaSigma(this.sigmas[i - 1]!);
      const r0 = (s0.lambda - s1.lambda) / h;
      for (let k = 0; k < n; k++) {
        const d1 = (x0[k]! - previous[k]!) / r0;
        prevSample[k] = ratio * sample[k]! - phi * x0[k]! - 0.5 * phi * d1;
      }
    }
    this.previous = x0;
    this.index++;
    return { prevSample, predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addVpNoise(original, noise, this.sigmas[this.indexOf(timestep)]!);
  }
}
