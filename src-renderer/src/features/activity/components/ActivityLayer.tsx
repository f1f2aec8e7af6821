import { useEffect } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components';
import { useJobs } from '../../../lib/jobs';
import { areaOf, kindInfo } from '../kinds';
import { useActivity, usePlayer } from '../store';
import { JobsDrawer } from './JobsDrawer';
import { PlayerBar } from './PlayerBar';
import '../activity.css';

const OPEN = new Set(['queued', 'processing']);

/** Tells the user about a job that ended while they were elsewhere in the app. */
function useFinishToasts(path: string) {
  const toast = useActivity((s) => s.toast);
  useEffect(
    () =>
      useJobs.subscribe((s, prev) => {
        for (const job of Object.values(s.byId)) {
          const before = prev.byId[job.id];
          if (before && !OPEN.has(before.status)) continue;
          if (job.status !== 'completed' && job.status !== 'failed') continue;
          const info = kindInfo(job.kind);
          // On the page that shows the result, the page itself says so.
          if (areaOf(path) === areaOf(info.href)) continue;
          toast({
            jobId: job.id,
            tone: job.status === 'completed' ? 'success' : 'danger',
            text: job.status === 'completed' ? `${info.label} is ready` : `${info.label} failed${job.error ? `: ${job.error}` : ''}`,
            href: info.href,
            linkText: job.status === 'completed' ? info.open : 'See why',
          });
        }
      }),
    [path, toast],
  );
}

/**
 * What lives over every page of the signed-in app: the jobs button and drawer, the toasts of jobs
 * that finish elsewhere, and the player bar that keeps playing across pages. The shell mounts it once.
 */
export function ActivityLayer({ path }: { path: string }) {
  const { open, setOpen, toasts, dismiss } = useActivity();
  const running = useJobs((s) => Object.values(s.byId).filter((j) => OPEN.has(j.status)).length);
  const hasTrack = usePlayer((s) => s.track !== null);
  useFinishToasts(path);

  return (
    <>
      <div className={`activity-dock${hasTrack ? ' with-player' : ''}`}>
        <PlayerBar />
        <Button
          className="activity-button"
          variant={running > 0 ? 'primary' : 'secondary'}
          aria-expanded={open}
          aria-label={running > 0 ? `Jobs, ${running} running or waiting` : 'Jobs'}
          onClick={() => setOpen(!open)}
        >
          Jobs{running > 0 ? ` · ${running}` : ''}
        </Button>
      </div>
      {open && <JobsDrawer />}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`} role="status" data-testid="job-toast">
            <span>{t.text}</span>
            <Link to={t.href} onClick={() => dismiss(t.id)}>
              {t.linkText}
            </Link>
            <Button size="sm" variant="ghost" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ✕
            </Button>
          </div>
        ))}
      </div>
    </>
  );
}
