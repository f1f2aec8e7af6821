import { Link, navigate } from '../../../app/router';
import { Avatar, Icon } from '../../../components';
import { useAuth } from '../../auth/store';
import { AREAS } from '../areas';
import { ConnectionStatus } from './ConnectionStatus';
import { ThemeToggle } from './ThemeToggle';

export function Sidebar({ path }: { path: string }) {
  const user = useAuth((s) => s.user);
  const signOut = useAuth((s) => s.signOut);
  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">Atelier</span>
      </div>
      <nav aria-label="Main">
        <ul className="nav-list">
          {AREAS.map((area) => {
            const current = path === area.path || path.startsWith(`${area.path}/`);
            return (
              <li key={area.path}>
                <Link to={area.path} className="nav-link" aria-current={current ? 'page' : undefined}>
                  <Icon name={area.icon} />
                  <span>{area.label}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="sidebar-footer">
        <div className="sidebar-row">
          <ConnectionStatus />
          <ThemeToggle />
        </div>
        {user && (
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
        )}
      </div>
    </aside>
  );
}
