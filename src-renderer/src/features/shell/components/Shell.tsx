import type { ReactNode } from 'react';
import { ActivityLayer } from '../../activity/components/ActivityLayer';
import { isWide } from '../areas';
import { KeyboardMap } from './KeyboardMap';
import { Sidebar } from './Sidebar';
import { TabBar } from './TabBar';

/** The signed-in frame: sidebar on the left (a tab bar at the bottom on a phone), the current area beside it. */
export function Shell({ path, children }: { path: string; children: ReactNode }) {
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <Sidebar path={path} />
      <TabBar path={path} />
      <main className={`content${isWide(path) ? ' content-wide' : ''}`} id="content" tabIndex={-1}>
        {children}
      </main>
      <KeyboardMap />
      <ActivityLayer path={path} />
    </div>
  );
}
