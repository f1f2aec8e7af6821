// The noise schedule shared by every scheduler, following diffusers (huggingface/diffusers,
// src/diffusers/schedulers/). Tables are computed in float64; diffusers computes betas in float32,
// so values agree to about 1e-6 relative, far below what a float16 UNet can tell apart.

export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

/** The scheduler_config.json keys the schedulers here read, camel-cased, every one filled in. */
export interface SchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas: number[] | null;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  /** DDIM/LCM: the alpha past the last step is 1 (true) or alphas_cumprod[0] (false). */
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
  /** Euler, DPM++: Karras et al. (2022) sigmas instead of the training ones. */
  useKarrasSigmas: boolean;
  /** Overrides of the Karras range ends; null takes them from the schedule. */
  sigmaMin: number | null;
  sigmaMax: number | null;
  finalSigmasType: 'zero' | 'sigma_min';
  /** DPM++: the order (2 for DPM++ 2M) and whether the last steps drop to first order. */
  solverOrder: number;
  lowerOrderFinal: boolean;
  eulerAtFinal: boolean;
  /** LCM: the distillation schedule's length and the boundary-condition time scaling. */
  originalInferenceSteps: number;
  timestepScaling: number;
}

/** How a scheduler_config.json is given: the parsed file (snake_case keys, as diffusers writes them). */
export type SchedulerConfigJson = Record<string, unknown>;

const BASE: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  trainedBetas: null,
  predictionType: 'epsilon',
  timestepSpacing: 'linspace',
  stepsOffset: 0,
  setAlphaToOne: true,
  clipSample: false,
  clipSampleRange: 1,
  useKarrasSigmas: false,
  sigmaMin: null,
  sigmaMax: null,
  finalSigmasType: 'zero',
  solverOrder: 2,
  lowerOrderFinal: true,
  eulerAtFinal: false,
  originalInferenceSteps: 50,
  timestepScaling: 10,
};

/**
 * Each diffusers class's own defaults for the keys where classes differ. diffusers records every
 * constructor argument, defaults included, so `Euler.from_config(pndm.config)` inherits PNDM's
 * "leading" spacing from an SD 1.5 config that never wrote it; reading the defaults of the class
 * the file names reproduces that.
 */
const CLASS_DEFAULTS: Record<string, Partial<SchedulerConfig>> = {
  PNDMScheduler: { timestepSpacing: 'leading', setAlphaToOne: false },
  DDIMScheduler: { timestepSpacing: 'leading', setAlphaToOne: true, clipSample: true },
  DDPMScheduler: { timestepSpacing: 'leading', clipSample: true },
  LCMScheduler: { timestepSpacing: 'leading', setAlphaToOne: true, clipSample: false },
  EulerDiscreteScheduler: { timestepSpacing: 'linspace' },
  EulerAncestralDiscreteScheduler: { timestepSpacing: 'linspace' },
  DPMSolverMultistepScheduler: { timestepSpacing: 'linspace' },
  LMSDiscreteScheduler: { timestepSpacing: 'linspace' },
  UniPCMultistepScheduler: { timestepSpacing: 'linspace' },
  HeunDiscreteScheduler: { timestepSpacing: 'linspace' },
  DPMSolverSDEScheduler: { timestepSpacing: 'linspace' },
  DEISMultistepScheduler: { timestepSpacing: 'linspace' },
};

/** The defaults of each scheduler implemented here, used for keys neither the file nor its class sets. */
export const SCHEDULER_CLASS = {
  euler: 'EulerDiscreteScheduler',
  euler_a: 'EulerAncestralDiscreteScheduler',
  ddim: 'DDIMScheduler',
  dpmpp_2m: 'DPMSolverMultistepScheduler',
  dpmpp_2m_sde: 'DPMSolverMultistepScheduler',
  lcm: 'LCMScheduler',
  heun: 'HeunDiscreteScheduler',
  lms: 'LMSDiscreteScheduler',
  dpmpp_sde: 'DPMSolverSDEScheduler',
  // k-diffusion's sampler has no diffusers class; it shares Euler ancestral's schedule.
  dpmpp_2s_a: 'EulerAncestralDiscreteScheduler',
  unipc: 'UniPCMultistepScheduler',
  deis: 'DEISMultistepScheduler',
} as const;

export type SchedulerName = keyof typeof SCHEDULER_CLASS;

const KEYS: Record<string, keyof SchedulerConfig> = {
  num_train_timesteps: 'numTrainTimesteps',
  beta_start: 'betaStart',
  beta_end: 'betaEnd',
  beta_schedule: 'betaSchedule',
  trained_betas: 'trainedBetas',
  prediction_type: 'predictionType',
  timestep_spacing: 'timestepSpacing',
  steps_offset: 'stepsOffset',
  set_alpha_to_one: 'setAlphaToOne',
  clip_sample: 'clipSample',
  clip_sample_range: 'clipSampleRange',
  use_karras_sigmas: 'useKarrasSigmas',
  sigma_min: 'sigmaMin',
  sigma_max: 'sigmaMax',
  final_sigmas_type: 'finalSigmasType',
  solver_order: 'solverOrder',
  lower_order_final: 'lowerOrderFinal',
  euler_at_final: 'eulerAtFinal',
  original_inference_steps: 'originalInferenceSteps',
  timestep_scaling: 'timestepScaling',
};

const ALLOWED: Partial<Record<keyof SchedulerConfig, readonly string[]>> = {
  betaSchedule: ['linear', 'scaled_linear', 'squaredcos_cap_v2'],
  predictionType: ['epsilon', 'v_prediction', 'sample'],
  timestepSpacing: ['leading', 'trailing', 'linspace'],
  finalSigmasType: ['zero', 'sigma_min'],
};

export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerConfigError';
  }
}

/**
 * Resolves the configuration of `name` from a scheduler_config.json (or none: SD's schedule), then
 * `overrides`. Unknown keys are ignored, as diffusers does; a known key of the wrong type, or a
 * feature not implemented here (zero-terminal-SNR rescaling), is an error naming the key.
 */
export function resolveSchedulerConfig(
  name: SchedulerName,
  json: SchedulerConfigJson = {},
  overrides: Partial<SchedulerConfig> = {},
): SchedulerConfig {
  const source = typeof json._class_name === 'string' ? CLASS_DEFAULTS[json._class_name] : undefined;
  const config: SchedulerConfig = { ...BASE, ...CLASS_DEFAULTS[SCHEDULER_CLASS[name]], ...source };
  const target = config as unknown as Record<string, unknown>;
  for (const [key, field] of Object.entries(KEYS)) {
    const value = json[key];
    if (value === undefined) continue;
    const expected = BASE[field];
    const nullable = field === 'trainedBetas' || field === 'sigmaMin' || field === 'sigmaMax';
    if (value === null && nullable) {
      target[field] = null;
      continue;
    }
    const ok =
      field === 'trainedBetas'
        ? Array.isArray(value) && value.every((v) => typeof v === 'number')
        : nullable
          ? typeof value === 'number'
          : typeof value === typeof expected && (typeof value !== 'string' || (ALLOWED[field] ?? []).includes(value));
    if (!ok) throw new SchedulerConfigError(`scheduler_config.json: ${key} = ${JSON.stringify(value)} is not supported`);
    target[field] = value;
  }
  // Settings that change the schedule in ways not implemented here: refuse rather than sample wrongly.
  const unsupported: [string, unknown][] = [
    ['rescale_betas_zero_snr', false],
    ['interpolation_type', 'linear'],
    ['timestep_type', 'discrete'],
  ];
  for (const [key, only] of unsupported) {
    if (json[key] !== undefined && json[key] !== null && json[key] !== only)
      throw new SchedulerConfigError(`scheduler_config.json: ${key} = ${JSON.stringify(json[key])} is not supported`);
  }
  Object.assign(config, overrides);
  if (!Number.isInteger(config.numTrainTimesteps) || config.numTrainTimesteps < 2)
    throw new SchedulerConfigError(`num_train_timesteps must be an integer ≥ 2, got ${config.numTrainTimesteps}`);
  if (config.trainedBetas && config.trainedBetas.length !== config.numTrainTimesteps) {
    throw new SchedulerConfigError(
      `trained_betas has ${config.trainedBetas.length} values for ${config.numTrainTimesteps} train timesteps`,
    );
  }
  return config;
}

/** `n` evenly spaced values from `start` to `end` inclusive (numpy.linspace). */
export function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  // numpy's arithmetic exactly (i·step + start, the last value pinned), so rounding lands the same way.
  const step = (end - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? end : i * step + start));
}

/**
 * numpy.arange(start, stop, step) for floats, value for value: numpy fills with start + i·delta
 * where delta is (start + step) − start, not step, which moves some values across a .5 boundary.
 */
export function arange(start: number, stop: number, step: number): number[] {
  const count = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length: count }, (_, i) => (i === 0 ? start : i === 1 ? start + step : start + i * delta));
}

/** Rounds half to even, as numpy's round does (leading/trailing spacing lands on .5 for some step counts). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** betas_for_alpha_bar with the cosine alpha_bar of Nichol & Dhariwal (squaredcos_cap_v2). */
function cosineBetas(n: number): number[] {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
}

export function betas(config: SchedulerConfig): Float64Array {
  const n = config.numTrainTimesteps;
  if (config.trainedBetas) return Float64Array.from(config.trainedBetas);
  switch (config.betaSchedule) {
    case 'linear':
      return Float64Array.from(linspace(config.betaStart, config.betaEnd, n));
    case 'scaled_linear':
      // Linear in sqrt(beta): the schedule SD was trained with.
      return Float64Array.from(linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n), (b) => b * b);
    case 'squaredcos_cap_v2':
      return Float64Array.from(cosineBetas(n));
  }
}

/** ᾱ_t = ∏_{s≤t} (1 − β_s). */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const b = betas(config);
  const out = new Float64Array(b.length);
  let prod = 1;
  for (let i = 0; i < b.length; i++) out[i] = prod *= 1 - b[i]!;
  return out;
}

/** The k-diffusion noise level of each train timestep: σ_t = √((1 − ᾱ_t) / ᾱ_t). */
export function trainSigmas(alphas: Float64Array): Float64Array {
  return alphas.map((a) => Math.sqrt((1 - a) / a));
}

/**
 * Inference timesteps, largest first, as diffusers' Euler/DDIM schedulers space them ("leading",
 * "trailing", "linspace" of Lin et al. 2023, table 2). Linspace timesteps stay fractional here;
 * DDIM rounds them (`integer`).
 */
export function spacedTimesteps(config: SchedulerConfig, steps: number, integer: boolean): number[] {
  const n = config.numTrainTimesteps;
  switch (config.timestepSpacing) {
    case 'linspace': {
      const t = linspace(0, n - 1, steps).reverse();
      return integer ? t.map(roundHalfEven) : t;
    }
    case 'leading': {
      const ratio = Math.floor(n / steps);
      return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + config.stepsOffset);
    }
    case 'trailing':
      return arange(n, 0, -n / steps).map((t) => roundHalfEven(t) - 1);
  }
}

/** numpy.interp over the integer grid 0..table.length-1. */
export function interpAt(table: ArrayLike<number>, t: number): number {
  if (t <= 0) return table[0]!;
  const last = table.length - 1;
  if (t >= last) return table[last]!;
  const i = Math.floor(t);
  const w = t - i;
  return table[i]! * (1 - w) + table[i + 1]! * w;
}

/** Karras et al. (2022) eq. 5: σ_i = (σ_max^(1/ρ) + i/(N−1) · (σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ with ρ = 7. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, steps: number, rho = 7): number[] {
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return linspace(0, 1, steps).map((r) => (maxInv + r * (minInv - maxInv)) ** rho);
}

/** The fractional train timestep whose sigma is `sigma`: linear interpolation in log σ (diffusers' _sigma_to_t). */
export function sigmaToT(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma >= logSigmas[i]!) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lo = logSigmas[low]!;
  const hi = logSigmas[low + 1]!;
  const w = Math.min(1, Math.max(0, (lo - logSigma) / (lo - hi)));
  return (1 - w) * low + w * (low + 1);
}
