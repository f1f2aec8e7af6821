import '../concerts.css';
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { ConcertEnded, ConcertRole, ConcertSnapshot } from '../../../../../src-shared/events';
import { expectedPosition } from '../../../../../src-shared/clock';
import { Link } from '../../../app/router';
import { Alert, Brand, Button, Card, Icon, Spinner } from '../../../components';
import { useSocketEvent, useSocketStore } from '../../../lib/socket';
import { formatTime, joinRoom, leaveRoom } from '../room';
import { usePlaybackSync, useServerClock } from '../sync';
import { ListenerParty } from './ListenerParty';
import { StageView } from './StageView';

type Phase =
  | { kind: 'joining' }
  | { kind: 'in'; role: ConcertRole }
  | { kind: 'refused'; message: string }
  | { kind: 'left' }
  | { kind: 'ended'; reason: ConcertEnded['reason'] };

const ENDED: Record<ConcertEnded['reason'], string> = {
  expired: 'This concert has ended.',
  ended: 'The host ended this concert. Thanks for listening!',
  removed: 'The host took your seat back, so you are no longer in this concert.',
};

/** What a listener opens from the host's link or QR code: join, listen in sync, leave. */
export function AudiencePage({ roomId }: { roomId: string }) {
  const socket = useSocketStore((s) => s.socket);
  const [phase, setPhase] = useState<Phase>({ kind: 'joining' });
  const [concert, setConcert] = useState<ConcertSnapshot | null>(null);
  const [attempt, setAttempt] = useState(0);
  const { serverNow, hint } = useServerClock(socket);
  const { audio, blocked, ended, song, resume, offset } = usePlaybackSync(phase.kind === 'in' ? concert : null, serverNow);
  const phaseRef = useRef(phase);
  phaseRef.current = phase;

  useEffect(() => {
    if (!socket) return;
    let current = true;
    const join = () =>
      void joinRoom(socket, roomId).then((result) => {
        if (!current) return;
        if (result.ok) {
          hint(result.concert.serverTime);
          setConcert(result.concert);
          setPhase({ kind: 'in', role: result.role });
        } else {
          setPhase({ kind: 'refused', message: result.message });
        }
      });
    setPhase({ kind: 'joining' });
    join();
    // A new connection follows no rooms: join again, unless this page already left.
    const rejoin = () => {
      if (phaseRef.current.kind === 'in') join();
    };
    socket.io.on('reconnect', rejoin);
    // Closing the tab disconnects the socket, which frees the seat; leaving the page in-app says so.
    return () => {
      current = false;
      socket.io.off('reconnect', rejoin);
      if (phaseRef.current.kind === 'in') void leaveRoom(socket, roomId);
    };
  }, [socket, roomId, attempt, hint]);

  useSocketEvent('concert:state', (next) => {
    if (next.roomId !== roomId || phaseRef.current.kind !== 'in') return;
    hint(next.serverTime);
    setConcert(next);
  });
  useSocketEvent('concert:ended', (event) => {
    if (event.roomId !== roomId) return;
    setPhase({ kind: 'ended', reason: event.reason });
  });

  const leave = () => {
    setPhase({ kind: 'left' });
    if (socket) void leaveRoom(socket, roomId);
  };

  return (
    <div className="concert-page">
      <header className="concert-topbar">
        <Brand />
        {phase.kind === 'in' && phase.role === 'listener' && (
          <Button variant="secondary" size="sm" onClick={leave} data-testid="concert-leave">
            Leave
          </Button>
        )}
        {phase.kind === 'in' && phase.role === 'studio' && (
          <Link to="/concerts" className="btn btn-secondary btn-sm">
            Back to your concerts
          </Link>
        )}
      </header>
      {/* One element for the whole visit, so a song change does not lose the permission to play. */}
      <audio ref={audio} preload="auto" data-testid="concert-audio" />
      <main className="concert-main">
        {phase.kind === 'joining' && <Spinner label="Joining the concert" />}
        {phase.kind === 'refused' && (
          <div className="concert-notice" data-testid="concert-refused">
            <h1 className="page-title">You could not join</h1>
            <Alert tone="error" data-testid="concert-join-error">
              {phase.message}
            </Alert>
            <Button variant="primary" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </Button>
          </div>
        )}
        {phase.kind === 'left' && (
          <div className="concert-notice" data-testid="concert-left">
            <h1 className="page-title">You left the concert</h1>
            <p className="muted">Your seat is free for someone else.</p>
            <Button variant="primary" onClick={() => setAttempt((n) => n + 1)}>
              Join again
            </Button>
          </div>
        )}
        {phase.kind === 'ended' && (
          <div className="concert-notice" data-testid="concert-ended">
            <h1 className="page-title">{ENDED[phase.reason]}</h1>
            <Link to="/">Open Atelier</Link>
          </div>
        )}
        {phase.kind === 'in' && concert && (
          <>
            <section className="concert-hero" aria-labelledby="concert-name">
              <div className="concert-meta">
                <span className={`doors ${concert.isOpen ? 'doors-open' : 'doors-closed'}`} data-testid="concert-doors">
                  {concert.isOpen ? 'Doors open' : 'Doors closed'}
                </span>
                <span className="muted" data-testid="concert-audience-count">
                  {concert.currentAudience} / {concert.maxAudience} listening
                </span>
              </div>
              <h1 className="concert-title" id="concert-name" data-testid="concert-name">
                {concert.concertName}
              </h1>
              <p className="muted">Hosted by {concert.studioName}</p>
              <NowPlaying concert={concert} audio={audio} ended={ended} serverNow={serverNow} />
              {blocked && song && (
                <Button variant="primary" onClick={resume} data-testid="concert-tap">
                  <Icon name="broadcast" />
                  Tap to listen
                </Button>
              )}
            </section>
            {concert.stage && (
              <Card title="On stage" data-testid="concert-stage">
                <StageView stage={concert.stage} label={`${concert.studioName}’s stage: ${concert.stage.model.name}`} />
              </Card>
            )}
            <ListenerParty concert={concert} audio={audio} offset={offset} />
            <section className="card" aria-labelledby="setlist-title">
              <h2 className="card-title" id="setlist-title">
                Set list
              </h2>
              {concert.songs.length === 0 ? (
                <p className="muted">The host has not added any songs yet.</p>
              ) : (
                <ol className="setlist" data-testid="concert-setlist">
                  {concert.songs.map((s) => (
                    <li key={s.songNum} aria-current={s.songNum === concert.currentSong ? 'true' : undefined}>
                      <span className="setlist-title">{s.title}</span>
                      {s.artist && <span className="muted"> · {s.artist}</span>}
                      <span className="setlist-duration muted">{formatTime(s.duration)}</span>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </>
        )}
      </main>
    </div>
  );
}

function NowPlaying({
  concert,
  audio: audioRef,
  ended,
  serverNow,
}: {
  concert: ConcertSnapshot;
  audio: RefObject<HTMLAudioElement | null>;
  ended: boolean;
  serverNow: () => number;
}) {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, []);
  const audio = audioRef.current;
  const song = concert.songs.find((s) => s.songNum === concert.currentSong) ?? null;
  if (!song)
    return (
      <p className="now-playing muted" data-testid="concert-now-playing">
        Nothing is playing yet.
      </p>
    );
  const duration = song.duration ?? (audio && Number.isFinite(audio.duration) ? audio.duration : null);
  // The room's clock, not the player: before the tap (or while the browser holds the audio back)
  // the song is already this far in for everyone else.
  const started = concert.songStartedAt;
  const clock = started === null ? 0 : Math.max(0, expectedPosition(serverNow(), started));
  const position = ended ? duration : duration !== null ? Math.min(clock, duration) : clock;
  const share = duration && position !== null ? Math.min(1, position / duration) : 0;
  return (
    <div className="now-playing" data-testid="concert-now-playing" data-song-num={song.songNum}>
      <span className="now-playing-label">{ended ? 'Just played' : 'Now playing'}</span>
      <span className="now-playing-title" data-testid="concert-song-title">
        {song.title}
      </span>
      {song.artist && <span className="muted">{song.artist}</span>}
      {!song.playbackUrl && <Alert tone="info">This song is no longer in the library, so it cannot play.</Alert>}
      <div
        className="progress"
        role="progressbar"
        aria-label="Song position"
        aria-valuemin={0}
        aria-valuemax={Math.round(duration ?? 0)}
        aria-valuenow={Math.round(position ?? 0)}
      >
        <span style={{ width: `${share * 100}%` }} />
      </div>
      <div className="progress-times muted">
        <span>{formatTime(position)}</span>
        <span>{formatTime(duration)}</span>
      </div>
    </div>
  );
}
