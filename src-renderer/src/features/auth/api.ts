import { api, type TokenPair } from '../../api/client';

import type { Account, LoginUser, Registration } from '../../../../src-shared/api/account';

export type { Registration } from '../../../../src-shared/api/account';

/** The signed-in user as GET /api/v1/users/me describes them (the fields every family shares). */
export type Me = Account & { object: 'user' };

export interface LoginResult extends TokenPair {
  user: LoginUser;
}

export const authApi = {
  register: (body: { email: string; password: string; name: string }) =>
    api<Registration>('/api/v1/auth/register', { method: 'POST', body }),
  login: (body: { email: string; password: string }) => api<LoginResult>('/api/v1/auth/login', { method: 'POST', body }),
  me: () => api<Me>('/api/v1/users/me'),
  /** Revokes this session's tokens on the server. */
  logout: () => api<null>('/api/logout', { method: 'POST' }),
};
