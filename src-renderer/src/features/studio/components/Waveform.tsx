import { useEffect, useRef } from 'react';
import { drawFitted } from '../../../components';
import { peaksOf } from '../audio/context';

/** A take's waveform, drawn from its decoded audio. */
export function Waveform({ buffer, label }: { buffer: AudioBuffer; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    return drawFitted(el, (g, width, height, ratio) => {
      const peaks = peaksOf(buffer, Math.max(1, Math.floor(width / (2 * ratio))));
      const bar = width / peaks.length;
      const loudest = Math.max(0.05, ...peaks);
      g.clearRect(0, 0, width, height);
      g.fillStyle = getComputedStyle(el).color;
      peaks.forEach((p, i) => {
        const h = Math.max(ratio, (p / loudest) * (height - 2 * ratio));
        g.fillRect(i * bar, (height - h) / 2, Math.max(ratio, bar - ratio), h);
      });
    });
  }, [buffer]);

  return <canvas ref={canvas} className="waveform" role="img" aria-label={label} data-testid="waveform" />;
}
