import { useCallback, useEffect, useState } from 'react';
import { ApiError, errorMessage } from '../../../api/client';
import { Link } from '../../../app/router';
import { Alert, Button } from '../../../components';
import { useJobs } from '../../../lib/jobs';
import { activityApi, ownerApi, type ActivityJob, type OwnerQueue } from '../api';
import { kindInfo } from '../kinds';
import { useActivity } from '../store';
import { spokenSeconds, timeLine } from '../time';

const STATUS: Record<ActivityJob['status'], string> = {
  queued: 'Waiting',
  processing: 'Running',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const OPEN = new Set(['queued', 'processing']);

/** A drawer job with the socket's newer progress laid over the list's numbers. */
function useLive(job: ActivityJob): ActivityJob {
  const live = useJobs((s) => s.byId[job.id]);
  if (!live || Date.parse(live.updatedAt) < Date.parse(job.finished_at ?? job.started_at ?? job.created_at)) return job;
  return {
    ...job,
    status: live.status,
    progress: live.progress,
    stage: live.stage,
    message: live.message,
    position: live.position,
    estimated_wait_seconds: live.estimatedWaitSeconds,
    estimated_remaining_seconds: live.estimatedRemainingSeconds ?? job.estimated_remaining_seconds,
    error: live.error,
  };
}

/** "took 12 s · 14:02" for a finished job. */
function finishedLine(job: ActivityJob): string | null {
  if (!job.finished_at) return null;
  const at = new Date(job.finished_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (!job.started_at) return at;
  return `took ${spokenSeconds((Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000)} · ${at}`;
}

function aheadLine(job: ActivityJob): string | null {
  if (job.status !== 'queued' || job.ahead.length === 0) return null;
  const names = job.ahead.map((a) => (a.running ? `${a.who} (running)` : a.who));
  return `Waiting behind ${names.join(', ')}`;
}

function DrawerJob({ job: listed, onChanged }: { job: ActivityJob; onChanged: () => void }) {
  const job = useLive(listed);
  const info = kindInfo(job.kind, job.variant);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const time = timeLine(job);
  const ahead = aheadLine(job);
  const cancel = async () => {
    setBusy(true);
    try {
      await activityApi.cancel(job.id);
      onChanged();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className={`drawer-job drawer-job-${job.status}`} data-testid="drawer-job" data-job-id={job.id}>
      <div className="drawer-job-head">
        <strong>{info.label}</strong>
        <span className={`drawer-job-status status-${job.status}`}>{STATUS[job.status]}</span>
      </div>
      {OPEN.has(job.status) && (
        <progress
          className="drawer-job-progress"
          max={1}
          value={job.status === 'queued' ? 0 : job.progress}
          aria-label={`${info.label} progress`}
        />
      )}
      {job.message && OPEN.has(job.status) && <p className="drawer-job-line">{job.message}</p>}
      {time && <p className="drawer-job-line muted">{time}</p>}
      {ahead && <p className="drawer-job-line muted">{ahead}</p>}
      {!OPEN.has(job.status) && <p className="drawer-job-line muted">{finishedLine(job)}</p>}
      {job.status === 'failed' && job.error && <p className="drawer-job-line danger-text">{job.error}</p>}
      {problem && <p className="drawer-job-line danger-text">{problem}</p>}
      <div className="drawer-job-actions">
        {job.status === 'completed' && (
          <Link className="btn btn-secondary btn-sm" to={info.href}>
            {info.open}
          </Link>
        )}
        {OPEN.has(job.status) && (
          <Button size="sm" variant="ghost" busy={busy} onClick={() => void cancel()}>
            Cancel
          </Button>
        )}
      </div>
    </li>
  );
}

/** This computer's owner sees every account's jobs by name and may cancel or reorder any of them. */
function EveryonesQueue({ queue, reload }: { queue: OwnerQueue; reload: () => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const act = async (call: () => Promise<unknown>) => {
    try {
      await call();
      setProblem(null);
    } catch (err) {
      setProblem(errorMessage(err));
    }
    reload();
  };
  const lanes = queue.lanes.filter((l) => l.running || l.queued.length > 0);
  if (lanes.length === 0) return null;
  return (
    <section className="drawer-section" aria-labelledby="everyone-queue">
      <h3 id="everyone-queue" className="drawer-section-title">
        Everyone’s queue
      </h3>
      {problem && <Alert tone="error">{problem}</Alert>}
      {lanes.map((lane) => (
        <ol key={lane.lane} className="drawer-queue" aria-label={`${lane.lane} lane`}>
          {[...(lane.running ? [lane.running] : []), ...lane.queued].map((job, i, all) => (
            <li key={job.id} className="drawer-queue-job" data-testid="queue-job">
              <span>
                {job.status === 'processing' ? 'Running' : `#${job.position}`} · {kindInfo(job.kind).label} ·{' '}
                <strong>{job.owner?.name || 'Atelier'}</strong>
                {!job.from_owner && <span className="muted"> (on the network)</span>}
              </span>
              <span className="drawer-queue-actions">
                {job.status === 'queued' && (
                  <>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Move ${job.owner?.name ?? ''}’s ${kindInfo(job.kind).label} up`}
                      disabled={job.position === 1}
                      onClick={() => void act(() => activityApi.move(job.id, 'up'))}
                    >
                      ↑
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Move ${job.owner?.name ?? ''}’s ${kindInfo(job.kind).label} down`}
                      disabled={i === all.length - 1}
                      onClick={() => void act(() => activityApi.move(job.id, 'down'))}
                    >
                      ↓
                    </Button>
                  </>
                )}
                <Button size="sm" variant="ghost" onClick={() => void act(() => ownerApi.cancel(job.id))}>
                  Cancel
                </Button>
              </span>
            </li>
          ))}
        </ol>
      ))}
    </section>
  );
}

/** Every job of the signed-in user, running and finished, over whichever page is open. */
export function JobsDrawer() {
  const { jobs, problem, setOpen, refresh } = useActivity();
  const [queue, setQueue] = useState<OwnerQueue | null>(null);
  const loadQueue = useCallback(() => {
    ownerApi.queue().then(setQueue, (err: unknown) => {
      // A LAN peer is not this computer's owner: no whole-queue view, and that is not a problem.
      if (!(err instanceof ApiError && err.status === 403)) setQueue(null);
    });
  }, []);
  const reload = useCallback(() => {
    void refresh();
    loadQueue();
  }, [refresh, loadQueue]);

  useEffect(() => {
    loadQueue();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [loadQueue, setOpen]);

  // Positions and the whole queue change whenever any job moves: reload, at most twice a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = useJobs.subscribe((s, prev) => {
      const changed = Object.values(s.byId).some((j) => prev.byId[j.id]?.status !== j.status || prev.byId[j.id]?.position !== j.position);
      if (!changed || timer) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, 500);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [reload]);

  const open = jobs.filter((j) => OPEN.has(j.status));
  const finished = jobs.filter((j) => !OPEN.has(j.status));
  return (
    <aside className="jobs-drawer" role="dialog" aria-modal="false" aria-label="Jobs">
      <header className="jobs-drawer-head">
        <h2 className="jobs-drawer-title">Jobs</h2>
        <Button size="sm" variant="ghost" onClick={() => setOpen(false)} aria-label="Close jobs">
          ✕
        </Button>
      </header>
      {problem && <Alert tone="error">{problem}</Alert>}
      {jobs.length === 0 && !problem && (
        <p className="muted">Nothing yet. Songs, images, stories, videos and model installs you start show up here.</p>
      )}
      {open.length > 0 && (
        <section className="drawer-section" aria-label="Running and waiting">
          <h3 className="drawer-section-title">Running and waiting</h3>
          <ul className="drawer-list">
            {open.map((job) => (
              <DrawerJob key={job.id} job={job} onChanged={reload} />
            ))}
          </ul>
        </section>
      )}
      {queue && <EveryonesQueue queue={queue} reload={reload} />}
      {finished.length > 0 && (
        <section className="drawer-section" aria-label="Finished">
          <h3 className="drawer-section-title">Finished</h3>
          <ul className="drawer-list">
            {finished.map((job) => (
              <DrawerJob key={job.id} job={job} onChanged={reload} />
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}
