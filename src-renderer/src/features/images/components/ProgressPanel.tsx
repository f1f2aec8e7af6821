import { Alert, Card } from '../../../components';
import { progressOf, useJob } from '../../../lib/jobs';
import { useImages } from '../store';
import { count, onThisComputer } from '../../../lib/words';

const STATUS_WORDS: Record<string, string> = {
  queued: 'Waiting in the queue',
  processing: 'Generating',
  completed: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The job this page last queued: a progress bar, its stage, the step previews the engine sends, then the images. */
export function ProgressPanel() {
  const { currentJobId, previews, queue, select } = useImages();
  const job = useJob(currentJobId);
  if (!currentJobId) return null;
  const preview = previews[currentJobId] ?? null;
  const item = queue?.find((q) => q.job_id === currentJobId);
  const progress = job && progressOf(job);
  const status = job?.status ?? item?.status ?? 'queued';
  const percent = status === 'completed' ? 100 : Math.round((progress?.fraction ?? (item ? item.progress / 100 : 0)) * 100);
  const stage = progress?.message ?? progress?.stage;
  const position = job?.position ?? item?.position ?? null;
  const wait = job?.estimatedWaitSeconds ?? null;
  const made = status === 'completed' ? (item?.result?.images ?? []) : [];

  return (
    <Card title="Progress" data-testid="progress-panel">
      <div className="stack-sm">
        <p className="progress-status" data-testid="job-status" data-status={status}>
          {STATUS_WORDS[status] ?? status}
          {status === 'queued' && position !== null && ` (position ${position}${wait !== null ? `, about ${wait} s` : ''})`}
          {status === 'processing' && stage && `: ${stage}`}
        </p>
        <div
          className="progress"
          role="progressbar"
          aria-label="Generation progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          data-testid="generation-progress"
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        {(job?.status === 'failed' || job?.status === 'cancelled') && job.error && (
          <Alert tone="error">
            {job.error}
            {job.errorCode ? ` (${job.errorCode})` : ''}
          </Alert>
        )}
        {preview && (
          <img
            className="step-preview"
            src={preview}
            alt={status === 'processing' ? 'Latest step preview' : 'Last step preview'}
            data-testid="step-preview"
          />
        )}
        {made.length > 0 && (
          <div className="result-strip" data-testid="job-results">
            {made.map((m, i) => (
              <button
                key={m.image_id}
                type="button"
                className="result-thumb"
                onClick={() => void select(m.image_id)}
                aria-label={`Open image ${i + 1}${m.seed !== null ? ` (seed ${m.seed})` : ''}`}
              >
                <img src={m.thumbnail_url} alt="" />
              </button>
            ))}
            {item?.result && (
              <p className="muted small">
                {item.result.compute_seconds} s on {item.result.provider}
                {onThisComputer() ? '' : ` · ${count(item.credits_used, 'credit')}`}
              </p>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}
