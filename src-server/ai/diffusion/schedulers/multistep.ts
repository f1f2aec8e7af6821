import { addVpNoise, alphaSigma, multistepSchedule } from './dpmpp';
import { trainSigmas, type SchedulerConfig } from './schedule';
import { BaseScheduler, sameLength, type StepResult } from './scheduler';

/** Solves the small dense system A·x = b (Gaussian elimination with partial pivoting). */
export function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row.slice(0, n), b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** The shared part of diffusers' multistep solvers over the VP process: schedule, history, x0. */
abstract class MultistepScheduler extends BaseScheduler {
  sigmas: number[] = [];
  protected readonly trainSigmas: Float64Array;
  /** The converted model outputs of the last `solverOrder` steps, oldest first. */
  protected history: Float32Array[] = [];
  protected lowerOrderNums = 0;

  constructor(config: SchedulerConfig, label: string) {
    super(config);
    if (config.solverOrder < 1 || config.solverOrder > 3)
      throw new RangeError(`${label} runs solver_order 1 to 3, got ${config.solverOrder}`);
    this.trainSigmas = trainSigmas(this.alphasCumprod);
  }

  get initNoiseSigma(): number {
    return 1;
  }

  protected override reset(): void {
    this.history = [];
    this.lowerOrderNums = 0;
  }

  protected remember(output: Float32Array): void {
    this.history = [...this.history, output].slice(-this.config.solverOrder);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  protected x0(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    const n = sameLength(this.name, modelOutput, sample);
    const { alpha, sigma: s } = alphaSigma(sigma);
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      out[k] =
        this.config.predictionType === 'epsilon'
          ? (sample[k]! - s * modelOutput[k]!) / alpha
          : this.config.predictionType === 'v_prediction'
            ? alpha * sample[k]! - s * modelOutput[k]!
            : modelOutput[k]!;
    }
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addVpNoise(original, noise, this.sigmas[this.indexOf(timestep)]!);
  }
}

/**
 * UniPC (Zhao et al. 2023) in data-prediction form with B(h) = e^h − 1 ("bh2"), as diffusers'
 * UniPCMultistepScheduler (InvokeAI's unipc): each step first corrects the sample the last
 * predictor gave with the model output at it (UniC), then predicts the next (UniP, order
 * `solver_order`, 2 by default, ramping up from 1 and back down at the end).
 */
export class UniPcScheduler extends MultistepScheduler {
  readonly name = 'unipc' as const;
  private lastSample: Float32Array | null = null;
  private thisOrder = 1;

  constructor(config: SchedulerConfig) {
    super(config, 'UniPC');
  }

  protected override reset(): void {
    super.reset();
    this.lastSample = null;
  }

  protected schedule(steps: number): number[] {
    const { timesteps, sigmas } = multistepSchedule(this.config, this.trainSigmas, steps);
    const last =
      this.config.finalSigmasType === 'zero' ? 0 : this.config.useKarrasSigmas ? sigmas[sigmas.length - 1]! : this.trainSigmas[0]!;
    this.sigmas = [...sigmas, last];
    return timesteps;
  }

  /**
   * The UniP/UniC weights for `order` at step size h: R (rows r_k^(i−1)) and b (h·φ_{i+1}(h)·i!/B(h)),
   * with h·φ functions in the data-prediction sign (hh = −h).
   */
  private system(h: number, rks: number[], order: number): { R: number[][]; b: number[]; hPhi1: number; bh: number } {
    const hh = -h;
    const hPhi1 = Math.expm1(hh);
    const bh = Math.expm1(hh);
    let hPhiK = hPhi1 / hh - 1;
    let factorial = 1;
    const R: number[][] = [];
    const b: number[] = [];
    for (let i = 1; i <= order; i++) {
      R.push(rks.map((r) => r ** (i - 1)));
      b.push((hPhiK * factorial) / bh);
      factorial *= i + 1;
      hPhiK = hPhiK / hh - 1 / factorial;
    }
    return { R, b, hPhi1, bh };
  }

  /** Differences D_k = (m_k − m_0)/r_k to the outputs `back` steps behind and their ratios r_k. */
  private differences(order: number, from: number, h: number, lambda0: number, m0: Float32Array) {
    const rks: number[] = [];
    const ds: Float32Array[] = [];
    for (let k = 1; k < order; k++) {
      const mk = this.history[this.history.length - 1 - k]!;
      const rk = (alphaSigma(this.sigmas[from - k]!).lambda - lambda0) / h;
      rks.push(rk);
      ds.push(mk.map((v, j) => (v - m0[j]!) / rk));
    }
    rks.push(1);
    return { rks, ds };
  }

  private predict(sample: Float32Array, i: number, order: number): Float32Array {
    const s0 = alphaSigma(this.sigmas[i]!);
    const t = alphaSigma(this.sigmas[i + 1]!);
    const h = t.lambda - s0.lambda;
    const m0 = this.history[this.history.length - 1]!;
    const { rks, ds } = this.differences(order, i, h, s0.lambda, m0);
    const { R, b, hPhi1, bh } = this.system(h, rks, order);
    const rhos =
      order === 1
        ? []
        : order === 2
          ? [0.5]
          : solve(
              R.slice(0, -1).map((row) => row.slice(0, -1)),
              b.slice(0, -1),
            );
    // σ_t = 0 at the end: the ratio is 0, not 0·∞.
    const ratio = t.sigma === 0 ? 0 : t.sigma / s0.sigma;
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      let res = 0;
      for (let j = 0; j < rhos.length; j++) res += rhos[j]! * ds[j]![k]!;
      out[k] = ratio * sample[k]! - t.alpha * hPhi1 * m0[k]! - t.alpha * bh * res;
    }
    return out;
  }

  private correct(modelT: Float32Array, last: Float32Array, i: number, order: number): Float32Array {
    const s0 = alphaSigma(this.sigmas[i - 1]!);
    const t = alphaSigma(this.sigmas[i]!);
    const h = t.lambda - s0.lambda;
    const m0 = this.history[this.history.length - 1]!;
    const { rks, ds } = this.differences(order, i - 1, h, s0.lambda, m0);
    const { R, b, hPhi1, bh } = this.system(h, rks, order);
    const rhos = order === 1 ? [0.5] : solve(R, b);
    const ratio = t.sigma / s0.sigma;
    const out = new Float32Array(last.length);
    for (let k = 0; k < out.length; k++) {
      let res = 0;
      for (let j = 0; j < ds.length; j++) res += rhos[j]! * ds[j]![k]!;
      res += rhos[rhos.length - 1]! * (modelT[k]! - m0[k]!);
      out[k] = ratio * last[k]! - t.alpha * hPhi1 * m0[k]! - t.alpha * bh * res;
    }
    return out;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): StepResult {
    const i = this.current(timestep);
    const m = this.x0(modelOutput, sample, this.sigmas[i]!);
    let x = sample;
    if (i > this.begin && this.lastSample) x = this.correct(m, this.lastSample, i, this.thisOrder);
    this.remember(m);
    const remaining = this.config.lowerOrderFinal ? Math.min(this.config.solverOrder, this.all.length - i) : this.config.solverOrder;
    this.thisOrder = Math.min(remaining, this.lowerOrderNums + 1);
    this.lastSample = x;
    const prevSample = this.predict(x, i, this.thisOrder);
    if (this.lowerOrderNums < this.config.solverOrder) this.lowerOrderNums++;
    this.index++;
    return { prevSample, predOriginalSample: m };
  }
}

/**
 * DEIS (Zhang & Chen 2023), the "log-ρ" multistep form of diffusers' DEISMultistepScheduler
 * (InvokeAI's deis): x/α is integrated in ρ = σ/α with the noise prediction's Lagrange
 * interpolant in log ρ through the last `solver_order` steps (2 by default; short schedules drop
 * to lower orders at the end). Its final σ is the first train timestep's (Karras: the last
 * Karras σ again), not 0, as in diffusers.
 */
export class DeisScheduler extends MultistepScheduler {
  readonly name = 'deis' as const;

  constructor(config: SchedulerConfig) {
    super(config, 'DEIS');
  }

  protected schedule(steps: number): number[] {
    const { timesteps, sigmas } = multistepSchedule(this.config, this.trainSigmas, steps);
    this.sigmas = [...sigmas, this.config.useKarrasSigmas ? sigmas[sigmas.length - 1]! : this.trainSigmas[0]!];
    return timesteps;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): StepResult {
    const i = this.current(timestep);
    const count = this.all.length;
    const shortRun = this.config.lowerOrderFinal && count < 15;
    const s0 = alphaSigma(this.sigmas[i]!);
    const t = alphaSigma(this.sigmas[i + 1]!);
    const x0 = this.x0(modelOutput, sample, this.sigmas[i]!);
    const n = x0.length;
    const eps = new Float32Array(n);
    for (let k = 0; k < n; k++) eps[k] = (sample[k]! - s0.alpha * x0[k]!) / s0.sigma;
    this.remember(eps);
    const order =
      this.config.solverOrder === 1 || this.lowerOrderNums < 1 || (shortRun && i === count - 1)
        ? 1
        : this.config.solverOrder === 2 || this.lowerOrderNums < 2 || (shortRun && i === count - 2)
          ? 2
          : 3;
    const prevSample = new Float32Array(n);
    if (order === 1) {
      const h = t.lambda - s0.lambda;
      for (let k = 0; k < n; k++) prevSample[k] = (t.alpha / s0.alpha) * sample[k]! - t.sigma * Math.expm1(h) * eps[k]!;
    } else {
      // ρ_k = σ_k (the k-diffusion σ) for each history point, newest first.
      const rho = [this.sigmas[i + 1]!, ...Array.from({ length: order }, (_, k) => this.sigmas[i - k]!)];
      const weights = Array.from({ length: order }, (_, k) => lagrangeLogIntegral(rho.slice(1), k, rho[1]!, rho[0]!));
      for (let k = 0; k < n; k++) {
        let acc = sample[k]! / s0.alpha;
        for (let j = 0; j < order; j++) acc += weights[j]! * this.history[this.history.length - 1 - j]![k]!;
        prevSample[k] = t.alpha * acc;
      }
    }
    if (this.lowerOrderNums < this.config.solverOrder) this.lowerOrderNums++;
    this.index++;
    return { prevSample, predOriginalSample: x0 };
  }
}

/**
 * ∫_a^b L_j(log ρ) dρ, where L_j is the Lagrange basis polynomial in log ρ through `nodes` that is 1
 * at nodes[j]: DEIS's coefficients. Closed forms (as diffusers writes them) for 2 and 3 nodes.
 */
export function lagrangeLogIntegral(nodes: number[], j: number, a: number, b: number): number {
  const logs = nodes.map(Math.log);
  const others = logs.filter((_, k) => k !== j);
  const lj = logs[j]!;
  const denominator = others.reduce((p, l) => p * (lj - l), 1);
  // Antiderivative of ∏(log ρ − l_k): with u = log ρ, ∫ P(u) e^u du = e^u Σ (−1)^m P^(m)(u).
  const antiderivative = (rho: number) => {
    const u = Math.log(rho);
    if (others.length === 1) {
      const c = others[0]!;
      return rho * (u - c - 1);
    }
    const [c, d] = others as [number, number];
    // P(u) = (u − c)(u − d); P' = 2u − c − d; P'' = 2.
    return rho * ((u - c) * (u - d) - (2 * u - c - d) + 2);
  };
  return (antiderivative(b) - antiderivative(a)) / denominator;
}
