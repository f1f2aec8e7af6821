import { describe, expect, it } from 'vitest';
import {
  createScheduler,
  DeisScheduler,
  Dpmpp2sAncestralScheduler,
  DpmppSdeScheduler,
  HeunScheduler,
  LmsScheduler,
  UniPcScheduler,
  type NoiseSource,
  type Scheduler,
  type SchedulerName,
} from '../../../src-server/ai/diffusion/schedulers';
import { lagrangeLogIntegral, solve } from '../../../src-server/ai/diffusion/schedulers/multistep';
import { GaussianNoise } from '../../../src-server/ai/diffusion/noise';

// The samplers on a denoiser whose answer is known in closed form: data x0 ~ N(μ, s²) per value.
// Its ideal denoiser is D(x, σ) = μ + s²/(s² + σ²)·(x − μ), and the probability-flow ODE
// dx/dσ = (x − D)/σ keeps (x − μ)/√(s² + σ²) constant, so the exact solution from any start is
// known. A sampler's error against it must shrink at its order as steps double; the stochastic
// samplers must end on the data distribution N(μ, s²).

const MU = 0.3;
const S = 0.5;

/** SD's σ for a (fractional) train timestep, log-linear between train timesteps as sigmaToT inverts. */
function sdLogSigmas(): number[] {
  const lo = Math.sqrt(0.00085);
  const hi = Math.sqrt(0.012);
  let prod = 1;
  return Array.from({ length: 1000 }, (_, i) => {
    prod *= 1 - (lo + (i / 999) * (hi - lo)) ** 2;
    return Math.log(Math.sqrt((1 - prod) / prod));
  });
}
const LOG_SIGMAS = sdLogSigmas();
function sigmaOfT(t: number): number {
  const i = Math.min(Math.floor(t), 998);
  const w = t - i;
  return Math.exp(LOG_SIGMAS[i]! * (1 - w) + LOG_SIGMAS[i + 1]! * w);
}

const denoise = (x: number, sigma: number) => MU + ((S * S) / (S * S + sigma * sigma)) * (x - MU);

/** The ideal ε-prediction UNet: fed x/√(σ²+1) (what every scheduler's scaleModelInput gives) at σ. */
function unet(input: Float32Array, sigma: number): Float32Array {
  return input.map((v) => {
    const x = v * Math.sqrt(sigma * sigma + 1);
    return (x - denoise(x, sigma)) / sigma;
  });
}

/** σ_max and the final σ a scheduler steps between, and whether it carries x unscaled (k-diffusion) or x·α. */
function levels(s: Scheduler): { sigmas: number[]; kSpace: boolean } {
  if (s instanceof HeunScheduler || s instanceof LmsScheduler || s instanceof DpmppSdeScheduler || s instanceof Dpmpp2sAncestralScheduler)
    return { sigmas: s.levels, kSpace: true };
  if (s instanceof UniPcScheduler || s instanceof DeisScheduler) return { sigmas: s.sigmas, kSpace: false };
  throw new Error(`no σ table for ${s.name}`);
}

/**
 * A whole run. The σ-space samplers' fractional timesteps invert exactly to their σ (log-linear, as
 * sigmaToT); the multistep solvers round Karras timesteps to integers as diffusers does, so the
 * ideal UNet is told their step's σ rather than a rounded timestep's.
 */
function run(s: Scheduler, steps: number, start: Float32Array, noise?: NoiseSource): Float32Array {
  s.setTimesteps(steps);
  const { sigmas, kSpace } = levels(s);
  let x: Float32Array = start.map((v) => v * s.initNoiseSigma);
  s.timesteps.forEach((t, i) => {
    const sigma = kSpace ? sigmaOfT(t) : sigmas[i]!;
    x = s.step(unet(s.scaleModelInput(x, t), sigma), t, x, noise).prevSample;
  });
  return x;
}

/**
 * The exact answer for a run of `s`: the ODE from σ_max to the final σ. Samplers whose last step to
 * σ = 0 is a first-order one (Euler, UniP of order 1) land on the denoiser at the last σ instead.
 */
function exact(s: Scheduler, start: Float32Array): number[] {
  const { sigmas, kSpace } = levels(s);
  const max = sigmas[0]!;
  const k0 = [...start].map((v) => v * s.initNoiseSigma * (kSpace ? 1 : Math.sqrt(max * max + 1)));
  const at = (x: number, sigma: number) => MU + (x - MU) * Math.sqrt((S * S + sigma * sigma) / (S * S + max * max));
  const final = sigmas[sigmas.length - 1]!;
  if (final === 0 && !(s instanceof LmsScheduler)) {
    const last = sigmas[sigmas.length - 2]!;
    return k0.map((x) => denoise(at(x, last), last));
  }
  return k0.map((x) => at(x, final) / (kSpace ? 1 : Math.sqrt(final * final + 1)));
}

const START = Float32Array.of(1.3, -0.8, 0.2, 2.1);
const maxError = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

function errorAt(name: SchedulerName, steps: number): number {
  const s = createScheduler(name, { overrides: { useKarrasSigmas: true } });
  return maxError(run(s, steps, START), exact(s, START));
}

describe('deterministic samplers on the Gaussian ODE', () => {
  // On Karras sigmas, whose steps shrink evenly as they double (linspace's last step stays long in log σ).
  it.each([
    ['heun', 2],
    ['lms', 3],
    ['unipc', 3], // UniC lifts the order-2 predictor by one
    ['deis', 2],
  ] as const)('%s converges to the exact solution at order %s', (name, order) => {
    const coarse = errorAt(name, 20);
    const fine = errorAt(name, 40);
    const finer = errorAt(name, 80);
    expect(finer).toBeLessThan(1e-3);
    // Doubling the steps divides the error by about 2^order (allowing for the warm-up steps).
    expect(coarse / fine).toBeGreaterThan(2 ** order * 0.7);
    expect(fine / finer).toBeGreaterThan(2 ** order * 0.7);
  });

  it('Heun takes 2N − 1 evaluations: its second one at σ_{i+1} with the mean slope, the last step Euler', () => {
    const s = createScheduler('heun') as HeunScheduler;
    s.setTimesteps(3);
    expect(s.timesteps).toHaveLength(5);
    const [t0, t1, t1b, t2, t2b] = s.timesteps as [number, number, number, number, number];
    expect(t1b).toBe(t1);
    expect(t2b).toBe(t2);
    const [s0, s1] = s.levels as [number, number];
    const x = Float32Array.of(2);
    const eps = Float32Array.of(0.5);
    const euler = s.step(eps, t0, x).prevSample;
    expect(euler[0]).toBeCloseTo(2 + 0.5 * (s1 - s0), 5); // slope (x − x0)/σ = ε
    const eps2 = Float32Array.of(-0.25);
    const heun = s.step(eps2, t1, euler).prevSample;
    expect(heun[0]).toBeCloseTo(2 + ((0.5 - 0.25) / 2) * (s1 - s0), 5);
  });

  it('LMS weights integrate the Lagrange basis: they sum to the step and reproduce a cubic slope exactly', () => {
    const s = createScheduler('lms') as LmsScheduler;
    s.setTimesteps(10);
    const sig = s.levels;
    const weights = [0, 1, 2, 3].map((k) => s.coefficient(4, 5, k));
    expect(weights.reduce((a, b) => a + b)).toBeCloseTo(sig[6]! - sig[5]!, 10);
    // ∫ τ³ dτ from σ_5 to σ_6 through the slopes τ³ at σ_5, σ_4, σ_3, σ_2.
    const cubic = weights.reduce((acc, w, k) => acc + w * sig[5 - k]! ** 3, 0);
    expect(cubic).toBeCloseTo((sig[6]! ** 4 - sig[5]! ** 4) / 4, 8);
  });

  it('DEIS coefficients integrate the log-ρ Lagrange basis (checked by the trapezoid rule)', () => {
    const nodes = [2, 3.5, 6];
    const [a, b] = [1.2, 2];
    for (let j = 0; j < 3; j++) {
      const basis = (r: number) =>
        nodes.reduce((p, n, k) => (k === j ? p : (p * (Math.log(r) - Math.log(n))) / (Math.log(nodes[j]!) - Math.log(n))), 1);
      let numeric = 0;
      const parts = 20000;
      for (let i = 0; i < parts; i++) {
        const r0 = a + ((b - a) * i) / parts;
        const r1 = a + ((b - a) * (i + 1)) / parts;
        numeric += ((basis(r0) + basis(r1)) / 2) * (r1 - r0);
      }
      expect(lagrangeLogIntegral(nodes, j, a, b)).toBeCloseTo(numeric, 6);
    }
    expect(
      solve(
        [
          [2, 1],
          [1, 3],
        ],
        [3, 5],
      ),
    ).toEqual([expect.closeTo(0.8, 12), expect.closeTo(1.4, 12)]);
  });

  it('UniPC ends on σ = 0 and DEIS on the first train timestep, as diffusers', () => {
    const u = createScheduler('unipc') as UniPcScheduler;
    const d = createScheduler('deis') as DeisScheduler;
    u.setTimesteps(10);
    d.setTimesteps(10);
    expect(u.timesteps).toEqual(d.timesteps);
    expect(u.sigmas.at(-1)).toBe(0);
    expect(d.sigmas.at(-1)).toBeCloseTo(Math.exp(LOG_SIGMAS[0]!), 10);
  });
});

describe('stochastic samplers', () => {
  it.each(['dpmpp_sde', 'dpmpp_2s_a'] as const)('%s ends on the data distribution N(μ, s²)', (name) => {
    const n = 40000;
    const s = createScheduler(name, { overrides: { useKarrasSigmas: true } });
    const noise = new GaussianNoise(7);
    const x = run(s, 40, noise.normal(n), noise);
    const mean = x.reduce((a, v) => a + v, 0) / n;
    const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    expect(mean).toBeCloseTo(MU, 1);
    expect(Math.abs(sd - S) / S).toBeLessThan(0.03);
    // Without fresh noise the distribution collapses: the noise is what makes it right.
    const quiet: NoiseSource = { normal: (count) => new Float32Array(count) };
    const collapsed = run(createScheduler(name, { overrides: { useKarrasSigmas: true } }), 20, new GaussianNoise(7).normal(n), quiet);
    const sdQuiet = Math.sqrt(collapsed.reduce((a, v) => a + (v - MU) ** 2, 0) / n);
    expect(sdQuiet).toBeLessThan(0.9 * S);
  });

  it('DPM++ SDE: the ancestral step to the log-σ midpoint, then from σ_i with the midpoint x0 and the Brownian increment', () => {
    const s = createScheduler('dpmpp_sde') as DpmppSdeScheduler;
    s.setTimesteps(4);
    expect(s.timesteps).toHaveLength(7);
    const [s0, s1] = s.levels as [number, number];
    const mid = Math.exp(-(-Math.log(s0) - Math.log(s1)) / 2);
    const ancestral = (from: number, to: number) => {
      const up = Math.min(to, Math.sqrt((to ** 2 * (from ** 2 - to ** 2)) / from ** 2));
      return { up, down: Math.sqrt(to ** 2 - up ** 2) };
    };
    const x = 3;
    const eps = 0.2;
    const [z1, z2] = [0.7, -1.1];
    const draws = [z1, z2];
    const source: NoiseSource = { normal: (count) => Float32Array.from({ length: count }, () => draws[0]!) };
    const x0 = x - s0 * eps;
    // k-diffusion: x_2 = (σ_fn(s_)/σ_fn(t))·x − expm1(t − s_)·x0 + σ_up·z, with t = −log σ.
    const a1 = ancestral(s0, mid);
    const x2 = (a1.down / s0) * x - Math.expm1(-Math.log(s0) + Math.log(a1.down)) * x0 + a1.up * z1;
    const first = s.step(Float32Array.of(eps), s.timesteps[0]!, Float32Array.of(x), source).prevSample;
    expect(first[0]).toBeCloseTo(x2, 5);
    draws.shift();
    const eps2 = -0.4;
    const x0mid = x2 - mid * eps2;
    const a2 = ancestral(s0, s1);
    const w = (Math.sqrt(s0 - mid) * z1 + Math.sqrt(mid - s1) * z2) / Math.sqrt(s0 - s1);
    const expected = (a2.down / s0) * x - Math.expm1(-Math.log(s0) + Math.log(a2.down)) * x0mid + a2.up * w;
    const second = s.step(Float32Array.of(eps2), s.timesteps[1]!, first, source).prevSample;
    expect(second[0]).toBeCloseTo(expected, 5);
  });

  it('DPM++ 2S a: a DPM-Solver++ step to √(σ·σ_down), the model there, the step to σ_down, then σ_up of noise', () => {
    const s = createScheduler('dpmpp_2s_a') as Dpmpp2sAncestralScheduler;
    s.setTimesteps(4);
    const [s0, s1] = s.levels as [number, number];
    const up = Math.min(s1, Math.sqrt((s1 ** 2 * (s0 ** 2 - s1 ** 2)) / s0 ** 2));
    const down = Math.sqrt(s1 ** 2 - up ** 2);
    const h = Math.log(s0) - Math.log(down);
    const sMid = Math.exp(Math.log(s0) - h / 2);
    const x = 3;
    const x0 = x - s0 * 0.2;
    const x2 = (sMid / s0) * x - Math.expm1(-h / 2) * x0;
    const z = 0.9;
    const source: NoiseSource = { normal: (count) => new Float32Array(count).fill(z) };
    const first = s.step(Float32Array.of(0.2), s.timesteps[0]!, Float32Array.of(x), source).prevSample;
    expect(first[0]).toBeCloseTo(x2, 5);
    const t1 = s.timesteps[1]!;
    expect(sigmaOfT(t1)).toBeCloseTo(sMid, 4);
    const x0b = x2 - sMid * -0.3;
    const second = s.step(Float32Array.of(-0.3), t1, first, source).prevSample;
    expect(second[0]).toBeCloseTo((down / s0) * x - Math.expm1(-h) * x0b + up * z, 5);
  });

  it('img2img skips whole steps: a two-stage sampler starts at a step, not at a midpoint', () => {
    const s = createScheduler('heun');
    s.setTimesteps(10);
    const all = s.timesteps;
    s.setTimesteps(10, { strength: 0.5 });
    expect(s.timesteps).toEqual(all.slice(10));
    expect(s.timesteps).toHaveLength(9);
  });
});
