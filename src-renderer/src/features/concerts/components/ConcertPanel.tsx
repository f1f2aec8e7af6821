import { useEffect, useState } from 'react';
import { expectedPosition } from '../../../../../src-shared/clock';
import type { ConcertSnapshot } from '../../../../../src-shared/events';
import { Link } from '../../../app/router';
import { Alert, Avatar, Button, Card, Toggle, useNamedAction } from '../../../components';
import { useSocketStore } from '../../../lib/socket';
import { concertsApi } from '../api';
import { formatTime } from '../room';
import { useConcerts } from '../store';
import { useServerClock } from '../sync';
import { AccessoriesCard } from './AccessoriesCard';
import { HostTransport } from './HostTransport';
import { MySongsPicker } from './MySongsPicker';
import { RequestsCard } from './RequestsCard';
import { ShareCard } from './ShareCard';

/** The control room of one concert: doors, the current song, the audience, accessories, the invitation. */
export function ConcertPanel({ concert }: { concert: ConcertSnapshot }) {
  const library = useConcerts((s) => s.library) ?? [];
  const { busy, error, run } = useNamedAction();
  const [addId, setAddId] = useState('');
  const nextSongNum = Math.max(0, ...concert.songs.map((s) => s.songNum)) + 1;

  return (
    <div className="stack" data-testid="concert-panel">
      <div className="panel-head">
        <div>
          <Link to="/concerts" className="muted">
            ← All concerts
          </Link>
          <h2 className="concert-title" data-testid="panel-name">
            {concert.concertName}
          </h2>
        </div>
        <span className={`doors ${concert.isOpen ? 'doors-open' : 'doors-closed'}`}>{concert.isOpen ? 'Doors open' : 'Doors closed'}</span>
      </div>
      {error && <Alert tone="error">{error}</Alert>}

      <div className="panel-grid">
        <div className="stack">
          <section className="stage-card" aria-label="On stage">
            <HostNowPlaying concert={concert} />
            <Toggle
              label="Doors open"
              description={
                concert.isOpen
                  ? 'Listeners with the address can take a seat. Opening restarted the current song for everyone.'
                  : 'Closed: nobody new can join. Seated listeners stay. Opening starts the current song from the top.'
              }
              checked={concert.isOpen}
              busy={busy === 'doors'}
              onChange={(open) => void run('doors', () => concertsApi.setOpen(concert.roomId, open))}
              data-testid="doors-toggle"
            />
          </section>
          <HostTransport concert={concert} />

          <Card title="Set list" description="Play a song to start it for every listener at the same moment.">
            {concert.songs.length === 0 && <p className="muted">No songs yet: add one from the library.</p>}
            <ol className="track-list numbered" data-testid="panel-setlist">
              {concert.songs.map((song) => {
                const current = song.songNum === concert.currentSong;
                const restart = current && concert.songStartedAt !== null;
                return (
                  <li key={song.songNum} aria-current={current ? 'true' : undefined}>
                    <span className="track-main">
                      <span className="track-title">{song.title}</span>
                      <span className="track-sub muted">
                        {formatTime(song.duration)}
                        {song.artist && ` · ${song.artist}`}
                        {current && <CurrentBadge concert={concert} />}
                      </span>
                    </span>
                    <span className="row-actions">
                      <Button
                        size="sm"
                        variant={current ? 'ghost' : 'secondary'}
                        busy={busy === `play-${song.songNum}`}
                        onClick={() => void run(`play-${song.songNum}`, () => concertsApi.changeSong(concert.roomId, song.songNum))}
                        aria-label={`${restart ? 'Restart' : 'Play'} ${song.title}`}
                        data-testid={`play-${song.songNum}`}
                      >
                        {restart ? 'Restart' : 'Play'}
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={busy !== null}
                        onClick={() => void run('remove', () => concertsApi.removeSong(concert.roomId, song.songNum))}
                        aria-label={`Remove ${song.title}`}
                      >
                        Remove
                      </Button>
                    </span>
                  </li>
                );
              })}
            </ol>
            {library.length > 0 && (
              <div className="row">
                <select className="input select" value={addId} onChange={(e) => setAddId(e.target.value)} aria-label="Song to add">
                  <option value="">Add a song from the library…</option>
                  {library.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.title}
                    </option>
                  ))}
                </select>
                <Button
                  disabled={!addId}
                  busy={busy === 'add'}
                  onClick={() =>
                    void run('add', () => concertsApi.addSong(concert.roomId, nextSongNum, Number(addId)).then(() => setAddId('')))
                  }
                >
                  Add to set list
                </Button>
              </div>
            )}
            <MySongsPicker concert={concert} />
          </Card>

          <Card title={`Audience · ${concert.currentAudience} / ${concert.maxAudience}`} data-testid="panel-audience">
            <p className="muted" data-testid="panel-audience-count">
              {concert.currentAudience === 0
                ? 'Nobody has joined yet.'
                : `${concert.currentAudience} of ${concert.maxAudience} seats taken.`}
            </p>
            {concert.audience.length > 0 && (
              <ul className="audience-list" aria-label="Listeners">
                {concert.audience.map((listener) => (
                  <li key={listener.userId}>
                    <Avatar name={listener.name} size={28} />
                    <span className="track-title">{listener.name}</span>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={busy !== null}
                      onClick={() => void run('remove-listener', () => concertsApi.removeListener(concert.roomId, listener.userId))}
                      aria-label={`Remove ${listener.name} from the audience`}
                    >
                      Remove
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
        <div className="stack">
          <ShareCard roomId={concert.roomId} />
          <RequestsCard concert={concert} />
        </div>
      </div>
      <AccessoriesCard concert={concert} />
    </div>
  );
}

const STATE_WORDS = { 'up-first': 'Up first', playing: 'Now playing', paused: 'Paused', played: 'Just played' } as const;

/**
 * Where the current song is, on the server's clock like the listeners' players: not started, playing,
 * or played to its end. The set list and the now-playing card both read it, so they never disagree.
 */
function useCurrentSong(concert: ConcertSnapshot) {
  const socket = useSocketStore((s) => s.socket);
  const { serverNow, hint } = useServerClock(socket);
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => hint(concert.serverTime), [concert.serverTime, hint]);
  const song = concert.songs.find((s) => s.songNum === concert.currentSong) ?? null;
  const started = concert.songStartedAt;
  const paused = concert.pausedPositionMs;
  const elapsed = started === null ? null : paused !== null ? paused / 1000 : expectedPosition(serverNow(), started);
  const over = elapsed !== null && song?.duration != null && elapsed >= song.duration;
  const position = elapsed === null ? 0 : song?.duration != null ? Math.min(elapsed, song.duration) : elapsed;
  const state: keyof typeof STATE_WORDS = started === null ? 'up-first' : over ? 'played' : paused !== null ? 'paused' : 'playing';
  return { song, started, position, state };
}

function CurrentBadge({ concert }: { concert: ConcertSnapshot }) {
  const { state } = useCurrentSong(concert);
  return (
    <span className="badge" data-testid="setlist-state">
      {STATE_WORDS[state]}
    </span>
  );
}

/** What the audience hears now, on the server's clock like their players. */
function HostNowPlaying({ concert }: { concert: ConcertSnapshot }) {
  const { song, started, position, state } = useCurrentSong(concert);
  if (!song) return <p className="muted">No song is on yet: play one from the set list.</p>;
  const share = song.duration ? position / song.duration : 0;
  return (
    <div className="host-now" data-testid="panel-now-playing">
      <span className="now-playing-label">{STATE_WORDS[state]}</span>
      <span className="now-playing-title">{song.title}</span>
      {song.artist && <span className="muted">{song.artist}</span>}
      {started === null ? (
        <p className="muted">It starts for everyone when you open the doors.</p>
      ) : (
        <>
          <div
            className="progress"
            role="progressbar"
            aria-label="Song position"
            aria-valuemin={0}
            aria-valuemax={Math.round(song.duration ?? 0)}
            aria-valuenow={Math.round(position)}
          >
            <span style={{ width: `${share * 100}%` }} />
          </div>
          <div className="progress-times muted">
            <span>{formatTime(position)}</span>
            <span>{formatTime(song.duration)}</span>
          </div>
        </>
      )}
    </div>
  );
}
