import { useEffect, useRef, useState } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components';
import { usePlayer } from '../store';

const clock = (s: number) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '0:00');

/** The player that outlives pages: one <audio> element, mounted by the shell for the whole session. */
export function PlayerBar() {
  const { track, playing, setPlaying, stop } = usePlayer();
  const audio = useRef<HTMLAudioElement>(null);
  const [time, setTime] = useState({ now: 0, total: 0 });

  useEffect(() => {
    const el = audio.current;
    if (!el || !track) return;
    if (playing && el.paused) el.play().catch(() => setPlaying(false));
    if (!playing && !el.paused) el.pause();
  }, [playing, track, setPlaying]);

  if (!track) return null;
  return (
    <div className="player-bar" role="region" aria-label="Now playing">
      <audio
        ref={audio}
        src={track.src}
        autoPlay
        data-testid="player-audio"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => setPlaying(false)}
        onTimeUpdate={(e) => setTime({ now: e.currentTarget.currentTime, total: e.currentTarget.duration })}
      />
      <Button size="sm" variant="primary" onClick={() => setPlaying(!playing)} aria-label={playing ? 'Pause' : 'Play'}>
        {playing ? '❚❚' : '▶'}
      </Button>
      <div className="player-bar-title">
        {track.href ? <Link to={track.href}>{track.title}</Link> : <span>{track.title}</span>}
        <span className="muted">
          {track.subtitle ? `${track.subtitle} · ` : ''}
          {clock(time.now)} / {clock(time.total)}
        </span>
      </div>
      <input
        className="player-bar-seek"
        type="range"
        min={0}
        max={Number.isFinite(time.total) && time.total > 0 ? time.total : 0}
        step={0.1}
        value={time.now}
        aria-label="Position"
        onChange={(e) => {
          if (audio.current) audio.current.currentTime = Number(e.target.value);
        }}
      />
      <Button size="sm" variant="ghost" onClick={stop} aria-label="Close the player">
        ✕
      </Button>
    </div>
  );
}

/**
 * A button that sends a song to the player bar, which keeps playing while the user moves between
 * pages (a card's own player stops when the page changes).
 */
export function PlayInBar(props: { src: string; title: string; subtitle?: string; href?: string }) {
  const { track, playing, play, setPlaying } = usePlayer();
  const current = track?.src === props.src;
  return (
    <Button
      size="sm"
      variant="secondary"
      onClick={() => (current ? setPlaying(!playing) : play(props))}
      aria-label={current && playing ? `Pause in the player bar: ${props.title}` : `Play across pages: ${props.title}`}
      title="Keeps playing while you move between pages"
    >
      <span aria-hidden="true">{current && playing ? '❚❚' : '▶'}</span>{' '}
      {current && playing ? 'Pause in the player bar' : 'Play across pages'}
    </Button>
  );
}
