import { api, type TokenPair } from '../../api/client';

/** The signed-in user as GET /api/v1/users/me describes them. */
export interface Me {
  id: string;
  object: 'user';
  user_id: string | null;
  email: string | null;
  name: string;
  age: number | null;
  phone_number: string | null;
  avatar_url: string | null;
  tier: string;
  created_at: string;
}

export interface LoginResult extends TokenPair {
  user: { id: string; email: string | null; name: string; tier: string };
}

export interface Registration {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
}

export const authApi = {
  register: (body: { email: string; password: string; name: string }) =>
    api<Registration>('/api/v1/auth/register', { method: 'POST', body }),
  login: (body: { email: string; password: string }) => api<LoginResult>('/api/v1/auth/login', { method: 'POST', body }),
  me: () => api<Me>('/api/v1/users/me'),
  /** Revokes this session's tokens on the server. */
  logout: () => api<null>('/api/logout', { method: 'POST' }),
};
