/** The signed-in session: the token pair, kept where a reload, a second tab and the Electron window see it. */

import type { TokenPair } from '../../../src-shared/api/account';

export type { TokenPair } from '../../../src-shared/api/account';

const ACCESS_KEY = 'atelier.accessToken';
const REFRESH_KEY = 'atelier.refreshToken';

type SessionListener = (signedIn: boolean) => void;
const listeners = new Set<SessionListener>();

export const session = {
  get accessToken(): string | null {
    return localStorage.getItem(ACCESS_KEY);
  },
  get refreshToken(): string | null {
    return localStorage.getItem(REFRESH_KEY);
  },
  get signedIn(): boolean {
    return session.refreshToken !== null;
  },
  store(pair: Pick<TokenPair, 'access_token' | 'refresh_token'>): void {
    const wasSignedIn = session.signedIn;
    localStorage.setItem(ACCESS_KEY, pair.access_token);
    localStorage.setItem(REFRESH_KEY, pair.refresh_token);
    if (!wasSignedIn) notify(true);
  },
  clear(): void {
    const wasSignedIn = session.signedIn;
    localStorage.removeItem(ACCESS_KEY);
    localStorage.removeItem(REFRESH_KEY);
    if (wasSignedIn) notify(false);
  },
  /** Called when the user becomes signed in or out, here or in another tab. */
  subscribe(listener: SessionListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

function notify(signedIn: boolean): void {
  for (const listener of listeners) listener(signedIn);
}

window.addEventListener('storage', (event) => {
  if (event.key === REFRESH_KEY && (event.oldValue === null) !== (event.newValue === null)) notify(event.newValue !== null);
});
