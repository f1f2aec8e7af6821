import { useState, type FormEvent } from 'react';
import { Alert, Card, FilePicker, Spinner, SubmitRow, TextField, useAction } from '../../../components';
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
  const { busy, error, note: added, setNote: setAdded, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    void run(async () => {
      const audio = await upload(file, title.trim(), artist.trim());
      setAdded(`“${audio.title}” is in the library.`);
      setFile(null);
      setTitle('');
      setArtist('');
    });
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
        <TextField label="Title" value={title} maxLength={200} onChange={setTitle} data-testid="upload-title" />
        <TextField label="Artist" hint="Optional" value={artist} maxLength={200} onChange={setArtist} />
        <SubmitRow
          busy={busy}
          disabled={!file || !title.trim()}
          error={error}
          note={added && <Alert tone="success">{added}</Alert>}
          data-testid="upload-submit"
        >
          Upload to library
        </SubmitRow>
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
