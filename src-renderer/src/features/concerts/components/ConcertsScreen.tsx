import '../concerts.css';
import { useEffect, useState } from 'react';
import { Link, useLocation } from '../../../app/router';
import { Alert, Card, Spinner } from '../../../components';
import { useSocketEvent, useSocketStore } from '../../../lib/socket';
import { PageHeader } from '../../shell/components/PageHeader';
import { useConcerts } from '../store';
import { ConcertPanel } from './ConcertPanel';
import { LibraryCard } from './LibraryCard';
import { NewConcertCard } from './NewConcertCard';

/** The host's side: /concerts lists and creates concerts, /concerts/<roomId> runs one. */
export function ConcertsScreen() {
  const { path } = useLocation();
  const roomId = path.startsWith('/concerts/') ? decodeURIComponent(path.slice('/concerts/'.length)) : null;
  const socket = useSocketStore((s) => s.socket);
  const { mine, mineLoaded, mineError, loadLibrary, loadMine, update, drop } = useConcerts();

  useEffect(() => void loadLibrary(), [loadLibrary]);
  useEffect(() => {
    if (!socket) return;
    void loadMine(socket);
    // A new connection follows no rooms: follow them again.
    const again = () => void loadMine(socket);
    socket.io.on('reconnect', again);
    return () => void socket.io.off('reconnect', again);
  }, [socket, loadMine]);

  // The shell's content area keeps its scroll between paths: a concert opens at its top.
  useEffect(() => {
    document.getElementById('content')?.scrollTo(0, 0);
  }, [roomId]);

  useSocketEvent('concert:state', update);
  useSocketEvent('concert:ended', (event) => {
    if (event.reason === 'expired') drop(event.roomId);
  });

  const libraryEmpty = useConcerts((s) => (s.library === null ? null : s.library.length === 0));
  // The order is chosen once, from the library as the screen found it: a first upload does not make the cards swap under the pointer.
  const [libraryFirst, setLibraryFirst] = useState<boolean | null>(null);
  useEffect(() => {
    if (libraryFirst === null && libraryEmpty !== null) setLibraryFirst(libraryEmpty);
  }, [libraryEmpty, libraryFirst]);
  const concerts = Object.values(mine).sort((a, b) => b.expiresAt - a.expiresAt);
  const selected = roomId ? mine[roomId] : undefined;

  return (
    <>
      <PageHeader title="Concerts" description="Play your songs live to people on your network, every listener in step with the others." />
      {mineError && <Alert tone="error">{mineError}</Alert>}
      {roomId ? (
        selected ? (
          <ConcertPanel concert={selected} />
        ) : mineLoaded ? (
          <Card>
            <p>This concert has ended, or it is not one of yours.</p>
            <Link to="/concerts">All concerts</Link>
          </Card>
        ) : (
          <Spinner label="Loading the concert" />
        )
      ) : (
        <div className="stack">
          <Card title="Your concerts" data-testid="my-concerts">
            {!mineLoaded && <Spinner label="Loading your concerts" />}
            {mineLoaded && concerts.length === 0 && <p className="muted">No live concerts. Create one below.</p>}
            {concerts.length > 0 && (
              <ul className="concert-list">
                {concerts.map((c) => (
                  <li key={c.roomId}>
                    <Link to={`/concerts/${encodeURIComponent(c.roomId)}`} className="concert-link">
                      <span className="track-title">{c.concertName}</span>
                      <span className="muted">
                        {c.songs.length} {c.songs.length === 1 ? 'song' : 'songs'} · {c.currentAudience} / {c.maxAudience} listening
                      </span>
                      <span className={`doors ${c.isOpen ? 'doors-open' : 'doors-closed'}`}>
                        {c.isOpen ? 'Doors open' : 'Doors closed'}
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          {/* A fresh install has nothing to put in a set list: the upload comes first then. */}
          {libraryFirst !== false
            ? [<LibraryCard key="library" />, <NewConcertCard key="new" />]
            : [<NewConcertCard key="new" />, <LibraryCard key="library" />]}
        </div>
      )}
    </>
  );
}
