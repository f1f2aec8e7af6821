import { create } from 'zustand';
import { ApiError, errorMessage, session } from '../../api/client';
import { authApi, type Me } from './api';

export type AuthStatus = 'checking' | 'signed-out' | 'signed-in' | 'unreachable';

interface AuthState {
  status: AuthStatus;
  user: Me | null;
  /** Shown on the sign-in screen: why the user is there (session ended, account deleted). */
  notice: string | null;
  /** Why the server could not say who is signed in (status "unreachable"). */
  problem: string | null;
  /** Whether the server answered that refusal (busy, rate limit) rather than not answering at all. */
  answered: boolean;
  /** Finds out who is signed in from the stored tokens: at start-up, after sign-in, when another tab signs in. */
  load(): Promise<void>;
  signIn(email: string, password: string): Promise<void>;
  /** Creates the account, then signs in with it. */
  signUp(fields: { name: string; email: string; password: string }): Promise<void>;
  /** Revokes the session on the server, then forgets it here. */
  signOut(): Promise<void>;
  /** Forgets the session here only, when the server has already ended it (account deleted). */
  endSession(notice: string): void;
  setUser(user: Me): void;
}

let loading: Promise<void> | null = null;

export const useAuth = create<AuthState>()((set, get) => ({
  status: session.signedIn ? 'checking' : 'signed-out',
  user: null,
  notice: null,
  problem: null,
  answered: false,

  load() {
    loading ??= (async () => {
      if (!session.signedIn) return set({ status: 'signed-out', user: null });
      if (get().status !== 'signed-in') set({ status: 'checking', problem: null });
      try {
        set({ status: 'signed-in', user: await authApi.me(), notice: null, problem: null });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) session.clear();
        // A server that answered (a rate limit, say) is not gone: whoever is signed in stays, and
        // the screen's own requests show the refusal where it happened.
        else if (get().user && err instanceof ApiError && err.status !== 0) set({ status: 'signed-in' });
        else set({ status: 'unreachable', problem: errorMessage(err), answered: err instanceof ApiError && err.status !== 0 });
      }
    })().finally(() => (loading = null));
    return loading;
  },

  async signIn(email, password) {
    session.store(await authApi.login({ email, password }));
    await get().load();
  },

  async signUp(fields) {
    await authApi.register(fields);
    await get().signIn(fields.email, fields.password);
  },

  async signOut() {
    const ending = session.refreshToken;
    set({ status: 'signed-out', user: null, notice: null });
    try {
      await authApi.logout();
    } catch {
      // Forgetting the tokens here matters more than telling a server that may be gone.
    }
    // Unless someone signed in again meanwhile.
    if (session.refreshToken === ending) session.clear();
  },

  endSession(notice) {
    set({ status: 'signed-out', user: null, notice });
    session.clear();
  },

  setUser(user) {
    set({ user });
  },
}));

session.subscribe((signedIn) => {
  if (signedIn) return void useAuth.getState().load();
  // Cleared without signOut(): a refused refresh, or a sign-out in another tab.
  if (useAuth.getState().status !== 'signed-out') {
    useAuth.setState({ status: 'signed-out', user: null, notice: 'Your session has ended. Sign in again.' });
  }
});
