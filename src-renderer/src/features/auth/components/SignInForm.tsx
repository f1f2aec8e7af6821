import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { Link, navigate } from '../../../app/router';
import { Alert, Button, Field, Input } from '../../../components';
import { useAuth } from '../store';
import { AuthScreen } from './AuthScreen';

export function SignInForm({ next }: { next: string }) {
  const signIn = useAuth((s) => s.signIn);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <AuthScreen title="Welcome back" subtitle="Sign in to your studio.">
      <form className="form" onSubmit={submit} noValidate aria-label="Sign in">
        {error && (
          <Alert tone="error" data-testid="auth-error">
            {error}
          </Alert>
        )}
        <Field label="E-mail">
          {(control) => (
            <Input {...control} type="email" autoComplete="email" autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <Field label="Password">
          {(control) => (
            <Input
              {...control}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <Button type="submit" variant="primary" busy={busy} disabled={!email || !password}>
          Sign in
        </Button>
      </form>
      <p className="auth-switch">
        New here? <Link to="/sign-up">Create an account</Link>
      </p>
    </AuthScreen>
  );
}
