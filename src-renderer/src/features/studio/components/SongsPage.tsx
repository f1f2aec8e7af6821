import { useEffect } from 'react';
import { Link } from '../../../app/router';
import { Alert, Spinner } from '../../../components';
import { PageHeader } from '../../shell/components/PageHeader';
import { useStudio } from '../store';
import { SongCard } from './SongCard';

/** Songs, newest first: all of the user's (My songs), or one studio's when `studioId` is given. */
export function SongList({ studioId }: { studioId?: number }) {
  const { songs, songsError, loadSongs } = useStudio();
  useEffect(() => void loadSongs(studioId), [loadSongs, studioId]);
  if (songsError) return <Alert tone="error">{songsError}</Alert>;
  if (!songs) return <Spinner label="Loading songs" />;
  const shown = studioId === undefined ? songs : songs.filter((s) => s.studioId === studioId);
  if (shown.length === 0) return <p className="muted">No songs yet. Save your tracks as a song, or compose one with AI.</p>;
  return (
    <div className="song-list" data-testid="song-list">
      {shown.map((song) => (
        <SongCard key={song.songId} song={song} />
      ))}
    </div>
  );
}

export function SongsPage() {
  return (
    <div className="stack">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/compose">Studios</Link> / <span>My songs</span>
      </nav>
      <PageHeader
        title="My songs"
        description="Every finished song, from all your studios, with its cover. Share one to get a link that plays without signing in."
      />
      <SongList />
    </div>
  );
}
