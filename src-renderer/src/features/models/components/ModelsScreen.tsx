import { useEffect } from 'react';
import { Alert, Button } from '../../../components';
import { onJobs } from '../../../lib/jobs';
import { PageHeader } from '../../shell/components/PageHeader';
import { INSTALL_JOB } from '../api';
import { useModels } from '../store';
import '../models.css';
import { CatalogSection } from './CatalogSection';
import { InstallForms } from './InstallForms';
import { InstallList } from './InstallList';
import { ModelList } from './ModelList';
import { MusicModels } from './MusicModels';
import { ProvidersCard } from './ProvidersCard';

const NOTICE_MS = 6000;

/** /models: what is installed, where it runs, installs from a folder or a URL, removal. */
export function ModelsScreen() {
  const load = useModels((s) => s.load);
  const notice = useModels((s) => s.notice);
  const loadError = useModels((s) => s.loadError);
  useEffect(() => void load(), [load]);
  useEffect(() => onJobs(INSTALL_JOB, (job) => useModels.getState().onJob(job)), []);
  // A confirmation is news once: it fades after a few seconds and is gone when the screen is left.
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => useModels.getState().dismissNotice(), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  useEffect(() => () => useModels.getState().dismissNotice(), []);

  return (
    <div className="stack models">
      <PageHeader
        title="Models"
        description="Image models (Stable Diffusion 1.x, 2.x, SDXL in ONNX format), VAEs, upscalers and music models on this computer. Only you, on this computer, can add or remove them."
      />
      {notice && (
        <Alert tone="success" data-testid="models-notice">
          <span className="row" style={{ justifyContent: 'space-between' }}>
            {notice}
            <Button size="sm" variant="ghost" onClick={() => useModels.getState().dismissNotice()}>
              Dismiss
            </Button>
          </span>
        </Alert>
      )}
      {loadError && <Alert tone="error">{loadError}</Alert>}
      <ProvidersCard />
      <InstallList />
      <ModelList />
      <CatalogSection onInstalled={() => void load()} />
      <InstallForms />
      <MusicModels />
    </div>
  );
}

export default ModelsScreen;
