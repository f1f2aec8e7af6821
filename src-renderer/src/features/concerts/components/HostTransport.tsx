import { useEffect, useState } from 'react';
import { expectedPosition } from '../../../../../src-shared/clock';
import type { ConcertSnapshot } from '../../../../../src-shared/events';
import { navigate } from '../../../app/router';
import { Alert, Button, Icon, useNamedAction } from '../../../components';
import { useSocketStore } from '../../../lib/socket';
import { concertsApi } from '../api';
import { formatTime } from '../room';
import { useServerClock } from '../sync';
import { CoverArt } from './CoverArt';
import '../party.css';

/** The host's transport: previous, pause/resume, next, a seek bar, and ending the concert. */
export function HostTransport({ concert }: { concert: ConcertSnapshot }) {
  const socket = useSocketStore((s) => s.socket);
  const { serverNow, hint } = useServerClock(socket);
  const { busy, error, run } = useNamedAction();
  const [confirmEnd, setConfirmEnd] = useState(false);
  /** Where the host is dragging the seek bar; sent once, on release. */
  const [dragging, setDragging] = useState<number | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => hint(concert.serverTime), [concert.serverTime, hint]);

  const index = concert.songs.findIndex((s) => s.songNum === concert.currentSong);
  const song = concert.songs[index] ?? null;
  const paused = concert.pausedPositionMs !== null;
  const started = concert.songStartedAt;
  const raw = started === null ? 0 : paused ? concert.pausedPositionMs! / 1000 : expectedPosition(serverNow(), started);
  const position = song?.duration != null ? Math.min(raw, song.duration) : raw;

  const roomId = concert.roomId;
  const commitSeek = () => {
    if (dragging === null) return;
    const to = dragging;
    setDragging(null);
    void run('seek', () => concertsApi.transport(roomId, 'seek', to * 1000));
  };

  return (
    <section className="stage-card host-transport" aria-label="Transport" data-testid="host-transport">
      {error && <Alert tone="error">{error}</Alert>}
      {song && started !== null && (
        <>
          <div className="party-now">
            <CoverArt audioId={song.audioId} title={song.title} size={64} />
            <div className="transport-buttons" role="group" aria-label="Playback">
              <Button
                variant="secondary"
                busy={busy === 'previous'}
                onClick={() => void run('previous', () => concertsApi.transport(roomId, 'previous'))}
                data-testid="transport-previous"
              >
                Previous
              </Button>
              <Button
                variant="primary"
                busy={busy === 'toggle'}
                onClick={() => void run('toggle', () => concertsApi.transport(roomId, paused ? 'resume' : 'pause'))}
                data-testid="transport-toggle"
              >
                <Icon name={paused ? 'play' : 'pause'} />
                {paused ? 'Resume' : 'Pause'}
              </Button>
              <Button
                variant="secondary"
                disabled={index === concert.songs.length - 1}
                busy={busy === 'next'}
                onClick={() => void run('next', () => concertsApi.transport(roomId, 'next'))}
                data-testid="transport-next"
              >
                Next
              </Button>
            </div>
          </div>
          <label className="seek">
            <span className="muted">{formatTime(position)}</span>
            <input
              type="range"
              min={0}
              max={Math.max(1, Math.floor(song.duration ?? position))}
              step={1}
              value={dragging ?? Math.floor(position)}
              disabled={song.duration === null}
              onChange={(e) => setDragging(Number(e.target.value))}
              // Sent on release, not on every drag step, so listeners seek once.
              onPointerUp={commitSeek}
              onKeyUp={commitSeek}
              aria-label="Seek for everyone"
              data-testid="transport-seek"
            />
            <span className="muted">{formatTime(song.duration)}</span>
          </label>
          <p className="muted" data-testid="transport-state">
            {paused ? 'Paused for everyone.' : 'Songs play on by themselves when one ends.'}
          </p>
        </>
      )}
      <div className="row">
        {confirmEnd ? (
          <>
            <span>End the concert for everyone?</span>
            <Button
              variant="danger"
              busy={busy === 'end'}
              onClick={() => void run('end', () => concertsApi.end(roomId).then(() => navigate('/concerts')))}
              data-testid="end-concert-confirm"
            >
              End concert
            </Button>
            <Button variant="ghost" onClick={() => setConfirmEnd(false)}>
              Keep it going
            </Button>
          </>
        ) : (
          <Button variant="ghost" onClick={() => setConfirmEnd(true)} data-testid="end-concert">
            End and delete concert
          </Button>
        )}
      </div>
    </section>
  );
}
