/** One of a list, or the empty choice: the stage card's pickers (stage model, preset, accessory model). */
export function ChoiceSelect({
  label,
  value,
  empty,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  /** What the empty choice says (e.g. "Choose a preset…", "No stage"). */
  empty: string;
  options: { value: number; label: string }[];
  onChange: (value: string) => void;
  testId: string;
}) {
  return (
    <select className="input select" value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} data-testid={testId}>
      <option value="">{empty}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
