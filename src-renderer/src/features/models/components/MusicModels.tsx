import { Card } from '../../../components';
import { formatBytes } from '../api';
import { useModels } from '../store';

/** The composing engines' models: read-only here; MusicGen is added by copying its export into the folder shown. */
export function MusicModels() {
  const music = useModels((s) => s.overview?.music);
  if (!music) return null;
  const hasMusicgen = music.models.some((m) => m.engine === 'musicgen');
  return (
    <Card title="Music models" description="What Record & Compose composes with." data-testid="music-models">
      <ul className="model-list">
        {music.models.map((m) => (
          <li
            key={m.id}
            className={`model${m.is_available ? '' : ' broken'}`}
            data-testid="music-model"
            data-model={m.id}
            data-available={m.is_available}
          >
            <div className="model-main">
              <div className="model-name">
                <strong>{m.role}</strong>
                <code>{m.id}</code>
              </div>
              <div className="model-facts muted small">
                {m.variants.length > 0 && <span>{m.variants.join(', ')}</span>}
                {m.size_bytes !== null && <span>{formatBytes(m.size_bytes)}</span>}
                {m.is_available ? <span className="model-status ok">Ready</span> : <span className="model-status bad">Not usable</span>}
              </div>
              {m.problem && <p className="model-problem small">{m.problem}</p>}
            </div>
          </li>
        ))}
      </ul>
      <p className="muted small">
        {hasMusicgen ? 'More MusicGen models' : 'MusicGen, a second composing engine,'} can be added by copying a MusicGen ONNX export (the
        Xenova/musicgen-small layout: config.json, tokenizer.json, onnx/…) into <code>{music.musicgen_folder}</code>, one folder per model.
        It is picked up at once.
      </p>
    </Card>
  );
}
