import type { SchedulerName } from '../../../ai/diffusion/schedulers';

/**
 * Every sampler the engine runs: the scheduler, whether on Karras sigmas, A1111's label (its
 * `parameters` text and the tools that read it) and InvokeAI's scheduler name (its metadata and
 * workflows; DPM++ 2S a has none there).
 */
const SAMPLER_TABLE: [name: string, scheduler: SchedulerName, karras: boolean, a1111: string, invoke: string | null][] = [
  ['euler_a', 'euler_a', false, 'Euler a', 'euler_a'],
  ['euler', 'euler', false, 'Euler', 'euler'],
  ['euler_karras', 'euler', true, 'Euler Karras', 'euler_k'],
  ['ddim', 'ddim', false, 'DDIM', 'ddim'],
  ['dpmpp_2m', 'dpmpp_2m', false, 'DPM++ 2M', 'dpmpp_2m'],
  ['dpmpp_2m_karras', 'dpmpp_2m', true, 'DPM++ 2M Karras', 'dpmpp_2m_k'],
  ['dpmpp_2m_sde', 'dpmpp_2m_sde', false, 'DPM++ 2M SDE', 'dpmpp_2m_sde'],
  ['dpmpp_2m_sde_karras', 'dpmpp_2m_sde', true, 'DPM++ 2M SDE Karras', 'dpmpp_2m_sde_k'],
  ['dpmpp_sde', 'dpmpp_sde', false, 'DPM++ SDE', 'dpmpp_sde'],
  ['dpmpp_sde_karras', 'dpmpp_sde', true, 'DPM++ SDE Karras', 'dpmpp_sde_k'],
  ['dpmpp_2s_a', 'dpmpp_2s_a', false, 'DPM++ 2S a', null],
  ['dpmpp_2s_a_karras', 'dpmpp_2s_a', true, 'DPM++ 2S a Karras', null],
  ['heun', 'heun', false, 'Heun', 'heun'],
  ['heun_karras', 'heun', true, 'Heun Karras', 'heun_k'],
  ['lms', 'lms', false, 'LMS', 'lms'],
  ['lms_karras', 'lms', true, 'LMS Karras', 'lms_k'],
  ['unipc', 'unipc', false, 'UniPC', 'unipc'],
  ['unipc_karras', 'unipc', true, 'UniPC Karras', 'unipc_k'],
  ['deis', 'deis', false, 'DEIS', 'deis'],
  ['deis_karras', 'deis', true, 'DEIS Karras', 'deis_k'],
  ['lcm', 'lcm', false, 'LCM', 'lcm'],
];

/** The samplers as the engine runs them. */
export const SAMPLERS: Record<string, { scheduler: SchedulerName; karras: boolean }> = Object.fromEntries(
  SAMPLER_TABLE.map(([name, scheduler, karras]) => [name, { scheduler, karras }]),
);

/** A1111's label for each sampler. */
export const A1111_SAMPLER_LABELS: Record<string, string> = Object.fromEntries(SAMPLER_TABLE.map(([name, , , label]) => [name, label]));

/** Our sampler name for one of ours or an A1111 label ("DPM++ 2M Karras"). */
export function samplerName(value: string): string {
  if (value in SAMPLERS) return value;
  return Object.entries(A1111_SAMPLER_LABELS).find(([, label]) => label === value)?.[0] ?? value;
}

/** InvokeAI's scheduler names (its metadata and workflows), by our sampler name. */
export const INVOKE_SCHEDULER_OF: Record<string, string> = Object.fromEntries(
  SAMPLER_TABLE.flatMap(([name, , , , invoke]) => (invoke ? [[name, invoke]] : [])),
);
