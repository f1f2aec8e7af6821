import { useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Card, Field, Input, Slider } from '../../../components';
import { canvasApi, SAMPLERS, type CanvasModel } from '../api';
import { useAttempt } from '../useAttempt';
import { ASPECTS, aspectSize, hasPaint, visibleStrokes } from '../canvas/geometry';
import { maskPng } from '../canvas/render';
import { useImages } from '../store';
import type { Mode } from '../store/settings';
import { useImageDrop } from './DropZone';
import { SourcePicker } from './SourcePicker';
import { ModelExtras, RecallUpload } from './ModelExtras';
import { spend } from '../../../lib/words';
import { ariaKeys, pressSubmit, useShortcut, withShortcut } from '../../../lib/shortcuts';

const MODES: { mode: Mode; label: string }[] = [
  { mode: 'text', label: 'Text to image' },
  { mode: 'image', label: 'Image to image' },
  { mode: 'inpaint', label: 'Inpaint' },
];

/** The engine's most images a request (MAX_BATCH in ai/diffusion/pipeline.ts; the server checks it). */
const MAX_BATCH = 8;

/** The sizes a checkpoint accepts (generate/inputs.ts): multiples of 8 from half its native size to twice it (SDXL 1.5×). */
export function sizeBounds(model: CanvasModel | undefined): { min: number; max: number } {
  const native = model?.native_size ?? 512;
  const up = (v: number) => Math.ceil(v / 8) * 8;
  const down = (v: number) => Math.floor(v / 8) * 8;
  return { min: Math.max(8, up(native / 2)), max: down(native * (model?.base === 'sdxl' ? 1.5 : 2)) };
}

const numberOr = (text: string, fallback: number) => {
  const v = Number(text);
  return text.trim() !== '' && Number.isFinite(v) ? v : fallback;
};

/** The generation form: prompt, model, size, sampling, seed and batch; from an image and with a mask in the other modes. */
type NumericSetting = 'width' | 'height' | 'steps' | 'cfg_scale' | 'batch_size' | 'seed';

/** One number of the generation settings, read from and written to the images store. */
function NumberSetting(props: { label: string; hint?: string; field: NumericSetting; min: number; max: number; step?: number }) {
  const { label, hint, field, ...limits } = props;
  const value = useImages((s) => s.settings[field]);
  const setSettings = useImages((s) => s.setSettings);
  return (
    <Field label={label} hint={hint}>
      {(c) => (
        <Input {...c} type="number" {...limits} value={value} onChange={(e) => setSettings({ [field]: numberOr(e.target.value, value) })} />
      )}
    </Field>
  );
}

/** A mode tab that also takes a dropped image, switching to its mode. */
function ModeTab({ mode, label, onError }: { mode: Mode; label: string; onError: (message: string | null) => void }) {
  const current = useImages((s) => s.mode);
  const setMode = useImages((s) => s.setMode);
  const { over, handlers } = useImageDrop(mode === 'text' ? null : mode, onError);
  return (
    <button
      type="button"
      role="radio"
      aria-checked={current === mode}
      className={`mode-tab${current === mode ? ' active' : ''}${over ? ' drop-over' : ''}`}
      onClick={() => setMode(mode)}
      {...(mode === 'text' ? {} : handlers)}
    >
      {label}
    </button>
  );
}

/** The prompts sent before, newest first: picking one puts it (and its negative prompt) back in the form. */
function PromptHistory() {
  const history = useImages((s) => s.promptHistory);
  const setSettings = useImages((s) => s.setSettings);
  if (history.length === 0) return null;
  return (
    <select
      className="input prompt-history"
      aria-label="Prompt history"
      value=""
      onChange={(e) => {
        const past = history[Number(e.target.value)];
        if (past) setSettings({ prompt: past.prompt, negative_prompt: past.negative_prompt });
      }}
    >
      <option value="">Recent prompts…</option>
      {history.map((h, i) => (
        <option key={h.prompt} value={i}>
          {h.prompt.length > 80 ? `${h.prompt.slice(0, 79)}…` : h.prompt}
        </option>
      ))}
    </select>
  );
}

export function GeneratePanel() {
  const { models, settings, setSettings, source, mode, queueFromForm, setCentre } = useImages();
  const [strength, setStrength] = useState(0.75);
  const { busy, error, setError, attempt } = useAttempt();
  const [queued, setQueued] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  // Inpainting redraws everything under the mask by default; image-to-image keeps some of the source.
  const [lastMode, setLastMode] = useState(mode);
  if (lastMode !== mode) {
    setLastMode(mode);
    setStrength(mode === 'inpaint' ? 1 : 0.75);
  }
  useShortcut('generate', () => pressSubmit(form.current));

  const checkpoints = (models ?? []).filter((m) => m.type === 'main');
  const model = checkpoints.find((m) => m.name === settings.model);
  const bounds = sizeBounds(model);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setQueued(null);
    if (mode !== 'text' && !source)
      return setError('Choose a starting image first: upload one, or pick one in the gallery (“Use as source”).');
    let maskImage: string | null = null;
    const { strokes, sourceSize, feather } = useImages.getState();
    if (mode === 'inpaint') {
      if (!hasPaint(strokes) || !sourceSize) {
        setCentre('canvas');
        return setError('Paint over the part of the image to redraw first, on the canvas.');
      }
      maskImage = maskPng(visibleStrokes(strokes), sourceSize.width, sourceSize.height);
    }
    await attempt(async () => {
      const accepted = await queueFromForm(
        () =>
          mode === 'text'
            ? canvasApi.textToImage(settings)
            : mode === 'image'
              ? canvasApi.imageToImage(settings, source!.ref, strength)
              : canvasApi.inpaint(settings, source!.ref, maskImage!, strength, feather),
        mode === 'text' ? 'text_to_image' : mode === 'image' ? 'image_to_image' : 'inpaint',
        { ...settings },
      );
      setQueued(
        `Sent to the queue at position ${accepted.queue_position} (about ${accepted.estimated_wait_seconds} s, about ${spend(accepted.estimated_credits)}); follow it in the viewer.`,
      );
    });
  };

  return (
    <Card title="Generate" data-testid="generate-panel">
      <form ref={form} className="stack" onSubmit={(e) => void submit(e)} aria-label="Generate images">
        <div className="mode-tabs" role="radiogroup" aria-label="Mode">
          {MODES.map((m) => (
            <ModeTab key={m.mode} mode={m.mode} label={m.label} onError={setError} />
          ))}
        </div>
        <RecallUpload />
        <PromptHistory />
        <Field label="Prompt">
          {(c) => (
            <textarea
              {...c}
              className="input textarea"
              rows={3}
              maxLength={2000}
              required
              value={settings.prompt}
              placeholder="a lighthouse at dawn, oil painting"
              onChange={(e) => setSettings({ prompt: e.target.value })}
            />
          )}
        </Field>
        <Field label="Negative prompt" hint="What to keep out of the picture.">
          {(c) => (
            <textarea
              {...c}
              className="input textarea"
              rows={2}
              maxLength={2000}
              value={settings.negative_prompt}
              onChange={(e) => setSettings({ negative_prompt: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="Model"
          hint={
            checkpoints.some((m) => !m.is_available)
              ? `Unavailable: ${checkpoints
                  .filter((m) => !m.is_available)
                  .map((m) => `${m.display_name} (${m.unavailable_reason ?? 'unavailable'})`)
                  .join('; ')}`
              : model?.description
          }
        >
          {(c) => (
            <select
              {...c}
              className="input"
              value={settings.model}
              onChange={(e) => {
                const next = checkpoints.find((m) => m.name === e.target.value);
                const size = next?.native_size;
                setSettings({ model: e.target.value, ...(size ? { width: size, height: size } : {}) });
              }}
            >
              {checkpoints.map((m) => (
                <option key={m.id} value={m.name} disabled={!m.is_available}>
                  {m.display_name}
                  {m.base ? ` · ${m.base}` : ''}
                  {m.is_available ? '' : ` — unavailable: ${m.unavailable_reason ?? 'unknown reason'}`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ModelExtras model={model} />
        <div className="form-grid">
          {(
            [
              ['Width', 'width'],
              ['Height', 'height'],
            ] as const
          ).map(([label, field]) => (
            <NumberSetting
              key={field}
              label={label}
              hint={`${bounds.min}–${bounds.max}, multiple of 8`}
              field={field}
              min={bounds.min}
              max={bounds.max}
              step={8}
            />
          ))}
          <div className="aspect-presets" role="group" aria-label="Aspect ratio">
            {ASPECTS.map((a) => {
              const size = aspectSize(a, model?.native_size ?? 512, bounds);
              const on = size.width === settings.width && size.height === settings.height;
              return (
                <button
                  key={a}
                  type="button"
                  className={`aspect-chip${on ? ' active' : ''}`}
                  aria-pressed={on}
                  title={`${size.width} × ${size.height}`}
                  onClick={() => setSettings(size)}
                >
                  {a}
                </button>
              );
            })}
          </div>
          <NumberSetting label="Steps" field="steps" min={1} max={150} />
          <NumberSetting label="CFG scale" hint="1 or less: no guidance" field="cfg_scale" min={0} max={30} step={0.5} />
          <Field label="Sampler">
            {(c) => (
              <select
                {...c}
                className="input"
                value={settings.sampler}
                onChange={(e) => setSettings({ sampler: e.target.value as (typeof SAMPLERS)[number] })}
              >
                {SAMPLERS.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <NumberSetting label="Batch size" field="batch_size" min={1} max={MAX_BATCH} />
        </div>
        <div className="seed-row">
          <Field
            label="Seed"
            hint={settings.seed === -1 ? 'Random: the image records the seed it used' : 'Image n of a batch uses seed + n'}
          >
            {(c) => (
              <Input
                {...c}
                type="number"
                min={-1}
                max={4294967295}
                value={settings.seed}
                onChange={(e) => setSettings({ seed: numberOr(e.target.value, settings.seed) })}
              />
            )}
          </Field>
          <Button size="sm" onClick={() => setSettings({ seed: -1 })} disabled={settings.seed === -1}>
            Random seed
          </Button>
        </div>
        {mode !== 'text' && (
          <>
            <SourcePicker width={settings.width} height={settings.height} />
            <Slider
              label="Strength"
              hint="How much of the starting image is redrawn."
              min={0.05}
              max={1}
              step={0.05}
              value={strength}
              format={(v) => v.toFixed(2)}
              onChange={setStrength}
            />
            {mode === 'inpaint' && source && (
              <p className="muted small canvas-hint">
                Paint the mask on the canvas in the middle.{' '}
                <button type="button" className="link-button" onClick={() => setCentre('canvas')}>
                  Show the canvas
                </button>
              </p>
            )}
          </>
        )}
        {error && <Alert tone="error">{error}</Alert>}
        {queued && !error && <Alert tone="info">{queued}</Alert>}
        <div className="row">
          <Button
            type="submit"
            variant="primary"
            busy={busy}
            disabled={!settings.prompt.trim() || !model?.is_available}
            data-testid="generate"
            title={withShortcut('Generate', 'generate')}
            aria-keyshortcuts={ariaKeys('generate')}
          >
            Generate
          </Button>
        </div>
      </form>
    </Card>
  );
}
