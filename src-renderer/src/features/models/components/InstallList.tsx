import { Alert, Button, ProgressBar, useAction } from '../../../components';
import { formatBytes } from '../api';
import { useModels, type Install } from '../store';

function InstallRow({ install }: { install: Install }) {
  const { cancel, dismiss } = useModels();
  const { busy, error, run } = useAction();
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

  return (
    <li className="install" data-testid="install" data-status={install.status} data-model={install.id}>
      <div className="install-head">
        <strong>{install.id}</strong>
        <span className="muted small">{install.type === 'checkpoint' ? 'Image model' : install.type === 'vae' ? 'VAE' : 'Upscaler'}</span>
        <span className="install-state">{state}</span>
      </div>
      {open && (
        <>
          <ProgressBar
            label={`Downloading ${install.id}`}
            share={install.progress}
            value={percent}
            valueText={bytes ?? `${percent}%`}
            data-testid="install-progress"
          />
          <div className="install-foot">
            <span className="muted small" data-testid="install-bytes">
              {bytes ?? 'Starting…'}
              {install.total !== null && ` · ${percent}%`}
            </span>
            <Button
              size="sm"
              variant="ghost"
              busy={busy}
              onClick={() => void run(() => cancel(install.jobId))}
              data-testid="install-cancel"
            >
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
