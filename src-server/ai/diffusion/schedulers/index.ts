import { DdimScheduler } from './ddim';
import { DpmppScheduler } from './dpmpp';
import { EulerScheduler } from './euler';
import { Dpmpp2sAncestralScheduler, DpmppSdeScheduler, HeunScheduler, LmsScheduler } from './ksampler';
import { LcmScheduler } from './lcm';
import { DeisScheduler, UniPcScheduler } from './multistep';
import {
  resolveSchedulerConfig,
  SCHEDULER_CLASS,
  SchedulerConfigError,
  type SchedulerConfig,
  type SchedulerConfigJson,
  type SchedulerName,
} from './schedule';
import type { Scheduler } from './scheduler';

export * from './schedule';
export * from './scheduler';
export { lcmScalings } from './lcm';
export { EulerScheduler, DdimScheduler, DpmppScheduler, LcmScheduler, HeunScheduler, LmsScheduler, DpmppSdeScheduler };
export { Dpmpp2sAncestralScheduler, UniPcScheduler, DeisScheduler };

export const SCHEDULER_NAMES = Object.keys(SCHEDULER_CLASS) as SchedulerName[];

export interface CreateSchedulerOptions {
  /** The model's scheduler/scheduler_config.json, parsed; SD's training schedule when absent. */
  config?: SchedulerConfigJson;
  /** Wins over the file (e.g. `{ useKarrasSigmas: true }` for "DPM++ 2M Karras"). */
  overrides?: Partial<SchedulerConfig>;
  /** DDIM's η: 0 is deterministic DDIM, 1 is DDPM-like. */
  eta?: number;
}

/** A scheduler by name, configured from a model's scheduler_config.json the way diffusers' `from_config` does. */
export function createScheduler(name: SchedulerName, options: CreateSchedulerOptions = {}): Scheduler {
  if (!(name in SCHEDULER_CLASS))
    throw new SchedulerConfigError(`Unknown scheduler "${String(name)}"; one of ${SCHEDULER_NAMES.join(', ')}`);
  const config = resolveSchedulerConfig(name, options.config, options.overrides);
  switch (name) {
    case 'euler':
      return new EulerScheduler(config, false);
    case 'euler_a':
      return new EulerScheduler(config, true);
    case 'ddim':
      return new DdimScheduler(config, options.eta ?? 0);
    case 'dpmpp_2m':
      return new DpmppScheduler(config);
    case 'dpmpp_2m_sde':
      return new DpmppScheduler(config, true);
    case 'lcm':
      return new LcmScheduler(config);
    case 'heun':
      return new HeunScheduler(config);
    case 'lms':
      return new LmsScheduler(config);
    case 'dpmpp_sde':
      return new DpmppSdeScheduler(config);
    case 'dpmpp_2s_a':
      return new Dpmpp2sAncestralScheduler(config);
    case 'unipc':
      return new UniPcScheduler(config);
    case 'deis':
      return new DeisScheduler(config);
  }
}
