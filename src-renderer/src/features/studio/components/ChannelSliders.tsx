import { Slider } from '../../../components';

const dB = (v: number) => `${v > 0 ? '+' : ''}${Math.round(v)} dB`;
const side = (v: number) => (v === 0 ? 'C' : v < 0 ? `L${Math.round(-v * 100)}` : `R${Math.round(v * 100)}`);

/** A channel's volume (dB) and pan sliders, as the track list and the arrange view's lanes show them. */
export function ChannelSliders({
  name,
  volume,
  pan,
  onChange,
}: {
  name: string;
  volume: number;
  pan: number;
  onChange(change: { volume?: number; pan?: number }): void;
}) {
  return (
    <>
      <Slider
        label={`Volume of ${name}`}
        shortLabel="Vol"
        min={-40}
        max={6}
        value={volume}
        format={dB}
        onChange={(v) => onChange({ volume: v })}
      />
      <Slider
        label={`Pan of ${name}`}
        shortLabel="Pan"
        min={-1}
        max={1}
        step={0.05}
        value={pan}
        format={side}
        onChange={(v) => onChange({ pan: v })}
      />
    </>
  );
}

/** A channel's mute and solo toggles. */
export function MuteSolo({
  name,
  mute,
  solo,
  onChange,
}: {
  name: string;
  mute: boolean;
  solo: boolean;
  onChange(change: { mute?: boolean; solo?: boolean }): void;
}) {
  return (
    <>
      {(
        [
          ['mute', 'Mute', 'chip', mute],
          ['solo', 'Solo', 'chip solo', solo],
        ] as const
      ).map(([key, verb, className, on]) => (
        <button
          key={key}
          type="button"
          className={`${className}${on ? ' on' : ''}`}
          aria-pressed={on}
          aria-label={`${verb} ${name}`}
          onClick={() => onChange({ [key]: !on })}
        >
          {verb[0]}
        </button>
      ))}
    </>
  );
}
