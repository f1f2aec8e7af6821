/** "Speed" with a choice of reading rates, for the narration and the browser's own voice. */
export function SpeedSelect({
  rate,
  onChange,
  rates,
  'aria-label': label,
}: {
  rate: number;
  onChange: (rate: number) => void;
  /** Each rate with its name, slowest first. */
  rates: readonly (readonly [number, string])[];
  'aria-label': string;
}) {
  return (
    <label className="muted">
      Speed{' '}
      <select className="input" value={rate} onChange={(e) => onChange(Number(e.target.value))} aria-label={label}>
        {rates.map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
