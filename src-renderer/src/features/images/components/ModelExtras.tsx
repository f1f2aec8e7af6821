import { useState, type ChangeEvent } from 'react';
import { Alert, Button, Field, Input } from '../../../components';
import { canvasApi, describeError, type CanvasModel } from '../api';
import { applyRecall } from '../recall';
import { useImages } from '../store';

/** "Licence: …" for the models a generation uses, or nothing when none records one. */
export function licenceLine(models: (CanvasModel | undefined)[]): string | null {
  const named = models.filter((m): m is CanvasModel => !!m?.license).map((m) => `${m.display_name}: ${m.license}`);
  return named.length ? `Licence — ${named.join('; ')}` : null;
}

/** The VAE and LoRAs of the form, for the chosen model's base; each LoRA with its weight. */
export function ModelExtras({ model }: { model: CanvasModel | undefined }) {
  const { models, settings, setSettings } = useImages();
  const [adding, setAdding] = useState('');
  const usable = (type: CanvasModel['type']) =>
    (models ?? []).filter((m) => m.type === type && m.is_available && (!m.base || !model?.base || m.base === model.base));
  const vaes = usable('vae');
  const loras = usable('lora');
  const chosen = settings.loras.map((l) => ({ ...l, model: loras.find((m) => m.name === l.name) }));
  const licence = licenceLine([model, ...chosen.map((c) => c.model), vaes.find((v) => v.name === settings.vae)]);
  if (!vaes.length && !loras.length && !settings.loras.length) return licence ? <p className="muted small">{licence}</p> : null;
  return (
    <div className="stack-sm" data-testid="model-extras">
      {vaes.length > 0 && (
        <Field label="VAE">
          {(c) => (
            <select {...c} className="input" value={settings.vae} onChange={(e) => setSettings({ vae: e.target.value })}>
              <option value="">The model's own</option>
              {vaes.map((v) => (
                <option key={v.id} value={v.name}>
                  {v.display_name}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <span className="field-label">LoRAs</span>
      <ul className="plain-list" data-testid="loras">
        {chosen.map((l, i) => (
          <li key={l.name} className="row">
            <span>{l.model?.display_name ?? l.name}</span>
            <Input
              type="number"
              aria-label={`Weight of ${l.name}`}
              step={0.05}
              min={-10}
              max={10}
              value={l.weight}
              onChange={(e) => {
                const weight = Number(e.target.value);
                if (Number.isFinite(weight)) setSettings({ loras: settings.loras.map((x, j) => (j === i ? { ...x, weight } : x)) });
              }}
            />
            <button
              type="button"
              className="icon-button danger"
              aria-label={`Remove ${l.name}`}
              onClick={() => setSettings({ loras: settings.loras.filter((_, j) => j !== i) })}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {loras.some((m) => !settings.loras.some((l) => l.name === m.name)) && (
        <div className="row wrap">
          <Field label="Add a LoRA">
            {(c) => (
              <select {...c} className="input" value={adding} onChange={(e) => setAdding(e.target.value)}>
                <option value="">Choose a LoRA</option>
                {loras
                  .filter((m) => !settings.loras.some((l) => l.name === m.name))
                  .map((m) => (
                    <option key={m.id} value={m.name}>
                      {m.display_name}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Button
            size="sm"
            disabled={!adding}
            onClick={() => {
              setSettings({ loras: [...settings.loras, { name: adding, weight: 1 }] });
              setAdding('');
            }}
          >
            Add
          </Button>
        </div>
      )}
      {licence && <p className="muted small">{licence}</p>}
    </div>
  );
}

/** Reads a PNG as a data: URL, untouched: its text chunks are what recall reads. */
const asDataUrl = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });

/** "Recall from a PNG": fills the form from the settings an image made here, in InvokeAI or in A1111 carries. */
export function RecallUpload() {
  const { models, setSettings } = useImages();
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setError(null);
    setNote(null);
    try {
      const recall = await canvasApi.recall(await asDataUrl(file));
      const { change, notes } = applyRecall(recall, models ?? []);
      setSettings(change);
      setNote(
        [`The form now holds the settings of ${file.name} (${recall.source === 'a1111' ? 'A1111' : 'InvokeAI'} metadata).`, ...notes].join(
          ' ',
        ),
      );
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <div className="stack-sm" data-testid="recall-upload">
      <label className="field-label">
        Recall settings from a PNG
        <input type="file" accept="image/png" aria-label="Recall settings from a PNG" onChange={(e) => void upload(e)} />
      </label>
      {error && <Alert tone="error">{error}</Alert>}
      {note && <Alert tone="success">{note}</Alert>}
    </div>
  );
}
