import { Link } from '../../../app/router';
import { Card } from '../../../components';
import { AREA_ENTRIES, catalogEntryPath } from '../../models/catalog';
import type { CanvasModel } from '../api';

/** Shown instead of the form while no image model can be used: none installed, or none usable (and why). */
export function NoModels({ models }: { models: CanvasModel[] }) {
  return (
    <Card title={models.length === 0 ? 'No image model is installed' : 'No image model can be used'} data-testid="no-models">
      {models.length === 0 ? (
        <p>
          Image Studio needs a Stable Diffusion model (an ONNX export) on this computer before it can make images: SD-Turbo from the catalog
          is a good start.
        </p>
      ) : (
        <ul className="plain-list">
          {models.map((m) => (
            <li key={m.id}>
              <strong>{m.display_name}</strong>: {m.unavailable_reason ?? 'unavailable'}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={catalogEntryPath(AREA_ENTRIES.images)} className="btn btn-primary" data-testid="no-models-catalog">
          Install SD-Turbo
        </Link>{' '}
        <span className="muted">
          or <Link to="/models">add another model</Link>. Your gallery below stays available.
        </span>
      </p>
    </Card>
  );
}
