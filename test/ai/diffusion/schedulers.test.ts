import { describe, expect, it } from 'vitest';
import {
  createScheduler,
  DpmppScheduler,
  EulerScheduler,
  lcmScalings,
  resolveSchedulerConfig,
  SchedulerConfigError,
  type NoiseSource,
  type Scheduler,
} from '../../../src-server/ai/diffusion/schedulers';
import { DDIM_SD21, PNDM_SD15 } from './fixtures';

// Every expected value is computed here from the published formulas (DDPM's ᾱ, k-diffusion's σ,
// Karras et al. eq. 5, DDIM eq. 12, DPM-Solver++ 2M in α/σ/λ form, LCM's boundary scalings),
// independently of the code under test, plus the constants known for SD's schedule.

/** The scheduler configs of SD 1.5 (PNDM, no timestep_spacing) and SD 2.1 (DDIM with v-prediction). */
const SD15 = PNDM_SD15;
const SD21 = DDIM_SD21;

/** SD's ᾱ_t straight from the definition: β_i = (√β₀ + i/999 · (√β₁ − √β₀))², ᾱ_t = ∏_{i≤t} (1 − β_i). */
function sdAlphaBar(): number[] {
  const lo = Math.sqrt(0.00085);
  const hi = Math.sqrt(0.012);
  const out: number[] = [];
  let prod = 1;
  for (let i = 0; i < 1000; i++) {
    const beta = (lo + (i / 999) * (hi - lo)) ** 2;
    prod *= 1 - beta;
    out.push(prod);
  }
  return out;
}
const ALPHA_BAR = sdAlphaBar();
const sigmaAt = (t: number) => Math.sqrt((1 - ALPHA_BAR[t]!) / ALPHA_BAR[t]!);

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]!, `index ${i}`).toBeCloseTo(expected[i]!, digits);
};

/** A noise source with known values, so ancestral steps can be checked by hand. */
const fixedNoise = (values: number[]): NoiseSource => ({
  normal: (n) => Float32Array.from({ length: n }, (_, i) => values[i % values.length]!),
});

/** The σ table of a σ-based scheduler: its steps' noise levels, then the final one. */
function sigmasOf(s: Scheduler): number[] {
  if (!(s instanceof EulerScheduler || s instanceof DpmppScheduler)) throw new Error(`${s.name} has no σ table`);
  return s.sigmas;
}

const SAMPLE = Float32Array.of(1, -0.5, 2, 0);
const OUTPUT = Float32Array.of(0.1, 0.2, -0.3, 0.4);

describe('noise schedule', () => {
  it('has SD scaled_linear ᾱ_t, with σ from 0.0292 to 14.6146', () => {
    const s = createScheduler('euler', { config: SD15 });
    close(s.alphasCumprod, ALPHA_BAR, 12);
    expect(s.alphasCumprod[0]).toBeCloseTo(0.99915, 12); // 1 − β₀
    expect(s.alphasCumprod[999]).toBeCloseTo(0.0046601, 6);
    // The σ range every SD UI reports for the k-diffusion samplers.
    expect(sigmaAt(999)).toBeCloseTo(14.6146, 4);
    expect(sigmaAt(0)).toBeCloseTo(0.0292, 4);
  });
});

describe('Euler', () => {
  it('spaces an SD 1.5 config "leading" with steps_offset 1 and starts from √(σ²+1)', () => {
    const s = createScheduler('euler', { config: SD15 });
    s.setTimesteps(20);
    expect(s.timesteps).toEqual(Array.from({ length: 20 }, (_, i) => 951 - 50 * i));
    expect(s.timesteps.at(-1)).toBe(1);
    expect(s.initNoiseSigma).toBeCloseTo(Math.sqrt(sigmaAt(951) ** 2 + 1), 6);
  });

  it('has the 20-step σ table of linspace spacing, interpolated between train timesteps', () => {
    const s = createScheduler('euler'); // no file: EulerDiscreteScheduler's own default, linspace
    s.setTimesteps(20);
    const expected = Array.from({ length: 20 }, (_, i) => {
      const t = Math.fround(999 - (999 * i) / 19);
      const lo = Math.floor(t);
      const w = t - lo;
      return lo === 999 ? sigmaAt(999) : (1 - w) * sigmaAt(lo) + w * sigmaAt(lo + 1);
    });
    // Kept in float32, as diffusers does.
    close(
      s.timesteps,
      Array.from({ length: 20 }, (_, i) => Math.fround(999 - (999 * i) / 19)),
      9,
    );
    close(sigmasOf(s), [...expected, 0], 6);
    expect(s.initNoiseSigma).toBeCloseTo(14.6146, 4);
  });

  it('spaces "trailing" from the last train timestep', () => {
    const s = createScheduler('euler', { config: { ...SD15, timestep_spacing: 'trailing' } });
    s.setTimesteps(20);
    expect(s.timesteps).toEqual(Array.from({ length: 20 }, (_, i) => 999 - 50 * i));
    s.setTimesteps(3);
    // round(1000 − i·333.33) − 1
    expect(s.timesteps).toEqual([999, 666, 332]);
    // numpy.arange's fill puts 1000 − 3·20.83 at 937.4999…, which rounds down (values printed by numpy 2.4).
    s.setTimesteps(48);
    expect(s.timesteps.slice(0, 5)).toEqual([999, 978, 957, 936, 916]);
  });

  it('uses Karras sigmas (ρ = 7) between the schedule ends', () => {
    const s = createScheduler('euler', { config: SD15, overrides: { useKarrasSigmas: true } });
    s.setTimesteps(20);
    const max = sigmaAt(951);
    const min = sigmaAt(1);
    const expected = Array.from({ length: 20 }, (_, i) => (max ** (1 / 7) + (i / 19) * (min ** (1 / 7) - max ** (1 / 7))) ** 7);
    const sigmas = sigmasOf(s);
    close(sigmas, [...expected, 0], 6);
    // The ends map back onto their train timesteps exactly; inner ones fall between.
    expect(s.timesteps[0]).toBeCloseTo(951, 6);
    expect(s.timesteps[19]).toBeCloseTo(1, 6);
  });

  it('steps x + ε(σ_next − σ) for epsilon and recovers x0 from v', () => {
    const s = createScheduler('euler', { config: SD15 });
    s.setTimesteps(20);
    const [t0, t1] = [951, 901];
    const sigma = sigmaAt(t0);
    const next = sigmaAt(t1);
    const scaled = s.scaleModelInput(SAMPLE, t0);
    close(
      scaled,
      [...SAMPLE].map((x) => x / Math.sqrt(sigma * sigma + 1)),
    );
    const { prevSample, predOriginalSample } = s.step(OUTPUT, t0, SAMPLE);
    close(
      prevSample,
      [...SAMPLE].map((x, i) => x + OUTPUT[i]! * (next - sigma)),
    );
    close(
      predOriginalSample,
      [...SAMPLE].map((x, i) => x - sigma * OUTPUT[i]!),
      4,
    );

    const v = createScheduler('euler', { config: { ...SD15, prediction_type: 'v_prediction' } });
    v.setTimesteps(20);
    const out = v.step(OUTPUT, t0, SAMPLE);
    // v = α ε − σ_vp x0 at α = 1/√(σ²+1), σ_vp = σα, with x = (x0 + σ ε) / √(σ²+1) undone: x0 = α x_vp − σ_vp v.
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const x0 = [...SAMPLE].map((x, i) => alpha * (x * alpha) - sigma * alpha * OUTPUT[i]!);
    close(out.predOriginalSample, x0);
    close(
      out.prevSample,
      [...SAMPLE].map((x, i) => x + ((x - x0[i]!) / sigma) * (next - sigma)),
      4,
    );
  });

  it('refuses a timestep out of order', () => {
    const s = createScheduler('euler', { config: SD15 });
    s.setTimesteps(20);
    expect(() => s.step(OUTPUT, 901, SAMPLE)).toThrow(/Expected timestep 951/);
  });

  it('skips the first steps for img2img strength and noises the image to the first σ', () => {
    const s = createScheduler('euler', { config: SD15 });
    s.setTimesteps(20, { strength: 0.75 });
    // floor(20 · 0.75) = 15 steps run: the schedule from its 6th timestep on.
    expect(s.timesteps).toEqual(Array.from({ length: 15 }, (_, i) => 701 - 50 * i));
    const noise = Float32Array.of(0.5, -1, 0.25, 2);
    close(
      s.addNoise(SAMPLE, noise, 701),
      [...SAMPLE].map((x, i) => x + noise[i]! * sigmaAt(701)),
    );
    expect(() => s.scaleModelInput(SAMPLE, 951)).toThrow(/Expected timestep 701/);
    s.scaleModelInput(SAMPLE, 701);
    expect(() => s.setTimesteps(20, { strength: 0.01 })).toThrow(/no step/);
  });
});

describe('Euler ancestral', () => {
  it('steps to σ_down and adds σ_up of fresh noise', () => {
    const s = createScheduler('euler_a', { config: SD15 });
    s.setTimesteps(20);
    const from = sigmaAt(951);
    const to = sigmaAt(901);
    const up = Math.sqrt((to ** 2 * (from ** 2 - to ** 2)) / from ** 2);
    const down = Math.sqrt(to ** 2 - up ** 2);
    const z = [0.3, -0.7, 1.1, 0.05];
    const { prevSample } = s.step(OUTPUT, 951, SAMPLE, fixedNoise(z));
    close(
      prevSample,
      [...SAMPLE].map((x, i) => x + OUTPUT[i]! * (down - from) + z[i]! * up),
    );
    expect(() => s.step(OUTPUT, 901, SAMPLE)).toThrow(/NoiseSource/);
  });
});

describe('DDIM', () => {
  it('spaces 50 steps "leading" with offset 1 as 981, 961, …, 1', () => {
    const s = createScheduler('ddim', { config: SD15 });
    s.setTimesteps(50);
    expect(s.timesteps.slice(0, 4)).toEqual([981, 961, 941, 921]);
    expect(s.timesteps).toHaveLength(50);
    expect(s.timesteps.at(-1)).toBe(1);
    expect(s.initNoiseSigma).toBe(1);
  });

  it('takes one deterministic step (eq. 12, η = 0) for epsilon and v', () => {
    const s = createScheduler('ddim', { config: SD15 });
    s.setTimesteps(50);
    const a = ALPHA_BAR[981]!;
    const ap = ALPHA_BAR[961]!;
    const x0 = [...SAMPLE].map((x, i) => (x - Math.sqrt(1 - a) * OUTPUT[i]!) / Math.sqrt(a));
    const { prevSample } = s.step(OUTPUT, 981, SAMPLE);
    close(
      prevSample,
      x0.map((x, i) => Math.sqrt(ap) * x + Math.sqrt(1 - ap) * OUTPUT[i]!),
    );

    const v = createScheduler('ddim', { config: SD21 });
    v.setTimesteps(50);
    const vx0 = [...SAMPLE].map((x, i) => Math.sqrt(a) * x - Math.sqrt(1 - a) * OUTPUT[i]!);
    const veps = [...SAMPLE].map((x, i) => Math.sqrt(a) * OUTPUT[i]! + Math.sqrt(1 - a) * x);
    const out = v.step(OUTPUT, 981, SAMPLE);
    close(out.predOriginalSample, vx0);
    close(
      out.prevSample,
      vx0.map((x, i) => Math.sqrt(ap) * x + Math.sqrt(1 - ap) * veps[i]!),
    );
  });

  it('ends on ᾱ_0 when set_alpha_to_one is false', () => {
    const s = createScheduler('ddim', { config: SD15 });
    s.setTimesteps(50);
    for (const t of s.timesteps.slice(0, -1)) s.step(OUTPUT, t, SAMPLE);
    const a = ALPHA_BAR[1]!;
    const ap = ALPHA_BAR[0]!;
    const x0 = [...SAMPLE].map((x, i) => (x - Math.sqrt(1 - a) * OUTPUT[i]!) / Math.sqrt(a));
    close(
      s.step(OUTPUT, 1, SAMPLE).prevSample,
      x0.map((x, i) => Math.sqrt(ap) * x + Math.sqrt(1 - ap) * OUTPUT[i]!),
    );
  });
});

describe('DPM++ 2M', () => {
  // α_t = √ᾱ_t, σ_t = √(1 − ᾱ_t), λ_t = ln(α_t/σ_t): the VP form DPM-Solver++ is written in.
  const vp = (t: number) => ({
    a: Math.sqrt(ALPHA_BAR[t]!),
    s: Math.sqrt(1 - ALPHA_BAR[t]!),
    l: Math.log(Math.sqrt(ALPHA_BAR[t]!) / Math.sqrt(1 - ALPHA_BAR[t]!)),
  });

  it('spaces linspace N+1 points and drops t = 0 (numpy rounds 499.5 to 500)', () => {
    const s = createScheduler('dpmpp_2m');
    s.setTimesteps(20);
    expect(s.timesteps).toEqual([999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50]);
    expect(s.initNoiseSigma).toBe(1);
  });

  it('takes a first-order step, then the midpoint second-order step, and lands on x0 at σ = 0', () => {
    const s = createScheduler('dpmpp_2m');
    s.setTimesteps(20);
    const x0At = (t: number, x: Float32Array, eps: Float32Array) => [...x].map((v, i) => (v - vp(t).s * eps[i]!) / vp(t).a);

    const [t0, t1, t2] = [999, 949, 899];
    const h0 = vp(t1).l - vp(t0).l;
    const m0 = x0At(t0, SAMPLE, OUTPUT);
    const first = s.step(OUTPUT, t0, SAMPLE).prevSample;
    close(
      first,
      [...SAMPLE].map((x, i) => (vp(t1).s / vp(t0).s) * x - vp(t1).a * (Math.exp(-h0) - 1) * m0[i]!),
      4,
    );

    const eps2 = Float32Array.of(-0.2, 0.1, 0.05, 0.3);
    const m1 = x0At(t1, first, eps2);
    const h1 = vp(t2).l - vp(t1).l;
    const r0 = h0 / h1;
    const second = s.step(eps2, t1, first).prevSample;
    const expected = [...first].map((x, i) => {
      const d1 = (m1[i]! - m0[i]!) / r0;
      return (vp(t2).s / vp(t1).s) * x - vp(t2).a * (Math.exp(-h1) - 1) * m1[i]! - 0.5 * vp(t2).a * (Math.exp(-h1) - 1) * d1;
    });
    close(second, expected, 4);

    let x = second;
    for (const t of s.timesteps.slice(2, -1)) x = s.step(OUTPUT, t, x).prevSample;
    const last = s.step(OUTPUT, 50, x);
    close(last.prevSample, x0At(50, x, OUTPUT), 4);
  });

  it('spans the whole trained σ range with Karras sigmas', () => {
    const s = createScheduler('dpmpp_2m', { overrides: { useKarrasSigmas: true } });
    s.setTimesteps(20);
    const sigmas = sigmasOf(s);
    const [max, min] = [sigmaAt(999), sigmaAt(0)];
    close(sigmas, [...Array.from({ length: 20 }, (_, i) => (max ** (1 / 7) + (i / 19) * (min ** (1 / 7) - max ** (1 / 7))) ** 7), 0], 6);
    expect(s.timesteps[0]).toBe(999);
    expect(s.timesteps[19]).toBe(0);
  });
});

describe('DPM++ 2M SDE', () => {
  const vp = (t: number) => ({
    a: Math.sqrt(ALPHA_BAR[t]!),
    s: Math.sqrt(1 - ALPHA_BAR[t]!),
    l: Math.log(Math.sqrt(ALPHA_BAR[t]!) / Math.sqrt(1 - ALPHA_BAR[t]!)),
  });
  /** A noise source that hands out fixed values, so the fresh-noise term can be checked. */
  const fixed = (...draws: number[][]) => ({ normal: (count: number) => Float32Array.from(draws.shift()!.slice(0, count)) });

  it('keeps e^{-h} of the noise and draws the rest: first order, then the midpoint second order, and lands on x0 at σ = 0', () => {
    const s = createScheduler('dpmpp_2m_sde');
    s.setTimesteps(20);
    expect(s.name).toBe('dpmpp_2m_sde');
    const x0At = (t: number, x: Float32Array, eps: Float32Array) => [...x].map((v, i) => (v - vp(t).s * eps[i]!) / vp(t).a);
    const z1 = [0.3, -1.2, 0.7, 0.05];
    const z2 = [-0.4, 0.9, 1.1, -0.6];

    const [t0, t1, t2] = [999, 949, 899];
    const h0 = vp(t1).l - vp(t0).l;
    const m0 = x0At(t0, SAMPLE, OUTPUT);
    const first = s.step(OUTPUT, t0, SAMPLE, fixed(z1)).prevSample;
    close(
      first,
      [...SAMPLE].map(
        (x, i) =>
          (vp(t1).s / vp(t0).s) * Math.exp(-h0) * x +
          vp(t1).a * (1 - Math.exp(-2 * h0)) * m0[i]! +
          vp(t1).s * Math.sqrt(1 - Math.exp(-2 * h0)) * z1[i]!,
      ),
      4,
    );

    const eps2 = Float32Array.of(-0.2, 0.1, 0.05, 0.3);
    const m1 = x0At(t1, first, eps2);
    const h1 = vp(t2).l - vp(t1).l;
    const r0 = h0 / h1;
    const second = s.step(eps2, t1, first, fixed(z2)).prevSample;
    const expected = [...first].map((x, i) => {
      const d1 = (m1[i]! - m0[i]!) / r0;
      return (
        (vp(t2).s / vp(t1).s) * Math.exp(-h1) * x +
        vp(t2).a * (1 - Math.exp(-2 * h1)) * (m1[i]! + 0.5 * d1) +
        vp(t2).s * Math.sqrt(1 - Math.exp(-2 * h1)) * z2[i]!
      );
    });
    close(second, expected, 4);

    let x = second;
    for (const t of s.timesteps.slice(2, -1)) x = s.step(OUTPUT, t, x, fixed([0, 0, 0, 0])).prevSample;
    close(s.step(OUTPUT, 50, x, fixed([5, 5, 5, 5])).prevSample, x0At(50, x, OUTPUT), 4);
    // Its fresh noise comes from the caller: without a source it says so.
    s.setTimesteps(20);
    expect(() => s.step(OUTPUT, 999, SAMPLE)).toThrow(/DPM\+\+ 2M SDE adds fresh noise/);
  });

  it('runs on the Karras schedule too, as "DPM++ 2M SDE Karras" (InvokeAI\'s dpmpp_2m_sde_k)', () => {
    const sde = createScheduler('dpmpp_2m_sde', { overrides: { useKarrasSigmas: true } });
    const ode = createScheduler('dpmpp_2m', { overrides: { useKarrasSigmas: true } });
    sde.setTimesteps(20);
    ode.setTimesteps(20);
    expect(sde.timesteps).toEqual(ode.timesteps);
  });
});

describe('LCM', () => {
  it('picks 4 of the 50 distillation timesteps: 999, 759, 499, 259', () => {
    const s = createScheduler('lcm');
    s.setTimesteps(4);
    expect(s.timesteps).toEqual([999, 759, 499, 259]);
    // strength 0.5 keeps the first 25 origin timesteps (499 … 19) and picks every 6.25th.
    s.setTimesteps(4, { strength: 0.5 });
    expect(s.timesteps).toEqual([499, 379, 259, 139]);
  });

  it('has the consistency boundary condition f(x, 0) = x', () => {
    expect(lcmScalings(0, 10)).toEqual({ cSkip: 1, cOut: 0 });
    const { cSkip, cOut } = lcmScalings(999, 10);
    expect(cSkip).toBeCloseTo(0.25 / (9990 ** 2 + 0.25), 15);
    expect(cOut).toBeCloseTo(9990 / Math.sqrt(9990 ** 2 + 0.25), 12);
  });

  it('re-noises the consistency estimate between steps and returns it at the last', () => {
    const s = createScheduler('lcm');
    s.setTimesteps(2); // 999, 499
    const z = [0.3, -0.7, 1.1, 0.05];
    const denoisedAt = (t: number, x: Float32Array) => {
      const { cSkip, cOut } = lcmScalings(t, 10);
      const a = ALPHA_BAR[t]!;
      return [...x].map((v, i) => cOut * ((v - Math.sqrt(1 - a) * OUTPUT[i]!) / Math.sqrt(a)) + cSkip * v);
    };
    const d0 = denoisedAt(999, SAMPLE);
    const first = s.step(OUTPUT, 999, SAMPLE, fixedNoise(z));
    close(first.predOriginalSample, d0);
    const ap = ALPHA_BAR[499]!;
    close(
      first.prevSample,
      d0.map((d, i) => Math.sqrt(ap) * d + Math.sqrt(1 - ap) * z[i]!),
    );
    const last = s.step(OUTPUT, 499, first.prevSample);
    close(last.prevSample, denoisedAt(499, first.prevSample));
  });
});

describe('scheduler_config.json', () => {
  it('inherits the source class defaults as diffusers from_config does', () => {
    expect(resolveSchedulerConfig('euler', SD15).timestepSpacing).toBe('leading');
    expect(resolveSchedulerConfig('euler', {}).timestepSpacing).toBe('linspace');
    expect(resolveSchedulerConfig('dpmpp_2m', { ...SD15, timestep_spacing: 'trailing' }).timestepSpacing).toBe('trailing');
    const v = resolveSchedulerConfig('euler_a', SD21);
    expect(v.predictionType).toBe('v_prediction');
    expect(v.stepsOffset).toBe(1);
    // DDIM's own default clips x0, the SD files switch it off.
    expect(resolveSchedulerConfig('ddim', SD15).clipSample).toBe(false);
    expect(resolveSchedulerConfig('ddim', { _class_name: 'EulerDiscreteScheduler' }).clipSample).toBe(true);
  });

  it('names the key it cannot use', () => {
    expect(() => resolveSchedulerConfig('euler', { prediction_type: 'flow' })).toThrow(SchedulerConfigError);
    expect(() => resolveSchedulerConfig('euler', { prediction_type: 'flow' })).toThrow(/prediction_type/);
    expect(() => resolveSchedulerConfig('euler', { rescale_betas_zero_snr: true })).toThrow(/rescale_betas_zero_snr/);
    expect(() => resolveSchedulerConfig('euler', { interpolation_type: 'log_linear' })).toThrow(/interpolation_type/);
    expect(resolveSchedulerConfig('euler', { interpolation_type: 'linear', rescale_betas_zero_snr: false }).timestepSpacing).toBe(
      'linspace',
    );
    expect(() => createScheduler('pndm' as never)).toThrow(/Unknown scheduler "pndm"/);
  });
});
