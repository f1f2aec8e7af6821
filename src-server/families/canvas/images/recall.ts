import { A1111_SAMPLER_LABELS, INVOKE_SCHEDULER_OF, SAMPLERS, samplerName } from '../generate/samplers';

/**
 * The generation settings an image carries, read back from its PNG text chunks: InvokeAI's
 * `invokeai_metadata` (what Atelier writes too), else A1111's `parameters` text. Fields the
 * image does not record are null; `sampler` is one of ours or null when the image names one the
 * engine does not run (`sampler_label` keeps what it said).
 */
export interface Recall {
  source: 'invokeai' | 'a1111';
  prompt: string | null;
  negative_prompt: string | null;
  seed: number | null;
  width: number | null;
  height: number | null;
  steps: number | null;
  cfg_scale: number | null;
  sampler: string | null;
  sampler_label: string | null;
  model: string | null;
  vae: string | null;
  loras: { name: string; weight: number }[];
  strength: number | null;
}

const EMPTY: Omit<Recall, 'source'> = {
  prompt: null,
  negative_prompt: null,
  seed: null,
  width: null,
  height: null,
  steps: null,
  cfg_scale: null,
  sampler: null,
  sampler_label: null,
  model: null,
  vae: null,
  loras: [],
  strength: null,
};

const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : null;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const modelNameOf = (v: unknown): string | null =>
  typeof v === 'string' ? v : isObject(v) ? (str(v.name) ?? str(v.model_name) ?? str(v.key)) : null;

const FROM_INVOKE: Record<string, string> = Object.fromEntries(Object.entries(INVOKE_SCHEDULER_OF).map(([ours, theirs]) => [theirs, ours]));

function fromInvoke(m: Record<string, unknown>): Recall {
  const scheduler = str(m.scheduler);
  const loras = Array.isArray(m.loras)
    ? m.loras.flatMap((l) => {
        if (!isObject(l)) return [];
        // InvokeAI 4+: {model, weight}; 3.x: {lora: {model_name}, weight}.
        const name = modelNameOf(l.model ?? l.lora);
        return name ? [{ name, weight: num(l.weight) ?? 1 }] : [];
      })
    : [];
  return {
    ...EMPTY,
    source: 'invokeai',
    prompt: str(m.positive_prompt),
    negative_prompt: str(m.negative_prompt),
    seed: num(m.seed),
    width: num(m.width),
    height: num(m.height),
    steps: num(m.steps),
    cfg_scale: num(m.cfg_scale),
    sampler: scheduler === null ? null : (FROM_INVOKE[scheduler] ?? (scheduler in SAMPLERS ? scheduler : null)),
    sampler_label: scheduler,
    model: modelNameOf(m.model),
    vae: modelNameOf(m.vae),
    loras,
    strength: num(m.strength),
  };
}

/** A1111's "Key: value, Key: "quoted, value", …" settings line. */
function settingsOf(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([\w /+-]+):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/g;
  for (let m = re.exec(line); m && m[0] !== ''; m = re.exec(line)) {
    const raw = m[2]!.trim();
    out.set(m[1]!.trim(), raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}

const LORA_TAG = /<lora:([^:>]+)(?::([-+]?\d*\.?\d+))?[^>]*>/g;

function fromA1111(text: string): Recall {
  const lines = text.split('\n');
  // The settings are the last line that starts with "Steps:"; the prompt and negative prompt come before.
  const settingsAt = lines.map((l) => l.startsWith('Steps: ')).lastIndexOf(true);
  const body = settingsAt < 0 ? lines : lines.slice(0, settingsAt);
  const negativeAt = body.findIndex((l) => l.startsWith('Negative prompt:'));
  const promptLines = negativeAt < 0 ? body : body.slice(0, negativeAt);
  const negative = negativeAt < 0 ? null : body.slice(negativeAt).join('\n').slice('Negative prompt:'.length).trim();
  const rawPrompt = promptLines.join('\n');
  const loras = [...rawPrompt.matchAll(LORA_TAG)].map((m) => ({ name: m[1]!, weight: m[2] === undefined ? 1 : Number(m[2]) }));
  const settings = settingsAt < 0 ? new Map<string, string>() : settingsOf(lines.slice(settingsAt).join(', '));
  const size = /^(\d+)x(\d+)$/.exec(settings.get('Size') ?? '');
  let label = settings.get('Sampler') ?? null;
  // A1111 1.9+ writes the schedule apart ("Sampler: DPM++ 2M, Schedule type: Karras").
  if (label && settings.get('Schedule type') === 'Karras' && !label.endsWith(' Karras')) label = `${label} Karras`;
  const ours = label === null ? null : samplerName(label);
  return {
    ...EMPTY,
    source: 'a1111',
    prompt: rawPrompt
      .replace(LORA_TAG, '')
      .replace(/\s{2,}/g, ' ')
      .trim(),
    negative_prompt: negative,
    seed: num(settings.get('Seed')),
    width: size ? Number(size[1]) : null,
    height: size ? Number(size[2]) : null,
    steps: num(settings.get('Steps')),
    cfg_scale: num(settings.get('CFG scale')),
    sampler: ours !== null && ours in A1111_SAMPLER_LABELS ? ours : null,
    sampler_label: label,
    model: settings.get('Model') ?? null,
    vae: settings.get('VAE') ?? null,
    loras,
    strength: num(settings.get('Denoising strength')),
  };
}

/** The settings a PNG's text chunks record, or null when it has neither InvokeAI's nor A1111's. */
export function recallFromText(text: Record<string, string>): Recall | null {
  if (text.invokeai_metadata) {
    try {
      const parsed: unknown = JSON.parse(text.invokeai_metadata);
      if (isObject(parsed)) return fromInvoke(parsed);
    } catch {
      // A broken chunk: fall back to A1111's text when there is one.
    }
  }
  if (text.parameters) return fromA1111(text.parameters);
  return null;
}
