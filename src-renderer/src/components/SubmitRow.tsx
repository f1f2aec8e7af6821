import type { ReactNode } from 'react';
import { Alert } from './Alert';
import { Button } from './Button';

/** A form's primary submit button with the form's error beside it. */
export function SubmitRow({
  busy,
  disabled,
  error,
  note,
  children,
  'data-testid': testId,
}: {
  busy: boolean;
  disabled?: boolean;
  error: string | null;
  /** After the error: what the last submit did. */
  note?: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}) {
  return (
    <div className="form-actions">
      <Button type="submit" variant="primary" busy={busy} disabled={disabled} data-testid={testId}>
        {children}
      </Button>
      {error && <Alert tone="error">{error}</Alert>}
      {note}
    </div>
  );
}
