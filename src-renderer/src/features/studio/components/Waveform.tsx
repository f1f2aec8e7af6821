import { useEffect, useRef } from 'react';
import { peaksOf } from '../audio/context';

/** A take's waveform, drawn from its decoded audio. */
export function Waveform({ buffer, label }: { buffer: AudioBuffer; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const draw = () => {
      const ratio = window.devicePixelRatio || 1;
      const width = Math.max(1, Math.round(el.clientWidth * ratio));
      const height = Math.max(1, Math.round(el.clientHeight * ratio));
      el.width = width;
      el.height = height;
      const g = el.getContext('2d');
      if (!g) return;
      const peaks = peaksOf(buffer, Math.max(1, Math.floor(width / (2 * ratio))));
      const bar = width / peaks.length;
      const loudest = Math.max(0.05, ...peaks);
      g.clearRect(0, 0, width, height);
      g.fillStyle = getComputedStyle(el).color;
      peaks.forEach((p, i) => {
        const h = Math.max(ratio, (p / loudest) * (height - 2 * ratio));
        g.fillRect(i * bar, (height - h) / 2, Math.max(ratio, bar - ratio), h);
      });
    };
    draw();
    const observer = new ResizeObserver(draw);
    observer.observe(el);
    return () => observer.disconnect();
  }, [buffer]);

  return <canvas ref={canvas} className="waveform" role="img" aria-label={label} data-testid="waveform" />;
}
