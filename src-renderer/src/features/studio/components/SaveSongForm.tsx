import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Field, Input } from '../../../components';
import { studioApi, type Cover, type Track } from '../api';
import { useStudio } from '../store';
import { CoverPicker } from './CoverPicker';
import { GENRES, MOODS } from './options';

/**
 * Saves the studio's audible tracks (mute and solo respected) as one song, mixed by the server,
 * with an optional album cover.
 */
export function SaveSongForm({ studioId, tracks }: { studioId: number; tracks: Track[] }) {
  const { mix, songSaved } = useStudio();
  const [title, setTitle] = useState('');
  const [genre, setGenre] = useState('');
  const [mood, setMood] = useState('');
  const [cover, setCover] = useState<Cover | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const ready = tracks.filter((t) => t.status === 'ready');
  const soloing = ready.some((t) => mix[t.trackId]?.solo);
  const audible = ready.filter((t) => (soloing ? mix[t.trackId]?.solo : !mix[t.trackId]?.mute));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const song = await studioApi.mixTracks(studioId, {
        title: title.trim(),
        genre: genre || undefined,
        mood: mood || undefined,
        trackIds: audible.map((t) => t.trackId),
        imageFilePath: cover?.imageFilePath,
      });
      songSaved(song);
      setSaved(`“${song.title}” was saved.`);
      setTitle('');
      setCover(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} data-testid="save-song-form">
      <div className="form-grid three">
        <Field label="Song title">
          {(c) => <Input {...c} value={title} maxLength={100} required onChange={(e) => setTitle(e.target.value)} />}
        </Field>
        <Field label="Genre">
          {(c) => (
            <select {...c} className="input" value={genre} onChange={(e) => setGenre(e.target.value)}>
              <option value="">—</option>
              {GENRES.map((g) => (
                <option key={g}>{g}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Mood">
          {(c) => (
            <select {...c} className="input" value={mood} onChange={(e) => setMood(e.target.value)}>
              <option value="">—</option>
              {MOODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <CoverPicker title={title} genre={genre} mood={mood} cover={cover} onChange={setCover} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={busy} disabled={!title.trim() || audible.length === 0} data-testid="save-song">
          Save as song
        </Button>
        <span className="muted">
          {audible.length === 0
            ? 'No audible tracks to mix.'
            : `Mixes ${audible.length === 1 ? '1 track' : `${audible.length} tracks`}${soloing ? ' (the soloed ones)' : ''}.`}
        </span>
        {saved && <Alert tone="success">{saved}</Alert>}
      </div>
      {error && <Alert tone="error">{error}</Alert>}
    </form>
  );
}
