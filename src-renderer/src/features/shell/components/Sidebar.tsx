import { Link } from '../../../app/router';
import { Brand, Icon } from '../../../components';
import { AREAS } from '../areas';
import { ConnectionStatus } from './ConnectionStatus';
import { KeysButton } from './KeysButton';
import { ThemeToggle } from './ThemeToggle';
import { UserChip } from './UserChip';

export const isCurrent = (path: string, areaPath: string) => path === areaPath || path.startsWith(`${areaPath}/`);

/** The desktop's navigation; a phone gets the TabBar instead. */
export function Sidebar({ path }: { path: string }) {
  return (
    <aside className="sidebar">
      <Brand />
      <nav aria-label="Main">
        <ul className="nav-list">
          {AREAS.map((area) => (
            <li key={area.path}>
              <Link to={area.path} className="nav-link" aria-current={isCurrent(path, area.path) ? 'page' : undefined}>
                <Icon name={area.icon} />
                <span>{area.label}</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar-footer">
        <div className="sidebar-row">
          <ConnectionStatus />
          <span className="row-tight">
            <KeysButton />
            <ThemeToggle />
          </span>
        </div>
        <UserChip />
      </div>
    </aside>
  );
}
