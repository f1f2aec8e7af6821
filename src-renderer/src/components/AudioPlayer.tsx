import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { ariaKeys, useShortcut, withShortcut } from '../lib/shortcuts';
import { Icon } from './Icon';
import { drawFitted } from './canvas';

const BARS = 160;
const peaksCache = new Map<string, Promise<Float32Array | null>>();
let decoder: OfflineAudioContext | null = null;

/** The loudest sample in each of BARS slices of the file, 0..1; null when it cannot be read or decoded. */
function peaksOf(src: string): Promise<Float32Array | null> {
  let peaks = peaksCache.get(src);
  if (!peaks) {
    peaks = (async () => {
      try {
        const res = await fetch(src);
        if (!res.ok) return null;
        // One small offline context decodes every file: no audio device is opened to draw a waveform.
        decoder ??= new OfflineAudioContext(1, 1, 44_100);
        const audio = await decoder.decodeAudioData(await res.arrayBuffer());
        const data = audio.getChannelData(0);
        const out = new Float32Array(BARS);
        const step = Math.max(1, Math.floor(data.length / BARS));
        for (let bar = 0; bar < BARS; bar++) {
          let max = 0;
          const end = Math.min(data.length, (bar + 1) * step);
          for (let i = bar * step; i < end; i++) max = Math.max(max, Math.abs(data[i]!));
          out[bar] = max;
        }
        const loudest = Math.max(0.05, ...out);
        return out.map((p) => p / loudest);
      } catch {
        return null;
      }
    })();
    peaksCache.set(src, peaks);
  }
  return peaks;
}

export const clock = (s: number) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '0:00');

/** Players on the page, oldest first, and the one Space answers to (the last one played or touched). */
const mounted: HTMLAudioElement[] = [];
let current: HTMLAudioElement | null = null;

export interface AudioPlayerProps {
  src: string;
  /** What is playing, for the buttons' names: "Play Morning Song". */
  label: string;
  preload?: 'none' | 'metadata' | 'auto';
  'data-testid'?: string;
}

/**
 * A themed audio player: play/pause, the file's waveform (decoded with WebAudio) that shows how
 * far it has played, and scrubbing on the waveform by pointer or keyboard. The sound itself comes
 * from an <audio> element inside, so it streams and seeks like any audio on the page.
 */
export function AudioPlayer({ src, label, preload = 'metadata', ...rest }: AudioPlayerProps) {
  const audio = useRef<HTMLAudioElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [peaks, setPeaks] = useState<Float32Array | null>(null);

  // The file is fetched and decoded for its waveform only once the player scrolls into view.
  useEffect(() => {
    let live = true;
    setPeaks(null);
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      void peaksOf(src).then((p) => live && setPeaks(p));
    });
    observer.observe(canvas.current!);
    return () => {
      live = false;
      observer.disconnect();
    };
  }, [src]);

  useEffect(() => {
    const el = audio.current!;
    mounted.push(el);
    return () => {
      mounted.splice(mounted.indexOf(el), 1);
      if (current === el) current = null;
    };
  }, []);

  // The waveform: bars up to the playhead in the accent colour, the rest muted.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    return drawFitted(el, (g, width, height, ratio) => {
      const style = getComputedStyle(el);
      const played = duration > 0 ? time / duration : 0;
      g.clearRect(0, 0, width, height);
      const bars = peaks ?? new Float32Array(BARS).fill(0.08);
      const bar = width / bars.length;
      bars.forEach((p, i) => {
        const h = Math.max(2 * ratio, p * (height - 2 * ratio));
        g.fillStyle =
          (i + 0.5) / bars.length <= played ? style.getPropertyValue('--player-played') : style.getPropertyValue('--player-rest');
        g.fillRect(i * bar, (height - h) / 2, Math.max(ratio, bar - ratio), h);
      });
    });
  }, [peaks, time, duration]);

  const toggle = () => {
    const el = audio.current!;
    current = el;
    if (el.paused) void el.play().catch(() => setPlaying(false));
    else el.pause();
  };
  const seek = (seconds: number) => {
    const el = audio.current!;
    current = el;
    if (!Number.isFinite(el.duration)) return;
    el.currentTime = Math.max(0, Math.min(el.duration, seconds));
    setTime(el.currentTime);
  };
  const seekAt = (event: PointerEvent<HTMLDivElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    seek(((event.clientX - box.left) / box.width) * (audio.current?.duration ?? 0));
  };
  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5 }[event.key];
    if (step !== undefined) seek(time + step);
    else if (event.key === 'Home') seek(0);
    else if (event.key === 'End') seek(duration);
    else return;
    event.preventDefault();
  };

  useShortcut('play-pause', () => (current === audio.current ? toggle() : false));
  useShortcut('play-pause', () => (current === null && mounted[0] === audio.current ? toggle() : false), { fallback: true });

  return (
    <div className={`player${playing ? ' playing' : ''}`} data-testid="audio-player">
      <audio
        ref={audio}
        src={src}
        preload={preload}
        data-testid={rest['data-testid']}
        onPlay={() => {
          current = audio.current;
          setPlaying(true);
        }}
        onPause={() => setPlaying(false)}
        onEnded={() => setPlaying(false)}
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onLoadedMetadata={(e) => setDuration(e.currentTarget.duration)}
        onDurationChange={(e) => setDuration(e.currentTarget.duration)}
      />
      <button
        type="button"
        className="player-toggle"
        onClick={toggle}
        aria-label={`${playing ? 'Pause' : 'Play'} ${label}`}
        title={withShortcut(playing ? 'Pause' : 'Play', 'play-pause')}
        aria-keyshortcuts={ariaKeys('play-pause')}
      >
        <Icon name={playing ? 'pause' : 'play'} size={18} />
      </button>
      <div
        className="player-wave"
        role="slider"
        tabIndex={0}
        aria-label={`Position in ${label}`}
        aria-valuemin={0}
        aria-valuemax={Math.round(duration) || 0}
        aria-valuenow={Math.round(time)}
        aria-valuetext={`${clock(time)} of ${clock(duration)}`}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          seekAt(e);
        }}
        onPointerMove={(e) => e.buttons === 1 && seekAt(e)}
        onKeyDown={onKey}
      >
        <canvas ref={canvas} className="player-canvas" aria-hidden="true" />
      </div>
      <span className="player-time" aria-hidden="true">
        {clock(time)} / {clock(duration)}
      </span>
    </div>
  );
}
