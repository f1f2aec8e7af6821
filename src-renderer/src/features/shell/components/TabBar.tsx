import { useState } from 'react';
import { Link } from '../../../app/router';
import { Brand, Dialog, Icon } from '../../../components';
import { AREAS } from '../areas';
import { ConnectionStatus } from './ConnectionStatus';
import { isCurrent } from './Sidebar';
import { ThemeToggle } from './ThemeToggle';
import { UserChip } from './UserChip';

/**
 * A phone's navigation: a slim top bar and a tab bar along the bottom edge, in thumb reach, with
 * the four making areas as tabs and the rest behind "More".
 */
export function TabBar({ path }: { path: string }) {
  const [more, setMore] = useState(false);
  const tabs = AREAS.filter((a) => a.tab);
  const rest = AREAS.filter((a) => !a.tab);
  const inRest = rest.some((a) => isCurrent(path, a.path));
  return (
    <>
      <header className="topbar">
        <Brand />
        <ThemeToggle />
      </header>
      <nav aria-label="Main" className="tabbar" data-testid="tabbar">
        <ul>
          {tabs.map((area) => (
            <li key={area.path}>
              <Link to={area.path} className="tab-link" aria-current={isCurrent(path, area.path) ? 'page' : undefined}>
                <Icon name={area.icon} size={22} />
                <span>{area.short}</span>
              </Link>
            </li>
          ))}
          <li>
            <button
              type="button"
              className="tab-link"
              aria-haspopup="dialog"
              aria-expanded={more}
              aria-current={inRest ? 'page' : undefined}
              onClick={() => setMore(true)}
            >
              <Icon name="more" size={22} />
              <span>More</span>
            </button>
          </li>
        </ul>
      </nav>
      <Dialog open={more} title="More" onClose={() => setMore(false)} data-testid="more-sheet">
        <ul className="more-list">
          {rest.map((area) => (
            <li key={area.path}>
              <Link
                to={area.path}
                className="nav-link"
                aria-current={isCurrent(path, area.path) ? 'page' : undefined}
                onClick={() => setMore(false)}
              >
                <Icon name={area.icon} />
                <span>{area.label}</span>
              </Link>
            </li>
          ))}
        </ul>
        <div className="more-foot">
          <ConnectionStatus />
          <UserChip />
        </div>
      </Dialog>
    </>
  );
}
