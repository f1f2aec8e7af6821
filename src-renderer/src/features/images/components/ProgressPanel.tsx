import { useState } from 'react';
import { Alert } from '../../../components';
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

/** Before any job: the selected image, or what to do. */
function Idle() {
  const { detail, openLightbox } = useImages();
  if (!detail)
    return (
      <div className="viewer-empty" data-testid="viewer-empty">
        <p>Your image appears here as it is drawn, step by step.</p>
        <p className="muted small">Write a prompt on the left and press Generate; open any image from the gallery to see it large.</p>
      </div>
    );
  return (
    <button
      type="button"
      className="result-main"
      onClick={() => openLightbox(detail.id)}
      aria-label="Open the selected image in the viewer"
    >
      <img src={detail.full_url} alt={detail.metadata.prompt || 'The selected image'} data-testid="viewer-selected" />
    </button>
  );
}

/** The job this page last queued: a progress bar, its stage, the step previews the engine sends, then the images. */
export function ProgressPanel() {
  const { currentJobId, previews, queue, openLightbox } = useImages();
  const job = useJob(currentJobId);
  // Which result the big picture shows; the first until another is picked.
  const [shownId, setShownId] = useState<string | null>(null);
  if (!currentJobId) return <Idle />;
  const preview = previews[currentJobId] ?? null;
  const item = queue?.find((q) => q.job_id === currentJobId);
  const progress = job && progressOf(job);
  const status = job?.status ?? item?.status ?? 'queued';
  const percent = status === 'completed' ? 100 : Math.round((progress?.fraction ?? (item ? item.progress / 100 : 0)) * 100);
  const stage = progress?.message ?? progress?.stage;
  const position = job?.position ?? item?.position ?? null;
  const wait = job?.estimatedWaitSeconds ?? null;
  const made = status === 'completed' ? (item?.result?.images ?? []) : [];
  // Once the images are there, the big picture is the image itself, no longer the last rough step.
  const shown = made.find((m) => m.image_id === shownId) ?? made[0] ?? null;

  return (
    <div data-testid="progress-panel" className="viewer">
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
        {preview && !shown && (
          <img
            className="step-preview"
            src={preview}
            alt={status === 'processing' ? 'Latest step preview' : 'Last step preview'}
            data-testid="step-preview"
          />
        )}
        {shown && (
          <button
            type="button"
            className="result-main"
            onClick={() => openLightbox(shown.image_id)}
            aria-label={`Open the image${shown.seed !== null ? ` (seed ${shown.seed})` : ''} in the viewer`}
          >
            <img src={shown.image_url} alt="The generated image" data-testid="job-result-image" />
          </button>
        )}
        {made.length > 0 && (
          <div className="result-strip" data-testid="job-results">
            {made.length > 1 &&
              made.map((m, i) => (
                <button
                  key={m.image_id}
                  type="button"
                  className={`result-thumb${m === shown ? ' on' : ''}`}
                  aria-pressed={m === shown}
                  onClick={() => setShownId(m.image_id)}
                  aria-label={`Show image ${i + 1}${m.seed !== null ? ` (seed ${m.seed})` : ''}`}
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
    </div>
  );
}
