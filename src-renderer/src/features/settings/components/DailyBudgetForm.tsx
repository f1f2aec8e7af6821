import { useEffect, useState } from 'react';
import { Button, Input } from '../../../components';

/**
 * The owner's daily compute budget per listener, in minutes (the server counts seconds of GPU or
 * CPU time each listener's jobs ran today; past it their new jobs are refused until midnight).
 */
export function DailyBudgetForm({
  seconds,
  busy,
  onSave,
}: {
  seconds: number | null;
  busy: boolean;
  onSave: (seconds: number | null) => void;
}) {
  const [minutes, setMinutes] = useState('');
  useEffect(() => setMinutes(seconds === null ? '' : String(Math.round(seconds / 60))), [seconds]);
  const value = minutes.trim() === '' ? null : Number(minutes);
  const valid = value === null || (Number.isInteger(value) && value >= 1 && value <= 1440);
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onSave(value === null ? null : value * 60);
      }}
    >
      <label>
        Minutes of compute each listener may use a day (empty: no limit)
        <Input
          type="number"
          min={1}
          max={1440}
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
          aria-invalid={!valid}
          data-testid="peer-daily-budget"
        />
      </label>
      <Button type="submit" size="sm" disabled={!valid} busy={busy}>
        Save
      </Button>
    </form>
  );
}
