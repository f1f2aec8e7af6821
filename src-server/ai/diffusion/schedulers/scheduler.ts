import { alphasCumprod, type SchedulerConfig, type SchedulerName } from './schedule';

/** Where a scheduler's fresh noise comes from (ancestral and LCM steps, DDIM with eta > 0). */
export interface NoiseSource {
  /** `count` standard normal values. */
  normal(count: number): Float32Array;
}

export interface StepResult {
  /** The latents for the next step (x_{t−1}). */
  prevSample: Float32Array;
  /** The model's estimate of the clean latents at this step (LCM's "denoised"). */
  predOriginalSample: Float32Array;
}

export interface SetTimestepsOptions {
  /**
   * img2img: how much of the schedule to run, in (0, 1]. The first `steps − floor(steps·strength)`
   * steps are skipped, as diffusers' img2img pipelines do; LCM shortens its origin schedule instead.
   */
  strength?: number;
}

/**
 * One sampler. A run is: `setTimesteps`, latents = noise × `initNoiseSigma` (or, for img2img,
 * `addNoise(image latents, noise, timesteps[0])`), then for each `t` of `timesteps`: the UNet on
 * `scaleModelInput(latents, t)`, and `latents = step(output, t, latents, noise).prevSample`.
 * Steps must come in order; a timestep out of order is an error rather than a silent wrong image.
 */
export interface Scheduler {
  readonly name: SchedulerName;
  readonly config: SchedulerConfig;
  /** ᾱ_t for every train timestep. */
  readonly alphasCumprod: Float64Array;
  /** The timesteps this run steps through, first to last (after img2img's skip). */
  readonly timesteps: readonly number[];
  /** The standard deviation of the initial noise. */
  readonly initNoiseSigma: number;
  setTimesteps(steps: number, options?: SetTimestepsOptions): void;
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult;
  /** Noises clean latents to the level of `timestep` (img2img's starting point). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

export abstract class BaseScheduler implements Scheduler {
  abstract readonly name: SchedulerName;
  readonly alphasCumprod: Float64Array;
  /** The whole schedule; a run starts at `begin`. */
  protected all: number[] = [];
  protected begin = 0;
  /** The index in `all` of the next step. */
  protected index = 0;
  protected steps = 0;

  constructor(readonly config: SchedulerConfig) {
    this.alphasCumprod = alphasCumprod(config);
  }

  get timesteps(): readonly number[] {
    return this.all.slice(this.begin);
  }

  abstract get initNoiseSigma(): number;

  /** The whole schedule for `steps` steps (and LCM's strength). */
  protected abstract schedule(steps: number, strength: number): number[];

  /** Resets per-run state (DPM++'s history). */
  protected reset(): void {}

  setTimesteps(steps: number, options: SetTimestepsOptions = {}): void {
    const strength = options.strength ?? 1;
    if (!Number.isInteger(steps) || steps < 1 || steps > this.config.numTrainTimesteps) {
      throw new RangeError(`steps must be an integer from 1 to ${this.config.numTrainTimesteps}, got ${steps}`);
    }
    if (!(strength > 0 && strength <= 1)) throw new RangeError(`strength must be in (0, 1], got ${strength}`);
    this.steps = steps;
    this.all = this.schedule(steps, strength);
    this.begin = this.skipsForStrength() ? this.stepStart(steps - Math.min(Math.floor(steps * strength), steps)) : 0;
    if (this.begin >= this.all.length) throw new RangeError(`strength ${strength} leaves no step of ${steps} to run`);
    this.index = this.begin;
    this.reset();
  }

  /** The schedule entry where step `step` starts (two-stage samplers evaluate the model twice a step). */
  protected stepStart(step: number): number {
    return step;
  }

  /** Whether img2img's strength skips the first steps (all but LCM, which folds it into its schedule). */
  protected skipsForStrength(): boolean {
    return true;
  }

  /** Checks that `timestep` is the next step's and returns that step's index. */
  protected current(timestep: number): number {
    if (!this.all.length) throw new Error('setTimesteps() has not been called');
    if (this.index >= this.all.length) throw new Error(`All ${this.all.length - this.begin} steps have run`);
    if (this.all[this.index] !== timestep)
      throw new Error(`Expected timestep ${this.all[this.index]} (step ${this.index - this.begin}), got ${timestep}`);
    return this.index;
  }

  /** The index of `timestep` from the run's start on (img2img's noising). */
  protected indexOf(timestep: number): number {
    const i = this.all.indexOf(timestep, this.begin);
    if (i < 0) throw new Error(`Timestep ${timestep} is not in this run's schedule`);
    return i;
  }

  abstract scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  abstract step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult;
  abstract addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

export function sameLength(name: string, ...arrays: Float32Array[]): number {
  const n = arrays[0]!.length;
  for (const a of arrays)
    if (a.length !== n) throw new RangeError(`${name}: tensors of ${arrays.map((x) => x.length).join(' and ')} values`);
  return n;
}

/** Fresh noise for `count` values, or an error naming the scheduler that needs it. */
export function drawNoise(noise: NoiseSource | undefined, count: number, who: string): Float32Array {
  if (!noise) throw new Error(`${who} adds fresh noise at each step: pass a NoiseSource`);
  const z = noise.normal(count);
  if (z.length !== count) throw new RangeError(`${who}: the noise source gave ${z.length} values for ${count}`);
  return z;
}

/** x0 from the model output under DDPM's parametrisation at ᾱ_t (DDIM, LCM). */
export function predictOriginal(config: SchedulerConfig, alphaProd: number, out: number, sample: number): number {
  const a = Math.sqrt(alphaProd);
  const b = Math.sqrt(1 - alphaProd);
  switch (config.predictionType) {
    case 'epsilon':
      return (sample - b * out) / a;
    case 'v_prediction':
      return a * sample - b * out;
    case 'sample':
      return out;
  }
}

/** DDPM's forward process: √ᾱ_t · x0 + √(1 − ᾱ_t) · ε. */
export function noiseToAlpha(original: Float32Array, noise: Float32Array, alphaProd: number): Float32Array {
  const n = sameLength('addNoise', original, noise);
  const a = Math.sqrt(alphaProd);
  const b = Math.sqrt(1 - alphaProd);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a * original[i]! + b * noise[i]!;
  return out;
}
