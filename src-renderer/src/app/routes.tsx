import { lazy, Suspense, type ReactNode } from 'react';
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

/** Screens of the built areas; the rest of AREAS show ComingSoon until their issue lands. */
const SCREENS: Record<string, () => ReactNode> = {
  '/compose': () => (
    <Suspense fallback={<Spinner label="Opening Record & Compose" />}>
      <StudioScreen />
    </Suspense>
  ),
  '/images': () => (
    <Suspense fallback={<Spinner label="Opening Image Studio" />}>
      <ImagesScreen />
    </Suspense>
  ),
  '/stories': () => (
    <Suspense fallback={<Spinner label="Opening Stories" />}>
      <StoriesScreen />
    </Suspense>
  ),
  '/models': () => (
    <Suspense fallback={<Spinner label="Opening Models" />}>
      <ModelsScreen />
    </Suspense>
  ),
  '/promo': () => (
    <Suspense fallback={<Spinner label="Opening Promo Videos" />}>
      <PromoScreen />
    </Suspense>
  ),
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
