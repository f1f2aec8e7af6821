import { useId, type CSSProperties } from 'react';

export interface SliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  onChange: (value: number) => void;
  /** The value as shown beside the label and read out: "+3 dB", "L40". */
  format?: (value: number) => string;
  /** A shorter text shown instead of `label` in tight rows ("Vol"); `label` stays the accessible name. */
  shortLabel?: string;
  hint?: string;
  disabled?: boolean;
  'data-testid'?: string;
}

/**
 * A themed slider on a native range input (keyboard, touch and screen readers as the platform
 * gives them), with the filled part of the track in the accent colour and its value beside the label.
 */
export function Slider({ label, value, min, max, step = 1, onChange, format = String, shortLabel, hint, disabled, ...rest }: SliderProps) {
  const id = useId();
  const fill = max > min ? ((value - min) / (max - min)) * 100 : 0;
  return (
    <div className={`slider${shortLabel ? ' slider-compact' : ''}`}>
      <div className="slider-head">
        <label htmlFor={id} className="slider-label" aria-hidden={shortLabel ? true : undefined}>
          {shortLabel ?? label}
        </label>
        <output htmlFor={id} className="slider-value">
          {format(value)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        className="slider-input"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        aria-label={shortLabel ? label : undefined}
        aria-valuetext={format(value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
        style={{ '--fill': `${fill}%` } as CSSProperties}
        onChange={(e) => onChange(Number(e.target.value))}
        data-testid={rest['data-testid']}
      />
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
