import { useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, confirmAction, Input } from '../../../components';
import { ariaKeys, useShortcut, withShortcut } from '../../../lib/shortcuts';
import type { Track } from '../api';
import { DEFAULT_CHANNEL, type StudioSession } from '../audio/session';
import { useStudio } from '../store';
import { ChannelSliders, MuteSolo } from './ChannelSliders';
import { Glyph } from './glyphs';
import { Waveform } from './Waveform';

const formatTime = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

interface Props {
  tracks: Track[];
  buffers: Record<number, AudioBuffer>;
  session: StudioSession;
  /** True while the recorder owns the Transport. */
  recording: boolean;
}

/** The studio's tracks on one timeline, played together, each with its mixer strip. */
export function TrackList({ tracks, buffers, session, recording }: Props) {
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const timeline = useRef<HTMLDivElement>(null);
  const clock = useRef<HTMLSpanElement>(null);
  const total = useRef<HTMLSpanElement>(null);
  const [dragged, setDragged] = useState<number | null>(null);
  const { moveTrack } = useStudio();
  const longest = Math.max(0, ...tracks.map((t) => buffers[t.trackId]?.duration ?? t.duration ?? 0));
  const length = Math.max(1, longest);

  // The playhead moves by a CSS variable, so the rows do not re-render every frame.
  useEffect(() => {
    if (!playing && !recording) return;
    let frame = 0;
    const tick = () => {
      const at = Math.max(0, session.position());
      timeline.current?.style.setProperty('--playhead', String(Math.min(1, at / length)));
      // A take being recorded makes the song longer as it goes; playback never reads past the end.
      if (clock.current) clock.current.textContent = formatTime(recording ? at : Math.min(at, longest));
      if (total.current) total.current.textContent = formatTime(recording ? Math.max(at, longest) : longest);
      if (playing && at > session.length + 0.2) {
        session.stop();
        setPlaying(false);
        return;
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, recording, session, length, longest]);

  useEffect(() => {
    if (recording) setPlaying(false);
  }, [recording]);

  const toggle = async () => {
    setError(null);
    if (playing) {
      session.stop();
      setPlaying(false);
      timeline.current?.style.setProperty('--playhead', '0');
      return;
    }
    try {
      await session.play();
      setPlaying(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const drop = (event: DragEvent, target: Track) => {
    event.preventDefault();
    const track = tracks.find((t) => t.trackId === dragged);
    setDragged(null);
    if (track && track.trackId !== target.trackId) moveTrack(track, target.order).catch((err) => setError(errorMessage(err)));
  };

  const ready = tracks.filter((t) => t.status === 'ready');
  useShortcut('play-pause', () => void toggle(), { enabled: !recording && ready.length > 0 });
  return (
    <div className="tracks" ref={timeline} data-testid="track-list">
      <div className="transport">
        <Button
          variant="primary"
          onClick={() => void toggle()}
          disabled={recording || ready.length === 0}
          data-testid="play-all"
          aria-pressed={playing}
          title={withShortcut(playing ? 'Stop' : 'Play all tracks', 'play-pause')}
          aria-keyshortcuts={ariaKeys('play-pause')}
        >
          <Glyph name={playing ? 'stop' : 'play'} />
          {playing ? 'Stop' : 'Play all'}
        </Button>
        <span className="transport-clock" aria-label="Position">
          <span ref={clock}>0:00</span> / <span ref={total}>{formatTime(longest)}</span>
        </span>
        <span className="muted">{ready.length === 1 ? '1 track' : `${ready.length} tracks`} · drag to reorder</span>
      </div>
      {error && <Alert tone="error">{error}</Alert>}
      {tracks.length === 0 && <p className="muted empty">No takes yet. Record one above, or import an audio file.</p>}
      <ol className="track-rows">
        {tracks.map((t, i) => (
          <TrackRow
            key={t.trackId}
            track={t}
            first={i === 0}
            last={i === tracks.length - 1}
            buffer={buffers[t.trackId]}
            widthShare={(buffers[t.trackId]?.duration ?? t.duration ?? 0) / length}
            session={session}
            dragging={dragged === t.trackId}
            onDragStart={() => setDragged(t.trackId)}
            onDrop={(e) => drop(e, t)}
            onError={setError}
          />
        ))}
      </ol>
    </div>
  );
}

interface RowProps {
  track: Track;
  first: boolean;
  last: boolean;
  buffer: AudioBuffer | undefined;
  widthShare: number;
  session: StudioSession;
  dragging: boolean;
  onDragStart(): void;
  onDrop(event: DragEvent): void;
  onError(message: string): void;
}

function TrackRow({ track, first, last, buffer, widthShare, session, dragging, onDragStart, onDrop, onError }: RowProps) {
  const { renameTrack, moveTrack, deleteTrack, setChannel } = useStudio();
  const settings = useStudio((s) => s.mix[track.trackId]) ?? DEFAULT_CHANNEL;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(track.trackName);
  const [busy, setBusy] = useState(false);

  useEffect(() => session.apply(track.trackId, settings), [session, track.trackId, settings]);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      onError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const saveName = () => {
    setEditing(false);
    const trimmed = name.trim();
    if (trimmed && trimmed !== track.trackName) void act(() => renameTrack(track, trimmed));
    else setName(track.trackName);
  };

  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') saveName();
    if (event.key === 'Escape') {
      setName(track.trackName);
      setEditing(false);
    }
  };

  return (
    <li
      className={`track-row${dragging ? ' dragging' : ''}${settings.mute ? ' muted-track' : ''}`}
      data-testid="track"
      data-status={track.status}
      aria-label={track.trackName}
      draggable={!editing}
      onDragStart={(e) => {
        e.dataTransfer.effectAllowed = 'move';
        onDragStart();
      }}
      onDragOver={(e) => e.preventDefault()}
      onDrop={onDrop}
    >
      <div className="track-head">
        <span className="track-grip" title="Drag to reorder">
          <Glyph name="grip" />
        </span>
        <div className="track-title">
          {editing ? (
            <Input
              aria-label="Track name"
              value={name}
              autoFocus
              maxLength={100}
              onChange={(e) => setName(e.target.value)}
              onBlur={saveName}
              onKeyDown={onKey}
            />
          ) : (
            <button type="button" className="track-name" onClick={() => setEditing(true)} title="Rename" data-testid="track-name">
              {track.trackName}
            </button>
          )}
          <span className="track-meta">
            {track.instrumentName}
            {buffer ? ` · ${formatTime(buffer.duration)}` : ''}
            {track.status !== 'ready' && ` · ${track.status === 'pending' ? 'uploading…' : (track.failure?.message ?? 'failed')}`}
          </span>
        </div>
        <div className="track-buttons">
          <MuteSolo
            name={track.trackName}
            mute={settings.mute}
            solo={settings.solo}
            onChange={(change) => setChannel(track.trackId, change)}
          />
          {(
            [
              ['up', -1, first],
              ['down', 1, last],
            ] as const
          ).map(([way, step, atEnd]) => (
            <button
              key={way}
              type="button"
              className="icon-button"
              aria-label={`Move ${track.trackName} ${way}`}
              disabled={atEnd || busy}
              onClick={() => void act(() => moveTrack(track, track.order + step))}
            >
              <Glyph name={way} />
            </button>
          ))}
          <button
            type="button"
            className="icon-button danger"
            aria-label={`Delete ${track.trackName}`}
            disabled={busy}
            onClick={() =>
              void confirmAction({ title: `Delete “${track.trackName}”?`, confirmLabel: 'Delete track' }).then(
                (ok) => void (ok && act(() => deleteTrack(track))),
              )
            }
          >
            <Glyph name="trash" />
          </button>
        </div>
      </div>
      <div className="track-body">
        <div className="track-lane">
          <div className="track-clip" style={{ width: `${Math.max(2, widthShare * 100)}%` }}>
            {buffer ? (
              <Waveform buffer={buffer} label={`Waveform of ${track.trackName}`} />
            ) : (
              <span className="muted">{track.status === 'ready' ? 'Loading audio…' : ''}</span>
            )}
          </div>
          <span className="playhead" aria-hidden="true" />
        </div>
        <div className="track-mixer">
          <ChannelSliders
            name={track.trackName}
            volume={settings.volume}
            pan={settings.pan}
            onChange={(change) => setChannel(track.trackId, change)}
          />
        </div>
      </div>
    </li>
  );
}
