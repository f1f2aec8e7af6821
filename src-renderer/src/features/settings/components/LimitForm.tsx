import { useEffect, useState } from 'react';
import { Button, Input } from '../../../components';

/** A limit the owner sets on listeners: a whole number from 1 to `max`, or empty for none, with its own Save. */
export function LimitForm({
  label,
  max,
  value,
  busy,
  onSave,
  'data-testid': testId,
}: {
  label: string;
  max: number;
  value: number | null;
  busy: boolean;
  onSave: (value: number | null) => void;
  'data-testid': string;
}) {
  const [text, setText] = useState('');
  useEffect(() => setText(value === null ? '' : String(value)), [value]);
  const typed = text.trim() === '' ? null : Number(text);
  const valid = typed === null || (Number.isInteger(typed) && typed >= 1 && typed <= max);
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onSave(typed);
      }}
    >
      <label>
        {label}
        <Input
          type="number"
          min={1}
          max={max}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={!valid}
          data-testid={testId}
        />
      </label>
      <Button type="submit" size="sm" disabled={!valid} busy={busy}>
        Save
      </Button>
    </form>
  );
}
