import { useState, type FormEvent } from 'react';
import { navigate } from '../../../app/router';
import { Alert, Button, TextField, useAction } from '../../../components';
import { AuthScreen } from '../../auth/components/AuthScreen';
import { guestApi } from '../api';

/** /join: type the six-character code the host shows, and go to that concert's invite. */
export function JoinByCode({ initial = '' }: { initial?: string }) {
  const [code, setCode] = useState(initial);
  const { busy, error: problem, run } = useAction();
  const find = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const invite = await guestApi.invite(code);
      navigate(`/concert/${encodeURIComponent(invite.roomId)}`);
    });
  };
  return (
    <AuthScreen title="Join a concert" subtitle="Type the code the host shows on their screen.">
      {problem && <Alert tone="error">{problem}</Alert>}
      <form className="form" onSubmit={find} data-testid="join-by-code">
        <TextField
          label="Concert code"
          value={code}
          maxLength={12}
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          required
          onChange={(value) => setCode(value.toUpperCase())}
        />
        <Button type="submit" variant="primary" busy={busy} disabled={code.trim().length < 4}>
          Find the concert
        </Button>
      </form>
    </AuthScreen>
  );
}
