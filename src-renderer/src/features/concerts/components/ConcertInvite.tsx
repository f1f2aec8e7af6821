import '../concerts.css';
import { Link } from '../../../app/router';
import { AuthScreen } from '../../auth/components/AuthScreen';

/** A signed-out visitor with a concert link: listeners need an account here, so offer both ways in and come back. */
export function ConcertInvite({ path }: { path: string }) {
  const next = encodeURIComponent(path);
  return (
    <AuthScreen
      title="You’re invited to a concert"
      subtitle="Sign in to this Atelier, or create an account on it, to take a seat and listen."
    >
      <div className="stack invite-actions">
        <Link to={`/sign-in?next=${next}`} className="btn btn-primary" data-testid="invite-sign-in">
          Sign in
        </Link>
        <Link to={`/sign-up?next=${next}`} className="btn btn-secondary" data-testid="invite-sign-up">
          Create an account
        </Link>
      </div>
    </AuthScreen>
  );
}
