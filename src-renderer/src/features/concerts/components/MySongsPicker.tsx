import { useEffect, useState } from 'react';
import type { ConcertSnapshot } from '../../../../../src-shared/events';
import { errorMessage } from '../../../api/client';
import { Alert, Button } from '../../../components';
import { concertsApi, type MySong } from '../api';
import { formatTime } from '../room';
import { useConcerts } from '../store';

/** Adds one of the host's own songs (My songs, any of their studios) to the set list, with no upload. */
export function MySongsPicker({ concert }: { concert: ConcertSnapshot }) {
  const loadLibrary = useConcerts((s) => s.loadLibrary);
  const [songs, setSongs] = useState<MySong[] | null>(null);
  const [pick, setPick] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void concertsApi.mySongs().then(setSongs, (err: unknown) => setError(errorMessage(err)));
  }, []);

  if (songs !== null && songs.length === 0) return null;
  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      const file = await concertsApi.addFromSong(Number(pick));
      const songNum = Math.max(0, ...concert.songs.map((s) => s.songNum)) + 1;
      await concertsApi.addSong(concert.roomId, songNum, file.id);
      setPick('');
      setSongs((list) => list?.map((s) => (s.songId === Number(pick) ? { ...s, audioId: file.id } : s)) ?? null);
      void loadLibrary();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="stack-tight" data-testid="my-songs-picker">
      {error && <Alert tone="error">{error}</Alert>}
      <div className="row">
        <select className="input select" value={pick} onChange={(e) => setPick(e.target.value)} aria-label="One of my songs to add">
          <option value="">Add one of my songs…</option>
          {songs?.map((s) => (
            <option key={s.songId} value={s.songId}>
              {s.title} · {formatTime(s.duration)}
              {s.studioId !== null ? ' · studio' : ''}
            </option>
          ))}
        </select>
        <Button disabled={!pick} busy={busy} onClick={() => void add()} data-testid="add-my-song">
          Add my song
        </Button>
      </div>
    </div>
  );
}
