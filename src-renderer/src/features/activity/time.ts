/** "about 2 min left", "under a minute", "1 h 5 min": an estimate said plainly, never falsely precise. */
export function spokenSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return s <= 5 ? 'a few seconds' : `${Math.ceil(s / 5) * 5} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h > 0 ? `${h} h${m ? ` ${m} min` : ''}` : `${m} min`;
}

/** The line under a running or waiting job; null when there is nothing honest to say. */
export function timeLine(job: {
  status: string;
  estimated_wait_seconds: number | null;
  estimated_remaining_seconds: number | null;
}): string | null {
  if (job.status === 'processing' && job.estimated_remaining_seconds !== null)
    return `about ${spokenSeconds(job.estimated_remaining_seconds)} left`;
  if (job.status === 'queued' && job.estimated_wait_seconds !== null) return `starts in about ${spokenSeconds(job.estimated_wait_seconds)}`;
  return null;
}
