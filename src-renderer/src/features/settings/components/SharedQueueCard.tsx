import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Spinner, Toggle } from '../../../components';
import { settingsApi, type QueuedJobView, type QueueView } from '../api';
import { LimitForm } from './LimitForm';

/** Other accounts' job events go to their own rooms, so the owner's view of every lane is polled. */
const REFRESH_MS = 3000;

const whose = (job: QueuedJobView) =>
  job.from_owner ? `${job.owner?.name ?? 'Atelier'} (this computer)` : (job.owner?.name ?? 'A listener');
const wait = (s: number | null) => (s === null ? '' : s < 60 ? ` · about ${s} s` : ` · about ${Math.round(s / 60)} min`);

function JobRow({ job, onChanged }: { job: QueuedJobView; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const act = (action: (id: string) => Promise<unknown>) => {
    setBusy(true);
    void action(job.id).finally(() => {
      setBusy(false);
      onChanged();
    });
  };
  return (
    <li data-testid="queue-job">
      <span>
        {job.status === 'processing' ? 'Running' : `#${job.position}`} · {whose(job)} · <code>{job.kind}</code>
        {wait(job.estimated_wait_seconds)}
      </span>
      {job.status === 'queued' && job.position !== 1 && (
        <Button size="sm" variant="ghost" busy={busy} onClick={() => act(settingsApi.runJobNext)}>
          Run next
        </Button>
      )}
      <Button size="sm" variant="danger" busy={busy} onClick={() => act(settingsApi.cancelJob)}>
        Cancel
      </Button>
    </li>
  );
}

/** The owner's say over the shared GPU: who goes first, how much one listener may queue, and every job in line. */
export function SharedQueueCard() {
  const [queue, setQueue] = useState<QueueView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      settingsApi.queue().then(
        (next) => {
          setQueue(next);
          setError(null);
        },
        (err: Error) => setError(err.message),
      ),
    [],
  );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const save = (patch: Parameters<typeof settingsApi.setSharing>[0]) => {
    setBusy(true);
    void settingsApi
      .setSharing(patch)
      .then(load, (err: Error) => setError(err.message))
      .finally(() => setBusy(false));
  };
  const daily = queue?.sharing.peer_daily_seconds ?? null;
  const jobs = queue?.lanes.flatMap((l) => [...(l.running ? [l.running] : []), ...l.queued]) ?? [];

  return (
    <Card
      title="Shared GPU"
      description="With LAN sharing on, listeners take turns: each person's jobs run in their own order, round-robin with everyone else's."
      data-testid="shared-queue"
    >
      {error && <Alert tone="error">{error}</Alert>}
      {!queue && !error && <Spinner label="Loading the queue" />}
      {queue && (
        <>
          <Toggle
            label="My jobs go first"
            description="Jobs sent from this computer start before listeners' waiting jobs. A running job is never interrupted."
            checked={queue.sharing.owner_first}
            busy={busy}
            onChange={(ownerFirst) => save({ owner_first: ownerFirst })}
            data-testid="owner-first"
          />
          <LimitForm
            label="Jobs one listener may have waiting (empty: no limit)"
            max={1000}
            value={queue.sharing.peer_max_queued}
            busy={busy}
            onSave={(n) => save({ peer_max_queued: n })}
            data-testid="peer-limit"
          />
          {/* The server counts seconds of compute; the owner thinks in minutes a day. */}
          <LimitForm
            label="Minutes of compute each listener may use a day (empty: no limit)"
            max={1440}
            value={daily === null ? null : Math.round(daily / 60)}
            busy={busy}
            onSave={(minutes) => save({ peer_daily_seconds: minutes === null ? null : minutes * 60 })}
            data-testid="peer-daily-budget"
          />
          {jobs.length === 0 ? (
            <p className="muted">Nothing is running or waiting.</p>
          ) : (
            <ul className="address-list" aria-label="Running and waiting jobs">
              {jobs.map((job) => (
                <JobRow key={job.id} job={job} onChanged={() => void load()} />
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}
