import { Card } from '../../../components';
import { formatBytes } from '../api';
import { useModels } from '../store';
import { ModelItem } from './ModelItem';

/** The composing engines' models: read-only here; MusicGen is added by copying its export into the folder shown. */
export function MusicModels() {
  const music = useModels((s) => s.overview?.music);
  if (!music) return null;
  const hasMusicgen = music.models.some((m) => m.engine === 'musicgen');
  return (
    <Card title="Music models" description="What Record & Compose composes with." data-testid="music-models">
      <ul className="model-list">
        {music.models.map((m) => (
          <ModelItem
            key={m.id}
            id={m.id}
            name={m.role}
            showId
            available={m.is_available}
            facts={
              <>
                {m.variants.length > 0 && <span>{m.variants.join(', ')}</span>}
                {m.size_bytes !== null && <span>{formatBytes(m.size_bytes)}</span>}
              </>
            }
            problem={m.problem}
            notUsable="Not usable"
            data-testid="music-model"
          />
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
