import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, Field, FilePicker, Input, Spinner } from '../../../components';
import { useConcerts } from '../store';
import { formatTime } from '../room';

const titleFromFile = (name: string) =>
  name
    .replace(/\.[^.]+$/, '')
    .replace(/[_-]+/g, ' ')
    .trim();

/** The shared audio library a set list draws from, with an upload, since a fresh install has none. */
export function LibraryCard() {
  const { library, libraryError, upload } = useConcerts();
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [artist, setArtist] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const audio = await upload(file, title.trim(), artist.trim());
      setAdded(`“${audio.title}” is in the library.`);
      setFile(null);
      setTitle('');
      setArtist('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title="Audio library"
      description="Songs every account on this Atelier can put in a set list. MP3, AAC, M4A or WAV, up to 100 MB."
      data-testid="audio-library"
    >
      <form className="form-grid" onSubmit={submit} aria-label="Upload a song" noValidate>
        <FilePicker
          label={file ? file.name : 'Choose an audio file'}
          accept="audio/*,.mp3,.aac,.m4a,.wav"
          onFiles={([picked]) => {
            setFile(picked!);
            if (!title) setTitle(titleFromFile(picked!.name));
          }}
          data-testid="upload-file"
        />
        <Field label="Title">
          {(control) => (
            <Input {...control} value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} data-testid="upload-title" />
          )}
        </Field>
        <Field label="Artist" hint="Optional">
          {(control) => <Input {...control} value={artist} maxLength={200} onChange={(e) => setArtist(e.target.value)} />}
        </Field>
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} disabled={!file || !title.trim()} data-testid="upload-submit">
            Upload to library
          </Button>
          {error && <Alert tone="error">{error}</Alert>}
          {added && <Alert tone="success">{added}</Alert>}
        </div>
      </form>
      {libraryError && <Alert tone="error">{libraryError}</Alert>}
      {!library && !libraryError && <Spinner label="Loading the library" />}
      {library && library.length === 0 && <p className="muted">The library is empty: upload a song to build a set list.</p>}
      {library && library.length > 0 && (
        <ul className="track-list" aria-label="Songs in the library">
          {library.map((audio) => (
            <li key={audio.id}>
              <span className="track-title">{audio.title}</span>
              <span className="muted">{audio.artist ?? 'Unknown artist'}</span>
              <span className="track-duration muted">{formatTime(audio.duration)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
