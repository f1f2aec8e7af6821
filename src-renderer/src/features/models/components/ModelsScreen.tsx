import { useEffect } from 'react';
import { Alert } from '../../../components';
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

/** /models: what is installed, where it runs, installs from a folder or a URL, removal. */
export function ModelsScreen() {
  const load = useModels((s) => s.load);
  const notice = useModels((s) => s.notice);
  const loadError = useModels((s) => s.loadError);
  useEffect(() => void load(), [load]);
  useEffect(() => onJobs(INSTALL_JOB, (job) => useModels.getState().onJob(job)), []);

  return (
    <div className="stack models">
      <PageHeader
        title="Models"
        description="Image models (Stable Diffusion 1.x, 2.x, SDXL in ONNX format), VAEs, upscalers and music models on this computer. Only you, on this computer, can add or remove them."
      />
      {notice && (
        <Alert tone="success" data-testid="models-notice">
          {notice}
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
