import { SAMPLERS, type CanvasModel, type GenerationSettings, type Recall, type Sampler } from './api';

/**
 * The form change a recalled image asks for, against what is installed here: a model, VAE or LoRA
 * this computer lacks, or a sampler the engine does not run, is left as it is and named in `notes`.
 */
export function applyRecall(r: Recall, models: CanvasModel[]): { change: Partial<GenerationSettings>; notes: string[] } {
  const change: Partial<GenerationSettings> = {};
  const notes: string[] = [];
  const installed = (type: CanvasModel['type'], name: string) => models.find((m) => m.type === type && m.name === name && m.is_available);
  if (r.prompt !== null) change.prompt = r.prompt;
  if (r.negative_prompt !== null) change.negative_prompt = r.negative_prompt;
  if (r.seed !== null) change.seed = r.seed;
  if (r.width !== null) change.width = r.width;
  if (r.height !== null) change.height = r.height;
  if (r.steps !== null) change.steps = r.steps;
  if (r.cfg_scale !== null) change.cfg_scale = r.cfg_scale;
  if (r.sampler !== null && SAMPLERS.includes(r.sampler as Sampler)) change.sampler = r.sampler as Sampler;
  else if (r.sampler_label) notes.push(`The sampler “${r.sampler_label}” is not one this engine runs; the form keeps its own.`);
  if (r.model !== null) {
    if (installed('main', r.model)) change.model = r.model;
    else notes.push(`The model “${r.model}” is not installed here; the form keeps its own.`);
  }
  if (r.vae !== null) {
    if (installed('vae', r.vae)) change.vae = r.vae;
    else notes.push(`The VAE “${r.vae}” is not installed here; the model's own decodes.`);
  } else change.vae = '';
  const loras = r.loras.filter((l) => installed('lora', l.name));
  for (const l of r.loras) if (!loras.includes(l)) notes.push(`The LoRA “${l.name}” is not installed here; it is left out.`);
  change.loras = loras;
  return { change, notes };
}
