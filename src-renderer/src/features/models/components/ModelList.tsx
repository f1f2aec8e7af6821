import { useState } from 'react';
import { Button, Card, Spinner, useAction } from '../../../components';
import { formatBytes, type InstalledModel } from '../api';
import { useModels } from '../store';
import { ModelItem } from './ModelItem';

const BASES = { sd1: 'SD 1.x', sd2: 'SD 2.x', sdxl: 'SDXL' } as const;

function describe(m: InstalledModel): string {
  if (m.type === 'upscaler') return m.scale ? `Upscaler ×${m.scale}` : 'Upscaler';
  if (m.type === 'vae') return ['VAE', m.precision].filter(Boolean).join(' · ');
  return [
    m.base ? BASES[m.base] : 'Image model',
    m.inpainting ? 'inpainting' : null,
    m.precision,
    m.sample_size ? `${m.sample_size} px` : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

function ModelRow({ model }: { model: InstalledModel }) {
  const remove = useModels((s) => s.remove);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  // On success the row goes with the model, so the button stays busy until then.
  const confirm = async () => {
    if (!(await run(() => remove(model.type, model.id), { leaves: true }))) setConfirming(false);
  };

  return (
    <ModelItem
      id={model.id}
      name={model.display_name}
      showId={model.display_name !== model.id}
      available={model.is_available}
      facts={
        <>
          <span>{describe(model)}</span>
          <span>{formatBytes(model.size_bytes)}</span>
        </>
      }
      problem={model.problem}
      problemTestId="model-problem"
      notUsable="Broken"
      error={error}
      data-testid="model"
    >
      <div className="model-actions">
        {confirming ? (
          <div className="confirm" role="group" aria-label={`Remove ${model.id}?`}>
            <span className="small">Delete its {formatBytes(model.size_bytes)} of files?</span>
            <Button size="sm" variant="danger" busy={busy} onClick={() => void confirm()} data-testid="confirm-remove">
              Remove
            </Button>
            <Button size="sm" variant="ghost" disabled={busy} onClick={() => setConfirming(false)}>
              Keep
            </Button>
          </div>
        ) : (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => setConfirming(true)}
            aria-label={`Remove ${model.id}`}
            data-testid="remove-model"
          >
            Remove
          </Button>
        )}
      </div>
    </ModelItem>
  );
}

export function ModelList() {
  const overview = useModels((s) => s.overview);
  const loadError = useModels((s) => s.loadError);
  return (
    <Card
      title="Installed"
      description="In Atelier's data folder: models/diffusion/, models/upscalers/ and models/vae/."
      data-testid="installed-models"
    >
      {!overview && !loadError && <Spinner label="Loading models" />}
      {overview && overview.models.length === 0 && <p className="muted">No models yet. Install one from a folder or a URL below.</p>}
      {overview && overview.models.length > 0 && (
        <ul className="model-list">
          {overview.models.map((m) => (
            <ModelRow key={`${m.type}:${m.id}`} model={m} />
          ))}
        </ul>
      )}
    </Card>
  );
}
