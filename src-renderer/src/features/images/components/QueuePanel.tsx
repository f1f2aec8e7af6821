import { useState } from 'react';
import { Alert, Button, Card, Spinner } from '../../../components';
import { describeError, type JobType, type QueueItem } from '../api';
import { useImages } from '../store';
import { spend } from '../../../lib/words';

const TYPE_WORDS: Record<JobType, string> = {
  text_to_image: 'Text to image',
  image_to_image: 'Image to image',
  inpaint: 'Inpaint',
  upscale: 'Upscale',
};

const describe = (q: QueueItem) => {
  const prompt = typeof q.params.prompt === 'string' ? q.params.prompt : null;
  if (q.job_type === 'upscale') return `${TYPE_WORDS.upscale} ×${String(q.params.scale ?? 2)}`;
  return `${TYPE_WORDS[q.job_type]}: ${prompt ?? ''}`;
};

/** This account's latest generation jobs, with cancel for the ones still waiting or running. */
export function QueuePanel() {
  const { queue, queueError, cancel } = useImages();
  const [error, setError] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);

  const stop = async (jobId: string) => {
    setError(null);
    setCancelling(jobId);
    try {
      await cancel(jobId);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setCancelling(null);
    }
  };

  return (
    <Card title="Queue">
      {queueError && <Alert tone="error">{queueError}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      {!queue && !queueError && <Spinner label="Loading the queue" />}
      {queue?.length === 0 && <p className="muted">Nothing queued yet.</p>}
      {queue && queue.length > 0 && (
        <ul className="queue-list" data-testid="queue-list">
          {queue.map((q) => (
            <li key={q.job_id} className="queue-item" data-testid="queue-item" data-status={q.status}>
              <div className="queue-text">
                <span className="queue-title">{describe(q)}</span>
                <span className="muted small">
                  {q.status === 'queued' &&
                    `Queued${q.position !== null ? ` · position ${q.position}` : ''} · about ${spend(q.estimated_credits)}`}
                  {q.status === 'processing' && `Running · ${q.progress}%`}
                  {q.status === 'completed' && `Done · ${spend(q.credits_used)}${q.result ? ` · ${q.result.provider}` : ''}`}
                  {(q.status === 'failed' || q.status === 'cancelled') &&
                    `${q.status === 'failed' ? 'Failed' : 'Cancelled'}${q.error ? `: ${q.error.message}` : ''}`}
                </span>
              </div>
              {(q.status === 'queued' || q.status === 'processing') && (
                <Button
                  size="sm"
                  variant="danger"
                  busy={cancelling === q.job_id}
                  onClick={() => void stop(q.job_id)}
                  aria-label={`Cancel ${describe(q)}`}
                >
                  Cancel
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
