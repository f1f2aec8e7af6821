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
      <button
        type="button"
        className={`chip${mute ? ' on' : ''}`}
        aria-pressed={mute}
        aria-label={`Mute ${name}`}
        onClick={() => onChange({ mute: !mute })}
      >
        M
      </button>
      <button
        type="button"
        className={`chip solo${solo ? ' on' : ''}`}
        aria-pressed={solo}
        aria-label={`Solo ${name}`}
        onClick={() => onChange({ solo: !solo })}
      >
        S
      </button>
    </>
  );
}
