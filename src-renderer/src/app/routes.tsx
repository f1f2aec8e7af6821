import { lazy, Suspense, type ComponentType, type ReactNode } from 'react';
import { Spinner } from '../components';
import { AccountScreen } from '../features/account/components/AccountScreen';
import { ConcertsScreen } from '../features/concerts/components/ConcertsScreen';
import { SettingsScreen } from '../features/settings/components/SettingsScreen';
import { AREAS } from '../features/shell/areas';
import { ComingSoon } from '../features/shell/components/ComingSoon';

// Tone.js is large and opens an audio context as it loads: fetched only when the area is opened.
const StudioScreen = lazy(() => import('../features/studio/components/StudioScreen'));
const ModelsScreen = lazy(() => import('../features/models/components/ModelsScreen'));
// The gallery, mask canvas and usage chart load with the area, not with the app.
const ImagesScreen = lazy(() => import('../features/images/components/ImagesScreen'));
const StoriesScreen = lazy(() => import('../features/stories/components/StoriesScreen'));
const PromoScreen = lazy(() => import('../features/promo/components/PromoScreen'));

/** A lazily loaded screen, with a spinner until its code has arrived. */
const opening = (Screen: ComponentType, label: string) => () => (
  <Suspense fallback={<Spinner label={label} />}>
    <Screen />
  </Suspense>
);

/** Screens of the built areas; the rest of AREAS show ComingSoon until their issue lands. */
const SCREENS: Record<string, () => ReactNode> = {
  '/compose': opening(StudioScreen, 'Opening Record & Compose'),
  '/images': opening(ImagesScreen, 'Opening Image Studio'),
  '/stories': opening(StoriesScreen, 'Opening Stories'),
  '/models': opening(ModelsScreen, 'Opening Models'),
  '/promo': opening(PromoScreen, 'Opening Promo Videos'),
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
