import type { ReactNode } from 'react';
import { AccountScreen } from '../features/account/components/AccountScreen';
import { ConcertsScreen } from '../features/concerts/components/ConcertsScreen';
import { SettingsScreen } from '../features/settings/components/SettingsScreen';
import { AREAS } from '../features/shell/areas';
import { ComingSoon } from '../features/shell/components/ComingSoon';

/** Screens of the built areas; the rest of AREAS show ComingSoon until their issue lands. */
const SCREENS: Record<string, () => ReactNode> = {
  '/settings': () => <SettingsScreen />,
  '/account': () => <AccountScreen />,
  '/concerts': () => <ConcertsScreen />,
};

/** The screen for a signed-in path, or null when no area owns it. */
export function screenFor(path: string): ReactNode | null {
  const area = AREAS.find((a) => path === a.path || path.startsWith(`${a.path}/`));
  if (!area) return null;
  const screen = SCREENS[area.path];
  return screen ? screen() : <ComingSoon area={area} />;
}
