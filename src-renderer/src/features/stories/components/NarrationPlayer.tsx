import { useEffect, useRef, useState } from 'react';
import { Button } from '../../../components';
import type { Chapter, Narration } from '../api';
import { SpeedSelect } from './SpeedSelect';

const NARRATION_RATES = [
  [0.75, 'Slow'],
  [1, 'Normal'],
  [1.25, 'Fast'],
] as const;

/**
 * A chapter's neural narration: play, pause and resume, speed, and "play all" (the next page
 * starts when this one ends). The sentence being read is highlighted from the narration's timings.
 */
export function NarrationPlayer({
  chapter,
  narration,
  autoPlay,
  onEnded,
  onPlayAll,
}: {
  chapter: Chapter;
  narration: Narration | null;
  autoPlay: boolean;
  onEnded: () => void;
  onPlayAll: (on: boolean) => void;
}) {
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [rate, setRate] = useState(1);
  useEffect(() => {
    if (audio.current) audio.current.playbackRate = rate;
  }, [rate, chapter.id]);
  useEffect(() => {
    if (autoPlay) void audio.current?.play().catch(() => setPlaying(false));
  }, [autoPlay, chapter.id]);

  // The title's sentences are spoken first; the page shows the body's.
  const sentences = (chapter.audio_sentences ?? []).filter((s) => chapter.content.includes(s.text));
  return (
    <div className="stack">
      <p className="stories-text" data-testid="narrated-text">
        {sentences.map((s, i) => (
          <span key={i} className={time >= s.start && time < s.end ? 'stories-reading' : undefined}>
            {s.text}{' '}
          </span>
        ))}
      </p>
      <audio
        ref={audio}
        src={chapter.audio!.url}
        preload="auto"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onEnded={() => {
          setPlaying(false);
          onEnded();
        }}
        data-testid="narration-audio"
      />
      <div className="row stories-voice">
        <Button size="sm" variant="primary" onClick={() => (playing ? audio.current?.pause() : void audio.current?.play())}>
          {playing ? 'Pause' : time > 0 ? 'Resume' : 'Play'}
        </Button>
        <Button size="sm" onClick={() => (onPlayAll(true), void audio.current?.play())}>
          Play all
        </Button>
        <SpeedSelect rate={rate} onChange={setRate} rates={NARRATION_RATES} aria-label="Narration speed" />
        <span className="muted" data-testid="narration-engine">
          AI voice: {narration?.engine ?? 'neural narration'}
          {narration?.device ? ` on ${narration.device}` : ''}
        </span>
      </div>
    </div>
  );
}
