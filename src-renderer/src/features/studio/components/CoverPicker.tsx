import { useState } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button } from '../../../components';
import { studioApi, type Cover } from '../api';
import { Glyph } from './glyphs';

/** Draws an album cover from the title, genre and mood, to be attached when the song is saved. */
export function CoverPicker({ title, genre, mood, cover, onChange }: { title: string; genre: string; mood: string; cover: Cover | null; onChange(cover: Cover | null): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const make = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await studioApi.cover({ title: title.trim(), genre: genre || undefined, mood: mood || undefined }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="cover-picker">
      <div className="cover-preview">{cover ? <img src={cover.imageUrl} alt="Album cover" data-testid="cover-preview" /> : <span className="muted">No cover</span>}</div>
      <div className="stack-sm">
        <Button size="sm" onClick={() => void make()} busy={busy} disabled={!title.trim()} data-testid="make-cover">
          <Glyph name="sparkle" />
          {cover ? 'Draw again' : 'Make album cover'}
        </Button>
        {cover && (
          <Button size="sm" variant="ghost" onClick={() => onChange(null)}>
            Remove cover
          </Button>
        )}
        <span className="muted small">Drawn from the title, genre and mood.</span>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}
