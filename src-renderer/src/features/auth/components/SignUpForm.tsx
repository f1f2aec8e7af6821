import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../../api/client';
import { Link, navigate } from '../../../app/router';
import { Alert, Button, TextField } from '../../../components';
import { useAuth } from '../store';
import { AuthScreen } from './AuthScreen';

type Errors = { name?: string; email?: string; password?: string; form?: string };

/** Which field a registration error belongs to, so the message appears under it. */
function placeError(err: unknown): Errors {
  if (err instanceof ApiError) {
    if (err.code === 'EMAIL_EXISTS' || err.code === 'INVALID_EMAIL') return { email: err.message };
    if (err.code === 'WEAK_PASSWORD') return { password: err.message };
    // Schema failures name the field first: "body.email must NOT have fewer than 3 characters".
    const field = /^body\.(name|email|password)\b/.exec(err.message)?.[1] as keyof Errors | undefined;
    if (err.code === 'VALIDATION_ERROR' && field) return { [field]: err.message };
  }
  return { form: errorMessage(err) };
}

export function SignUpForm({
  next,
  title = 'Create your account',
  subtitle = 'One account for every part of the studio.',
  firstRun = false,
}: {
  next: string;
  title?: string;
  subtitle?: string;
  /** The first account of a fresh install: there is nobody to sign in as yet. */
  firstRun?: boolean;
}) {
  const signUp = useAuth((s) => s.signUp);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      await signUp({ name: name.trim(), email: email.trim(), password });
      navigate(next, { replace: true });
    } catch (err) {
      setErrors(placeError(err));
      setBusy(false);
    }
  };

  return (
    <AuthScreen title={title} subtitle={subtitle}>
      <form className="form" onSubmit={submit} noValidate aria-label="Create account">
        {errors.form && (
          <Alert tone="error" data-testid="auth-error">
            {errors.form}
          </Alert>
        )}
        <TextField label="Name" error={errors.name} autoComplete="name" autoFocus value={name} onChange={setName} />
        <TextField label="E-mail" error={errors.email} type="email" autoComplete="email" value={email} onChange={setEmail} />
        <TextField
          label="Password"
          hint="At least 8 characters, with a letter and a digit."
          error={errors.password}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
        <Button type="submit" variant="primary" busy={busy} disabled={!name.trim() || !email || !password}>
          Create account
        </Button>
      </form>
      {!firstRun && (
        <p className="auth-switch">
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      )}
    </AuthScreen>
  );
}
