import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Button, ConfirmHost, Spinner, ToastHost } from '../components';
import { SignInForm } from '../features/auth/components/SignInForm';
import { SignUpForm } from '../features/auth/components/SignUpForm';
import { AudiencePage } from '../features/concerts/components/AudiencePage';
import { ConcertInvite } from '../features/concerts/components/ConcertInvite';
import { JoinByCode } from '../features/concerts/components/JoinByCode';
import { useAuth } from '../features/auth/store';
import { HOME, titleFor } from '../features/shell/areas';
import { Shell } from '../features/shell/components/Shell';
import { FIRST_RUN_PATH } from '../features/welcome/api';
import { WelcomeScreen } from '../features/welcome/components/WelcomeScreen';
import { useSetup } from '../features/welcome/store';
import { useSocketConnection } from '../lib/socket';
import { Redirect, useLocation } from './router';
import { screenFor } from './routes';

const PUBLIC = new Set(['/sign-in', '/sign-up']);
/** A concert's audience page, /concert/<roomId>: full screen, outside the shell, for LAN guests too. */
const CONCERT = /^\/concert\/([^/]+)$/;

/** A path to come back to after signing in: only paths inside the app. */
const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') && !PUBLIC.has(next) ? next : HOME);

const FirstRun = lazy(() => import('../features/welcome/components/FirstRun'));

function Centered({ children }: { children: ReactNode }) {
  return <div className="centered">{children}</div>;
}

/** The browser tab's title for what the app shows now. */
function documentTitle(status: string, path: string, firstRun: boolean): string {
  if (CONCERT.test(path)) return 'Concert — Atelier';
  if ((status === 'signed-out' && firstRun) || path === FIRST_RUN_PATH) return 'Welcome — Atelier';
  if (status !== 'signed-in' && status !== 'signed-out') return 'Atelier';
  if (path === '/sign-up') return 'Create an account — Atelier';
  if (status === 'signed-out' || PUBLIC.has(path)) return 'Sign in — Atelier';
  return titleFor(path);
}

export function App() {
  return (
    <>
      <Screen />
      <ConfirmHost />
      <ToastHost />
    </>
  );
}

function Screen() {
  const { status, problem, answered, load } = useAuth();
  const { path, query } = useLocation();
  useSocketConnection(status === 'signed-in');
  useEffect(() => void load(), [load]);
  const { firstRun, checked, check } = useSetup();
  useEffect(() => {
    document.title = documentTitle(status, path, firstRun === true);
  }, [status, path, firstRun]);
  useEffect(() => {
    if (status === 'signed-out') void check();
  }, [status, check]);

  if (status === 'checking') {
    return (
      <Centered>
        <Spinner label="Opening Atelier" />
      </Centered>
    );
  }
  if (status === 'unreachable') {
    return (
      <Centered>
        <div className="stack narrow" role="alert">
          <h1 className="page-title">{answered ? 'Atelier could not open your session' : 'Atelier’s server is not answering'}</h1>
          <p className="muted">{problem}</p>
          <Button variant="primary" onClick={() => void load()}>
            Try again
          </Button>
        </div>
      </Centered>
    );
  }
  // The short code a host reads out works signed in or not.
  if (path === '/join') return <JoinByCode initial={query.get('code') ?? ''} />;
  if (status === 'signed-out') {
    if (!checked) {
      return (
        <Centered>
          <Spinner label="Opening Atelier" />
        </Centered>
      );
    }
    // A fresh install has nobody to sign in as: it opens on the welcome that creates the account.
    if (firstRun && !CONCERT.test(path)) return <WelcomeScreen />;
    if (path === '/sign-up') return <SignUpForm next={safeNext(query.get('next'))} />;
    if (path === '/sign-in') return <SignInForm next={safeNext(query.get('next'))} />;
    if (CONCERT.test(path)) return <ConcertInvite path={path} />;
    return <Redirect to={path === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(path)}`} />;
  }

  if (PUBLIC.has(path)) return <Redirect to={safeNext(query.get('next'))} />;
  if (path === '/') return <Redirect to={HOME} />;
  if (path === FIRST_RUN_PATH)
    return (
      <Shell path={path}>
        <Suspense fallback={<Spinner label="Checking this computer" />}>
          <FirstRun />
        </Suspense>
      </Shell>
    );
  const concert = CONCERT.exec(path);
  if (concert) return <AudiencePage key={concert[1]} roomId={decodeURIComponent(concert[1]!)} />;
  return <Shell path={path}>{screenFor(path) ?? <Redirect to={HOME} />}</Shell>;
}
