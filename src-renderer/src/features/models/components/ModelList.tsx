import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, Spinner } from '../../../components';
import { formatBytes, type InstalledModel } from '../api';
import { useModels } from '../store';

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await remove(model.type, model.id);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <li
      className={`model${model.is_available ? '' : ' broken'}`}
      data-testid="model"
      data-model={model.id}
      data-available={model.is_available}
    >
      <div className="model-main">
        <div className="model-name">
          <strong>{model.display_name}</strong>
          {model.display_name !== model.id && <code>{model.id}</code>}
        </div>
        <div className="model-facts muted small">
          <span>{describe(model)}</span>
          <span>{formatBytes(model.size_bytes)}</span>
          {model.is_available ? <span className="model-status ok">Ready</span> : <span className="model-status bad">Broken</span>}
        </div>
        {model.problem && (
          <p className="model-problem small" data-testid="model-problem">
            {model.problem}
          </p>
        )}
        {error && <Alert tone="error">{error}</Alert>}
      </div>
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
    </li>
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
