import { useEffect } from 'react';
import { Alert, Spinner } from '../../../components';
import { onJobs } from '../../../lib/jobs';
import { useSocketStore } from '../../../lib/socket';
import { PageHeader } from '../../shell/components/PageHeader';
import '../images.css';
import '../studio.css';
import { GENERATE_JOB, useImages } from '../store';
import { CreditsPanel } from './CreditsPanel';
import { Gallery } from './Gallery';
import { GeneratePanel } from './GeneratePanel';
import { ImageDetailPanel } from './ImageDetailPanel';
import { NoModels } from './NoModels';
import { Centre } from './Centre';
import { Lightbox } from './Lightbox';
import { QueuePanel } from './QueuePanel';

/** Slow enough for the Free plan's 30 requests a minute. */
const POLL_MS = 15_000;

/** /images: parameters on the left, the viewer or canvas in the middle, queue and gallery on the right; the lightbox over them. */
export function ImagesScreen() {
  const { models, modelsError, loadModels, loadQueue, reloadGallery, loadBoards, loadCredits, onJobUpdate, selectedId } = useImages();

  useEffect(() => {
    void loadModels();
    void loadQueue();
    void reloadGallery();
    void loadBoards();
    void loadCredits();
  }, [loadModels, loadQueue, reloadGallery, loadBoards, loadCredits]);

  useEffect(() => onJobs(GENERATE_JOB, onJobUpdate), [onJobUpdate]);

  // Progress normally comes over the socket; while it is down, jobs still open are polled slowly.
  const online = useSocketStore((s) => s.state === 'online');
  const open = useImages((s) => s.queue?.some((q) => q.status === 'queued' || q.status === 'processing') ?? false);
  useEffect(() => {
    if (online || !open) return;
    const timer = setInterval(() => void useImages.getState().loadQueue(), POLL_MS);
    return () => clearInterval(timer);
  }, [online, open]);

  const checkpoints = models?.filter((m) => m.type === 'main') ?? null;
  const usable = checkpoints?.some((m) => m.is_available) ?? false;

  return (
    <div className="stack images-area">
      <PageHeader title="Image Studio" description="Generate images on this computer, follow the queue, and keep the results in boards." />
      {modelsError && <Alert tone="error">{modelsError}</Alert>}
      {!models && !modelsError && <Spinner label="Loading models" />}
      {checkpoints !== null && !usable && <NoModels models={checkpoints} />}
      <div className={`images-studio${usable ? '' : ' no-form'}`}>
        {usable && (
          <aside className="studio-params" aria-label="Parameters">
            <GeneratePanel />
          </aside>
        )}
        <div className="stack studio-middle">
          <Centre />
          {selectedId && <ImageDetailPanel />}
        </div>
        <aside className="stack studio-side" aria-label="Queue and gallery">
          <QueuePanel />
          <Gallery />
          <CreditsPanel />
        </aside>
      </div>
      <Lightbox />
    </div>
  );
}

export default ImagesScreen;
