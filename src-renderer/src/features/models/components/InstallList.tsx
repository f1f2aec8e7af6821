import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button } from '../../../components';
import { formatBytes } from '../api';
import { useModels, type Install } from '../store';

function InstallRow({ install }: { install: Install }) {
  const { cancel, dismiss } = useModels();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const open = install.status === 'queued' || install.status === 'processing';
  const percent = Math.round(install.progress * 100);
  const bytes =
    install.total !== null
      ? `${formatBytes(install.received)} of ${formatBytes(install.total)}`
      : install.received > 0
        ? formatBytes(install.received)
        : null;
  const state =
    install.status === 'queued'
      ? `Waiting${install.position ? ` (#${install.position})` : ''}`
      : install.status === 'processing'
        ? `Downloading${install.file ? ` ${install.file}` : ''}`
        : install.status === 'cancelled'
          ? 'Cancelled'
          : 'Failed';

  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      await cancel(install.jobId);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="install" data-testid="install" data-status={install.status} data-model={install.id}>
      <div className="install-head">
        <strong>{install.id}</strong>
        <span className="muted small">{install.type === 'checkpoint' ? 'Image model' : install.type === 'vae' ? 'VAE' : 'Upscaler'}</span>
        <span className="install-state">{state}</span>
      </div>
      {open && (
        <>
          <div
            className="progress"
            role="progressbar"
            aria-label={`Downloading ${install.id}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={bytes ?? `${percent}%`}
            data-testid="install-progress"
          >
            <span style={{ width: `${install.progress * 100}%` }} />
          </div>
          <div className="install-foot">
            <span className="muted small" data-testid="install-bytes">
              {bytes ?? 'Starting…'}
              {install.total !== null && ` · ${percent}%`}
            </span>
            <Button size="sm" variant="ghost" busy={busy} onClick={() => void stop()} data-testid="install-cancel">
              Cancel
            </Button>
          </div>
        </>
      )}
      {!open && (
        <div className="install-foot">
          <Alert tone={install.status === 'cancelled' ? 'info' : 'error'}>{install.error}</Alert>
          <Button size="sm" variant="ghost" onClick={() => dismiss(install.jobId)}>
            Dismiss
          </Button>
        </div>
      )}
      {error && <Alert tone="error">{error}</Alert>}
    </li>
  );
}

/** Downloads under way, and those that stopped, until dismissed. */
export function InstallList() {
  const installs = useModels((s) => s.installs);
  if (installs.length === 0) return null;
  return (
    <section aria-label="Downloads">
      <ul className="install-list" data-testid="installs">
        {installs.map((i) => (
          <InstallRow key={i.jobId} install={i} />
        ))}
      </ul>
    </section>
  );
}
