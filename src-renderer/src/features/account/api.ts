import { api } from '../../api/client';
import type { Me } from '../auth/api';

/** Fields PATCH /api/v1/users/me accepts; null clears a field. */
export interface ProfilePatch {
  name?: string;
  age?: number | null;
  phone_number?: string | null;
  avatar_url?: string | null;
}

export const accountApi = {
  update: (patch: ProfilePatch) => api<Me>('/api/v1/users/me', { method: 'PATCH', body: patch }),
  /** Needs the current password; the server signs out every other session of the account. */
  changePassword: (current: string, next: string) =>
    api<Me>('/api/users', { method: 'PATCH', body: { current_password: current, new_password: next } }),
  /** The studio family's account deletion: needs the password, removes everything the user owns. */
  remove: (password: string) => api<null>('/api/users', { method: 'DELETE', body: { password } }),
};
