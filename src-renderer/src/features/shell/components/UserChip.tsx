import { navigate } from '../../../app/router';
import { Avatar, Icon } from '../../../components';
import { useAuth } from '../../auth/store';

/** Who is signed in, with the sign-out button. */
export function UserChip() {
  const user = useAuth((s) => s.user);
  const signOut = useAuth((s) => s.signOut);
  if (!user) return null;
  return (
    <div className="sidebar-row user-chip">
      <Avatar name={user.name} url={user.avatar_url} size={32} />
      <span className="user-chip-name" data-testid="sidebar-user">
        {user.name}
      </span>
      <button
        type="button"
        className="icon-button"
        onClick={() => (void signOut(), navigate('/sign-in', { replace: true }))}
        aria-label="Sign out"
        title="Sign out"
      >
        <Icon name="signOut" />
      </button>
    </div>
  );
}
