/** A bar filled to `share` (0–1), announced as `value` of `max`. */
export function ProgressBar({
  label,
  share,
  value,
  max = 100,
  valueText,
  'data-testid': testId,
}: {
  label: string;
  share: number;
  value: number;
  max?: number;
  valueText?: string;
  'data-testid'?: string;
}) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={valueText}
      data-testid={testId}
    >
      <span style={{ width: `${share * 100}%` }} />
    </div>
  );
}
