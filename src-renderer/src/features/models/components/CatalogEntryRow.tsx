import { useEffect, useState } from 'react';
import { Alert, Button, ProgressBar, useAction } from '../../../components';
import { progressOf, useJob } from '../../../lib/jobs';
import { formatBytes } from '../api';
import { catalogApi, fileOfMessage, KIND_LABELS, type CatalogEntry } from '../catalog';

/**
 * One model of the catalog: what it is, enables, weighs and is licensed under, where it comes
 * from, and its install with progress (which file of how many, bytes overall), pause and cancel.
 */
export function CatalogEntryRow({
  entry,
  jobId,
  onChanged,
  highlighted = false,
}: {
  entry: CatalogEntry;
  /** The install job the page started or the catalog listed. */
  jobId: string | null;
  /** After an install starts, stops or ends: the owner reloads the catalog. */
  onChanged: () => void;
  highlighted?: boolean;
}) {
  // The last job stays followed after the catalog stops listing it, to show how it ended.
  const [followed, setFollowed] = useState(jobId);
  useEffect(() => {
    if (jobId) setFollowed(jobId);
  }, [jobId]);
  const job = useJob(followed);
  const { busy, error, run } = useAction();
  const status = job?.status;
  const installing = entry.status === 'installing' || status === 'queued' || status === 'processing';
  const done = status === 'completed' || (entry.status === 'installed' && !installing);

  useEffect(() => {
    if (status === 'completed' || status === 'failed' || status === 'cancelled') onChanged();
  }, [status, onChanged]);

  const act = (what: () => Promise<unknown>) =>
    run(async () => {
      await what();
      onChanged();
    });

  const progress = job ? progressOf(job) : null;
  const file = fileOfMessage(progress?.message ?? null);
  const received = progress?.bytes?.received ?? 0;
  const total = progress?.bytes?.total ?? entry.size_bytes;
  const percent = status === 'completed' ? 100 : Math.round((progress?.fraction ?? 0) * 100);
  const stopped = status === 'failed' || status === 'cancelled' ? job?.error : null;

  return (
    <li
      className={`catalog-entry${highlighted ? ' catalog-entry-highlighted' : ''}`}
      id={`catalog-${entry.id}`}
      data-testid="catalog-entry"
      data-entry={entry.id}
      data-status={done ? 'installed' : installing ? 'installing' : 'available'}
    >
      <div className="catalog-entry-head">
        <strong>{entry.name}</strong>
        <span className="muted small">{KIND_LABELS[entry.kind]}</span>
        <span className="muted small">{formatBytes(entry.size_bytes)}</span>
        {!entry.licence.commercial && (
          <span className="catalog-flag" title="Its licence does not allow commercial use">
            Non-commercial
          </span>
        )}
      </div>
      <p className="small">{entry.enables}</p>
      <p className="muted small">
        Licence:{' '}
        <a href={entry.licence.url} target="_blank" rel="noreferrer">
          {entry.licence.name}
        </a>{' '}
        · From{' '}
        <a href={entry.source_url} target="_blank" rel="noreferrer">
          {entry.repo}
        </a>{' '}
        ({entry.revision}){!entry.pinned && ' · sizes and checksums not pinned in this catalog version'}
      </p>
      {entry.misfit.length > 0 && !done && <p className="muted small">May not fit this computer: {entry.misfit.join('; ')}.</p>}
      {installing && (
        <>
          <ProgressBar
            label={`Downloading ${entry.name}`}
            share={percent / 100}
            value={percent}
            valueText={`${formatBytes(received)} of ${formatBytes(total)}`}
            data-testid="catalog-progress"
          />
          <div className="catalog-entry-foot">
            <span className="muted small" data-testid="catalog-progress-text">
              {status === 'queued' || !job
                ? 'Waiting for the download lane…'
                : `${file ? `File ${file.index} of ${file.files}: ${file.file} · ` : ''}${formatBytes(received)} of ${formatBytes(total)} · ${percent}%`}
            </span>
            {followed && (
              <span className="row">
                <Button size="sm" variant="ghost" busy={busy} onClick={() => void act(() => catalogApi.stop(followed, false))}>
                  Pause
                </Button>
                <Button size="sm" variant="ghost" busy={busy} onClick={() => void act(() => catalogApi.stop(followed, true))}>
                  Cancel
                </Button>
              </span>
            )}
          </div>
        </>
      )}
      {done && (
        <p className="catalog-installed small" data-testid="catalog-installed">
          Installed
        </p>
      )}
      {!installing && !done && (
        <div className="catalog-entry-foot">
          {stopped && <span className="muted small">{stopped}</span>}
          <Button size="sm" busy={busy} onClick={() => void act(() => catalogApi.install(entry.id))} data-testid="catalog-install">
            {status === 'cancelled' && job?.error?.startsWith('Paused') ? 'Resume' : 'Install'}
          </Button>
        </div>
      )}
      {error && <Alert tone="error">{error}</Alert>}
    </li>
  );
}
