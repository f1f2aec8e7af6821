import { useEffect } from 'react';
import { hrefFor, navigate } from '../../../app/router';
import { Button, dismissToast, showToast } from '../../../components';
import { useJobs } from '../../../lib/jobs';
import { areaOf, kindInfo } from '../kinds';
import { useActivity, usePlayer } from '../store';
import { JobsDrawer } from './JobsDrawer';
import { PlayerBar } from './PlayerBar';
import '../activity.css';

const OPEN = new Set(['queued', 'processing']);

/** Tells the user about a job that ended while they were elsewhere in the app. */
function useFinishToasts(path: string) {
  useEffect(() => {
    // One toast per job: a later word about the same job replaces the earlier.
    const shown = new Map<string, number>();
    return useJobs.subscribe((s, prev) => {
      for (const job of Object.values(s.byId)) {
        const before = prev.byId[job.id];
        if (before && !OPEN.has(before.status)) continue;
        if (job.status !== 'completed' && job.status !== 'failed') continue;
        const info = kindInfo(job.kind);
        // On the page that shows the result, the page itself says so.
        if (areaOf(path) === areaOf(info.href)) continue;
        const earlier = shown.get(job.id);
        if (earlier !== undefined) dismissToast(earlier);
        const done = job.status === 'completed';
        shown.set(
          job.id,
          showToast({
            message: done ? `${info.label} is ready` : `${info.label} failed${job.error ? `: ${job.error}` : ''}`,
            tone: done ? 'success' : 'error',
            duration: done ? 10_000 : 0,
            action: { label: done ? info.open : 'See why', href: hrefFor(info.href), run: () => navigate(info.href) },
          }),
        );
      }
    });
  }, [path]);
}

/**
 * What lives over every page of the signed-in app: the jobs button and drawer, the toasts of jobs
 * that finish elsewhere, and the player bar that keeps playing across pages. The shell mounts it once.
 */
export function ActivityLayer({ path }: { path: string }) {
  const { open, setOpen } = useActivity();
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
    </>
  );
}
