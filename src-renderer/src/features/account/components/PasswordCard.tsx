import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Alert, Button, Card, TextField } from '../../../components';
import { accountApi } from '../api';

type Outcome = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done' } | { kind: 'failed'; message: string };

/** Changing the password needs the current one; every other signed-in device is signed out with it. */
export function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const mismatch = repeat !== '' && repeat !== next ? 'The two new passwords differ.' : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!current || !next || next !== repeat) return;
    setOutcome({ kind: 'busy' });
    try {
      await accountApi.changePassword(current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      setOutcome({ kind: 'done' });
    } catch (err) {
      setOutcome({ kind: 'failed', message: errorMessage(err) });
    }
  };

  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    if (outcome.kind !== 'busy') setOutcome({ kind: 'idle' });
  };

  return (
    <Card
      title="Password"
      description="Changing it signs you out everywhere else: other browsers and devices need the new one."
      data-testid="password-card"
    >
      <form className="form form-grid" onSubmit={(e) => void submit(e)} noValidate aria-label="Change password">
        <TextField label="Current password" type="password" autoComplete="current-password" value={current} onChange={edit(setCurrent)} />
        <TextField
          label="New password"
          hint="At least 8 characters, with a letter and a digit."
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={edit(setNext)}
        />
        <TextField
          label="New password again"
          error={mismatch}
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={edit(setRepeat)}
        />
        <div className="form-actions">
          <Button
            type="submit"
            variant="primary"
            busy={outcome.kind === 'busy'}
            disabled={!current || !next || next !== repeat}
            data-testid="password-save"
          >
            Change password
          </Button>
          {outcome.kind === 'failed' && <Alert tone="error">{outcome.message}</Alert>}
          {outcome.kind === 'done' && (
            <Alert tone="success" data-testid="password-changed">
              Password changed. Other devices were signed out.
            </Alert>
          )}
        </div>
      </form>
    </Card>
  );
}
