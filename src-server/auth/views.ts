import { Type, type Static } from 'typebox';
import type { UserRow } from './service';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

/** The account as every family may show it to its owner. Never the password hash. */
export const AccountSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Nullable(Type.String()),
  email: Nullable(Type.String()),
  name: Type.String(),
  age: Nullable(Type.Integer()),
  phone_number: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  tier: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Account = Static<typeof AccountSchema>;

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

export const TokenPairSchema = Type.Object({
  token_type: Type.Literal('Bearer'),
  access_token: Type.String(),
  refresh_token: Type.String(),
  expires_in: Type.Integer({ description: 'Access-token lifetime in seconds' }),
});

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
