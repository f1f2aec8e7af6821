import { Type, type Static } from 'typebox';

/**
 * Account shapes every family shares (`/api/v1/auth/**`, `/api/v1/users/me`, the token pair): the
 * server validates and documents its answers with these schemas, and the UI reads their Static types.
 */

/** The account plans, lowest first: what `tier` holds (auth/plans.ts orders every family's plans by it). */
export const PLAN_NAMES = ['free', 'starter', 'pro', 'studio', 'enterprise'] as const;

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

export const TokenPairSchema = Type.Object({
  token_type: Type.Literal('Bearer'),
  access_token: Type.String(),
  refresh_token: Type.String(),
  expires_in: Type.Integer({ description: 'Access-token lifetime in seconds' }),
});
export type TokenPair = Static<typeof TokenPairSchema>;

/** The user beside the token pair in a canvas sign-in answer. */
export const LoginUser = Type.Object({
  id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  tier: Type.String(),
  credits: Type.Integer({ description: 'Credit balance' }),
});
export type LoginUser = Static<typeof LoginUser>;

export const Registration = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), email_verified: Type.Boolean() });
export type Registration = Static<typeof Registration>;
