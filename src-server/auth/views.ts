import { Type } from 'typebox';
import type { Account } from '../../src-shared/api/account';

export { AccountSchema, TokenPairSchema, type Account } from '../../src-shared/api/account';
import type { UserRow } from './service';

export function accountView(u: UserRow): Account {
  return {
    id: u.id,
    user_id: u.userId,
    email: u.email,
    name: u.name,
    age: u.age,
    phone_number: u.phoneNumber,
    avatar_url: u.avatarUrl,
    tier: u.tier,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}

export const tokenPairView = (p: { accessToken: string; refreshToken: string; expiresIn: number }) => ({
  token_type: 'Bearer' as const,
  access_token: p.accessToken,
  refresh_token: p.refreshToken,
  expires_in: p.expiresIn,
});

/** Common field rules: the same limits whichever family's form collects them. */
export const Fields = {
  password: Type.String({ minLength: 1, maxLength: 256 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  userId: Type.String({ minLength: 3, maxLength: 40, pattern: '^[A-Za-z0-9_.-]+$' }),
  email: Type.String({ minLength: 3, maxLength: 254 }),
  phone: Type.String({ maxLength: 32, pattern: '^[0-9+()\\- ]*$' }),
  age: Type.Integer({ minimum: 0, maximum: 150 }),
  avatarUrl: Type.String({ maxLength: 2048 }),
};

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
