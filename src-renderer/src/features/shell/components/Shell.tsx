import type { ReactNode } from 'react';
import { ActivityLayer } from '../../activity/components/ActivityLayer';
import { Sidebar } from './Sidebar';

/** The signed-in frame: sidebar on the left, the current area on the right. */
export function Shell({ path, children }: { path: string; children: ReactNode }) {
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <Sidebar path={path} />
      <main className="content" id="content" tabIndex={-1}>
        {children}
      </main>
      <ActivityLayer path={path} />
    </div>
  );
}
