import { useEffect, useState, type RefObject } from 'react';
import type { ConcertLibrarySong, ConcertSnapshot } from '../../../../../src-shared/events';
import { errorMessage } from '../../../api/client';
import { Alert, Button } from '../../../components';
import { useSocketStore } from '../../../lib/socket';
import { REACTIONS } from '../api';
import { formatTime, listenerActions } from '../room';
import { CoverArt } from './CoverArt';
import { ReactionsFeed } from './ReactionsFeed';
import '../party.css';

const VOLUME_KEY = 'atelier.concert.volume';
/** Seconds: within this of the room clock the listener is "in sync". */
const IN_SYNC = 0.1;

/** A listener's side of the party: cover, up next, how far off the room clock, volume, reactions and requests. */
export function ListenerParty({
  concert,
  audio,
  offset,
}: {
  concert: ConcertSnapshot;
  audio: RefObject<HTMLAudioElement | null>;
  offset: RefObject<number | null>;
}) {
  const [volume, setVolume] = useState(() => Number(localStorage.getItem(VOLUME_KEY) ?? '1'));
  const [, tick] = useState(0);
  const socket = useSocketStore((s) => s.socket);
  const actions = socket ? listenerActions(socket, concert.roomId) : null;
  const [library, setLibrary] = useState<ConcertLibrarySong[] | null>(null);
  const [pick, setPick] = useState('');
  const [note, setNote] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);

  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (audio.current) audio.current.volume = volume;
    localStorage.setItem(VOLUME_KEY, String(volume));
  }, [audio, volume]);
  useEffect(() => {
    if (!socket) return;
    void listenerActions(socket, concert.roomId)
      .library()
      .then(setLibrary, () => setLibrary([]));
  }, [socket, concert.roomId]);

  const index = concert.songs.findIndex((s) => s.songNum === concert.currentSong);
  const song = concert.songs[index] ?? null;
  const upNext = index >= 0 ? concert.songs.slice(index + 1, index + 4) : [];
  const drift = offset.current;
  const paused = concert.pausedPositionMs !== null;

  const send = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setNote({ tone: 'success', text: done });
    } catch (err) {
      setNote({ tone: 'error', text: errorMessage(err) });
    }
  };

  return (
    <section className="card listener-party" aria-label="Listening party" data-testid="listener-party">
      <div className="party-now">
        {song && <CoverArt audioId={song.audioId} title={song.title} />}
        <div className="stack-tight">
          <span className="sync-indicator" data-testid="sync-indicator" data-offset-ms={drift === null ? '' : Math.round(drift * 1000)}>
            {paused
              ? 'Paused by the host'
              : drift === null
                ? 'Syncing…'
                : `${Math.abs(drift) <= IN_SYNC ? 'In sync' : 'Catching up'} · ${drift >= 0 ? '+' : '−'}${Math.round(Math.abs(drift) * 1000)} ms`}
          </span>
          <label className="volume">
            <span>Volume</span>
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={volume}
              onChange={(e) => setVolume(Number(e.target.value))}
              aria-label="Your volume"
              data-testid="concert-volume"
            />
          </label>
        </div>
      </div>

      <div>
        <h2 className="card-title">Up next</h2>
        {upNext.length === 0 ? (
          <p className="muted">Nothing after this song yet.</p>
        ) : (
          <ol className="up-next" data-testid="up-next">
            {upNext.map((s) => (
              <li key={s.songNum}>
                <CoverArt audioId={s.audioId} title={s.title} size={32} />
                <span className="setlist-title">{s.title}</span>
                <span className="muted">{formatTime(s.duration)}</span>
              </li>
            ))}
          </ol>
        )}
      </div>

      <div className="reaction-bar" role="group" aria-label="React">
        {REACTIONS.map((emoji) => (
          <button
            key={emoji}
            type="button"
            className="reaction-button"
            aria-label={`React ${emoji}`}
            data-testid={`react-${emoji}`}
            disabled={!actions}
            onClick={() => actions && void send(() => actions.react(emoji), 'Sent')}
          >
            {emoji}
          </button>
        ))}
      </div>
      <ReactionsFeed roomId={concert.roomId} />

      {library && library.length > 0 && (
        <div className="row">
          <select className="input select" value={pick} onChange={(e) => setPick(e.target.value)} aria-label="Song to request">
            <option value="">Request a song…</option>
            {library.map((a) => (
              <option key={a.audioId} value={a.audioId}>
                {a.title}
              </option>
            ))}
          </select>
          <Button
            disabled={!pick || !actions}
            onClick={() =>
              actions && void send(() => actions.request(Number(pick)).then(() => setPick('')), 'Requested: the host will see it')
            }
            data-testid="request-song"
          >
            Request
          </Button>
        </div>
      )}
      {concert.requests.length > 0 && (
        <p className="muted" data-testid="waiting-requests">
          Waiting for the host: {concert.requests.map((r) => `${r.title} (${r.name})`).join(', ')}
        </p>
      )}
      {note && <Alert tone={note.tone}>{note.text}</Alert>}
    </section>
  );
}
