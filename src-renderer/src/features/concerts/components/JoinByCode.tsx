import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { navigate } from '../../../app/router';
import { Alert, Button, Field, Input } from '../../../components';
import { AuthScreen } from '../../auth/components/AuthScreen';
import { guestApi } from '../api';

/** /join: type the six-character code the host shows, and go to that concert's invite. */
export function JoinByCode({ initial = '' }: { initial?: string }) {
  const [code, setCode] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const find = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const invite = await guestApi.invite(code);
      navigate(`/concert/${encodeURIComponent(invite.roomId)}`);
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthScreen title="Join a concert" subtitle="Type the code the host shows on their screen.">
      {problem && <Alert tone="error">{problem}</Alert>}
      <form className="form" onSubmit={(e) => void find(e)} data-testid="join-by-code">
        <Field label="Concert code">
          {(props) => (
            <Input
              {...props}
              value={code}
              maxLength={12}
              autoCapitalize="characters"
              autoComplete="off"
              spellCheck={false}
              required
              onChange={(e) => setCode(e.target.value.toUpperCase())}
            />
          )}
        </Field>
        <Button type="submit" variant="primary" busy={busy} disabled={code.trim().length < 4}>
          Find the concert
        </Button>
      </form>
    </AuthScreen>
  );
}
