import { useState, type FormEvent } from 'react';
import { Link, navigate } from '../../../app/router';
import { Alert, Button, TextField, useAction } from '../../../components';
import { useAuth } from '../store';
import { AuthScreen } from './AuthScreen';

export function SignInForm({ next }: { next: string }) {
  const signIn = useAuth((s) => s.signIn);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(
      async () => {
        await signIn(email.trim(), password);
        navigate(next, { replace: true });
      },
      { leaves: true },
    );
  };

  return (
    <AuthScreen title="Welcome back" subtitle="Sign in to your studio.">
      <form className="form" onSubmit={submit} noValidate aria-label="Sign in">
        {error && (
          <Alert tone="error" data-testid="auth-error">
            {error}
          </Alert>
        )}
        <TextField label="E-mail" type="email" autoComplete="email" autoFocus value={email} onChange={setEmail} />
        <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={setPassword} />
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
