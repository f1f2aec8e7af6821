import crypto from 'node:crypto';
import { and, eq, getTableName, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { watchTables } from '../db/table-watch';
import { authSessions, refreshTokens, users } from '../db/schema';
import { AppError } from '../http/errors';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
import { randomToken, sha256 } from './keys';
import { ACCESS_TOKEN_TTL_SECONDS, AccessTokens, REFRESH_TOKEN_TTL_SECONDS } from './tokens';

export type UserRow = typeof users.$inferSelect;

export interface NewUser {
  userId?: string | null;
  email?: string | null;
  name: string;
  password: string;
  age?: number | null;
  phoneNumber?: string | null;
  avatarUrl?: string | null;
}

export interface ProfilePatch {
  userId?: string;
  email?: string | null;
  name?: string;
  age?: number | null;
  phoneNumber?: string | null;
  avatarUrl?: string | null;
}

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: string;
}

/** Conflicts the families word differently (AUTH_002, EMAIL_EXISTS...). */
export class DuplicateAccountError extends Error {
  constructor(public readonly field: 'user_id' | 'email') {
    super(`${field} is already registered`);
  }
}

export class InvalidCredentialsError extends Error {
  constructor() {
    super('Invalid login credentials');
  }
}

export class InvalidRefreshTokenError extends Error {
  constructor(message = 'Refresh token is invalid, expired or already used') {
    super(message);
  }
}

const nowIso = (now: number) => new Date(now).toISOString();

/** Sessions whose user is remembered between requests; the least recently added is dropped first. */
const LIVE_SESSIONS_MAX = 1000;

/** Accounts, sessions and tokens for every family: one identity, five dialects on top. */
export class AuthService {
  private readonly deletionHooks: ((userId: string) => Promise<void> | void)[] = [];
  private readonly preDeletionHooks: ((userId: string) => void)[] = [];
  private readonly revocationHooks: ((sessionId: string) => void)[] = [];

  constructor(
    private readonly db: Db,
    readonly tokens: AccessTokens,
    private readonly now: () => number = Date.now,
  ) {
    this.sessionUserQuery = db
      .select({ user: users, revokedAt: authSessions.revokedAt })
      .from(authSessions)
      .innerJoin(users, eq(users.id, authSessions.userId))
      .where(and(eq(authSessions.id, sql.placeholder('sessionId')), eq(authSessions.userId, sql.placeholder('userId'))))
      .prepare();
    this.checkOtherWriters = watchTables(db.$client, [getTableName(users), getTableName(authSessions)], () => this.liveSessions.clear());
  }

  // Runs on every authenticated request: prepared once rather than rebuilt per call.
  private readonly sessionUserQuery;
  /**
   * The user of each session checked lately. Any write to a user or session row (a sign-out, a
   * revoked session, a deleted account, a profile change) empties it before the write returns, so
   * a revoked session is refused from the very next request, as without it.
   */
  private readonly liveSessions = new Map<string, { userId: string; user: UserRow }>();
  private readonly checkOtherWriters: () => void;

  async register(input: NewUser): Promise<UserRow> {
    const email = input.email?.trim().toLowerCase() || null;
    const userId = input.userId?.trim() || null;
    this.assertFree(userId, email);
    const passwordHash = await hashPassword(input.password);
    const stamp = nowIso(this.now());
    try {
      return this.db
        .insert(users)
        .values({
          id: crypto.randomUUID(),
          userId,
          email,
          name: input.name.trim(),
          age: input.age ?? null,
          phoneNumber: input.phoneNumber ?? null,
          avatarUrl: input.avatarUrl ?? null,
          passwordHash,
          createdAt: stamp,
          updatedAt: stamp,
        })
        .returning()
        .get();
    } catch (err) {
      // Two sign-ups racing past assertFree: the unique index decides.
      if (String((err as Error).message).includes('UNIQUE')) {
        throw new DuplicateAccountError(String((err as Error).message).includes('email') ? 'email' : 'user_id');
      }
      throw err;
    }
  }

  private assertFree(userId: string | null, email: string | null, exceptId?: string): void {
    if (userId) {
      const taken = this.db.select({ id: users.id }).from(users).where(eq(users.userId, userId)).get();
      if (taken && taken.id !== exceptId) throw new DuplicateAccountError('user_id');
    }
    if (email) {
      const taken = this.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
      if (taken && taken.id !== exceptId) throw new DuplicateAccountError('email');
    }
  }

  /** Accepts the login handle or the e-mail address, whichever the family's form asks for. */
  async verifyCredentials(identifier: string, password: string): Promise<UserRow> {
    const handle = identifier.trim();
    const user = this.db
      .select()
      .from(users)
      .where(or(eq(users.userId, handle), eq(users.email, handle.toLowerCase())))
      .get();
    if (!user) {
      await burnPasswordCheck(password);
      throw new InvalidCredentialsError();
    }
    if (!(await verifyPassword(user.passwordHash, password))) throw new InvalidCredentialsError();
    return user;
  }

  /** Starts a session and hands out its first token pair. */
  startSession(userId: string, opts: { withCookie?: boolean } = {}): TokenPair & { cookie: string | null } {
    const sessionId = crypto.randomUUID();
    const cookie = opts.withCookie ? randomToken() : null;
    const stamp = nowIso(this.now());
    return this.db.transaction((tx) => {
      tx.insert(authSessions)
        .values({ id: sessionId, userId, cookieHash: cookie ? sha256(cookie) : null, createdAt: stamp })
        .run();
      const refreshToken = this.insertRefreshToken(tx as unknown as Db, sessionId);
      return { ...this.pair(userId, sessionId, refreshToken), cookie };
    });
  }

  private insertRefreshToken(tx: Db, sessionId: string): string {
    const raw = randomToken(48);
    const now = this.now();
    tx.insert(refreshTokens)
      .values({
        id: crypto.randomUUID(),
        sessionId,
        tokenHash: sha256(raw),
        createdAt: nowIso(now),
        expiresAt: nowIso(now + REFRESH_TOKEN_TTL_SECONDS * 1000),
      })
      .run();
    return raw;
  }

  private pair(userId: string, sessionId: string, refreshToken: string): TokenPair {
    return {
      tokenType: 'Bearer',
      accessToken: this.tokens.issue(userId, sessionId),
      refreshToken,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      sessionId,
    };
  }

  /**
   * Rotates a refresh token. A token that was already used means it leaked or was replayed:
   * the whole session is revoked, so the thief's copy dies with the owner's.
   */
  refresh(rawToken: string): TokenPair & { user: UserRow } {
    const now = this.now();
    type Outcome = { reusedSession: string } | (TokenPair & { user: UserRow });
    const outcome = this.db.transaction((tx): Outcome => {
      const row = tx
        .select({ token: refreshTokens, session: authSessions })
        .from(refreshTokens)
        .innerJoin(authSessions, eq(authSessions.id, refreshTokens.sessionId))
        .where(eq(refreshTokens.tokenHash, sha256(rawToken)))
        .get();
      if (!row) throw new InvalidRefreshTokenError();
      if (row.session.revokedAt) throw new InvalidRefreshTokenError('Session has been signed out');
      // Reported out of the transaction: a throw here would roll the revocation back.
      if (row.token.usedAt) return { reusedSession: row.session.id };
      if (Date.parse(row.token.expiresAt) <= now) throw new InvalidRefreshTokenError('Refresh token has expired');
      tx.update(refreshTokens)
        .set({ usedAt: nowIso(now) })
        .where(eq(refreshTokens.id, row.token.id))
        .run();
      const user = tx.select().from(users).where(eq(users.id, row.session.userId)).get();
      if (!user) throw new InvalidRefreshTokenError();
      const refreshToken = this.insertRefreshToken(tx as unknown as Db, row.session.id);
      return { ...this.pair(user.id, row.session.id, refreshToken), user };
    });
    if ('reusedSession' in outcome) {
      this.revokeSession(outcome.reusedSession, 'refresh token reuse');
      throw new InvalidRefreshTokenError('Refresh token was already used; the session has been revoked');
    }
    return outcome;
  }

  revokeSession(sessionId: string, reason = 'logout'): void {
    const { changes } = this.db
      .update(authSessions)
      .set({ revokedAt: nowIso(this.now()), revokedReason: reason })
      .where(and(eq(authSessions.id, sessionId), isNull(authSessions.revokedAt)))
      .run();
    if (changes > 0) for (const hook of this.revocationHooks) hook(sessionId);
  }

  /** Holders of long-lived connections (sockets) register here to end them when their session is signed out. */
  onSessionRevoked(hook: (sessionId: string) => void): void {
    this.revocationHooks.push(hook);
  }

  /** The user behind a live session, or null when the session is gone or revoked. */
  userForSession(sessionId: string, userId: string): UserRow | null {
    this.checkOtherWriters();
    const live = this.liveSessions.get(sessionId);
    if (live && live.userId === userId) return live.user;
    const row = this.sessionUserQuery.get({ sessionId, userId });
    if (!row || row.revokedAt) return null;
    if (this.liveSessions.size >= LIVE_SESSIONS_MAX) this.liveSessions.delete(this.liveSessions.keys().next().value!);
    this.liveSessions.set(sessionId, { userId, user: row.user });
    return row.user;
  }

  sessionForCookie(cookie: string): { user: UserRow; sessionId: string } | null {
    const row = this.db
      .select({ user: users, session: authSessions })
      .from(authSessions)
      .innerJoin(users, eq(users.id, authSessions.userId))
      .where(eq(authSessions.cookieHash, sha256(cookie)))
      .get();
    if (!row || row.session.revokedAt) return null;
    // A cookie session lives as long as a refresh token would.
    if (Date.parse(row.session.createdAt) + REFRESH_TOKEN_TTL_SECONDS * 1000 <= this.now()) return null;
    return { user: row.user, sessionId: row.session.id };
  }

  getUser(id: string): UserRow | null {
    return this.db.select().from(users).where(eq(users.id, id)).get() ?? null;
  }

  updateProfile(id: string, patch: ProfilePatch): UserRow {
    const email = patch.email === undefined ? undefined : patch.email?.trim().toLowerCase() || null;
    this.assertFree(patch.userId ?? null, email ?? null, id);
    const values: Partial<typeof users.$inferInsert> = { updatedAt: nowIso(this.now()) };
    if (patch.userId !== undefined) values.userId = patch.userId.trim();
    if (email !== undefined) values.email = email;
    if (patch.name !== undefined) values.name = patch.name.trim();
    if (patch.age !== undefined) values.age = patch.age;
    if (patch.phoneNumber !== undefined) values.phoneNumber = patch.phoneNumber;
    if (patch.avatarUrl !== undefined) values.avatarUrl = patch.avatarUrl;
    const row = this.db.update(users).set(values).where(eq(users.id, id)).returning().get();
    if (!row) throw new AppError(404, 'NOT_FOUND', 'User not found');
    return row;
  }

  /**
   * A new password (argon2) for the holder of the current one. Every other session of the account
   * is signed out with it (whoever knew the old password is out); `keepSessionId`, the session
   * asking, stays signed in. Answers how many sessions were signed out.
   */
  async changePassword(id: string, currentPassword: string, newPassword: string, keepSessionId: string | null = null): Promise<number> {
    const user = this.getUser(id);
    if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) throw new InvalidCredentialsError();
    const passwordHash = await hashPassword(newPassword);
    const now = nowIso(this.now());
    return this.db.transaction((tx) => {
      tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, id)).run();
      const others = and(
        eq(authSessions.userId, id),
        isNull(authSessions.revokedAt),
        keepSessionId ? ne(authSessions.id, keepSessionId) : undefined,
      );
      return tx.update(authSessions).set({ revokedAt: now, revokedReason: 'password changed' }).where(others).run().changes;
    });
  }

  /** Features that keep files or state per user register here to clean up after an account goes. */
  onAccountDeleted(hook: (userId: string) => Promise<void> | void): void {
    this.deletionHooks.push(hook);
  }

  /**
   * Features whose live state others watch (a concert's audience) register here to tell them while
   * the account's rows still exist; the foreign keys then remove those rows silently.
   */
  beforeAccountDeleted(hook: (userId: string) => void): void {
    this.preDeletionHooks.push(hook);
  }

  /**
   * Deletes the account; rows go with it through the foreign keys, files through the hooks. A
   * password, when given, must match; the caller's valid token alone is enough (the seed clients send none).
   */
  async deleteAccount(id: string, password?: string): Promise<void> {
    const user = this.getUser(id);
    if (!user || (password !== undefined && !(await verifyPassword(user.passwordHash, password)))) throw new InvalidCredentialsError();
    for (const hook of this.preDeletionHooks) hook(id);
    this.db.delete(users).where(eq(users.id, id)).run();
    for (const hook of this.deletionHooks) await hook(id);
  }
}
