import { useImages } from '../store';
import type { Centre as CentreView } from '../store/canvas';
import { InpaintCanvas } from './InpaintCanvas';
import { ProgressPanel } from './ProgressPanel';

const TABS: { id: CentreView; label: string }[] = [
  { id: 'viewer', label: 'Viewer' },
  { id: 'canvas', label: 'Canvas' },
];

/** The studio's centre: the viewer (live step preview, then the result) or the inpainting canvas. */
export function Centre() {
  const centre = useImages((s) => s.centre);
  const setCentre = useImages((s) => s.setCentre);
  return (
    <section className="card studio-centre" aria-label="Viewer and canvas">
      <div className="centre-tabs" role="tablist" aria-label="Centre">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`centre-tab-${t.id}`}
            aria-selected={centre === t.id}
            aria-controls="centre-panel"
            className={`mode-tab${centre === t.id ? ' active' : ''}`}
            onClick={() => setCentre(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id="centre-panel" role="tabpanel" aria-labelledby={`centre-tab-${centre}`}>
        {centre === 'viewer' ? <ProgressPanel /> : <InpaintCanvas />}
      </div>
    </section>
  );
}
