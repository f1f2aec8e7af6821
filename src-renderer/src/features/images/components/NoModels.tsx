import { Link } from '../../../app/router';
import { Card } from '../../../components';
import type { CanvasModel } from '../api';

/** Shown instead of the form while no image model can be used: none installed, or none usable (and why). */
export function NoModels({ models }: { models: CanvasModel[] }) {
  return (
    <Card title={models.length === 0 ? 'No image model is installed' : 'No image model can be used'} data-testid="no-models">
      {models.length === 0 ? (
        <p>Image Studio needs a Stable Diffusion model (an ONNX export) on this computer before it can make images.</p>
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
        <Link to="/models" className="btn btn-primary">
          Go to Models
        </Link>{' '}
        <span className="muted">to add one. Your gallery below stays available.</span>
      </p>
    </Card>
  );
}
