import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, TextField } from '../../../components';
import { useAccount } from '../store';

/** Deleting needs the password typed again: it removes the account and everything it owns. */
export function DeleteAccountCard() {
  const { deletion, deleteAccount, reset } = useAccount();
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password) void deleteAccount(password);
  };

  const cancel = () => {
    setConfirming(false);
    setPassword('');
    reset('deletion');
  };

  return (
    <Card
      title="Delete account"
      tone="danger"
      description="Removes your account and everything it owns on this computer: recordings, songs, images, stories and videos. This cannot be undone."
      data-testid="delete-account"
    >
      {confirming ? (
        <form className="form" onSubmit={submit} noValidate aria-label="Delete account">
          {deletion.kind === 'failed' && <Alert tone="error">{deletion.message}</Alert>}
          <TextField
            label="Your password"
            type="password"
            autoComplete="current-password"
            autoFocus
            value={password}
            onChange={setPassword}
          />
          <div className="row">
            <Button type="submit" variant="danger" busy={deletion.kind === 'busy'} disabled={!password}>
              Delete my account
            </Button>
            <Button variant="ghost" onClick={cancel} disabled={deletion.kind === 'busy'}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="row">
          <Button variant="danger" onClick={() => setConfirming(true)}>
            Delete account…
          </Button>
        </div>
      )}
    </Card>
  );
}
