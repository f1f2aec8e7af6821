import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, makeTestApp, signUp, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });
/** Requests with a user's access token. */
const as = (token: string) => requests(() => t.app).as({ headers: bearer(token) });

describe('canvas registration and login', () => {
  it('registers, refuses a second account with the same e-mail, and signs in', async () => {
    const reg = await post('/api/v1/auth/register', { email: 'Ada@Example.com', password: 'analytical1', name: 'Ada' });
    expect(reg.statusCode).toBe(201);
    expect(reg.json()).toMatchObject({ success: true, data: { email: 'ada@example.com', name: 'Ada', email_verified: false } });

    const dup = await post('/api/v1/auth/register', { email: 'ada@example.com', password: 'analytical1', name: 'Ada 2' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({ success: false, error: { code: 'EMAIL_EXISTS', message: expect.any(String) } });

    const login = await post('/api/v1/auth/login', { email: 'ADA@example.com', password: 'analytical1' });
    expect(login.statusCode).toBe(200);
    expect(login.json().data).toMatchObject({ token_type: 'Bearer', expires_in: 3600, user: { email: 'ada@example.com', tier: 'free' } });
  });

  it('names a bad e-mail and a weak password with the documented codes', async () => {
    const badEmail = await post('/api/v1/auth/register', { email: 'not-an-email', password: 'analytical1', name: 'X' });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().error.code).toBe('INVALID_EMAIL');
    const weak = await post('/api/v1/auth/register', { email: 'x@example.com', password: 'short', name: 'X' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('WEAK_PASSWORD');
    const noDigit = await post('/api/v1/auth/register', { email: 'x@example.com', password: 'onlyletters', name: 'X' });
    expect(noDigit.json().error.code).toBe('WEAK_PASSWORD');
  });

  it('refuses a wrong password without saying whether the account exists', async () => {
    await signUp(t.app, { email: 'known@example.com' });
    const wrong = await post('/api/v1/auth/login', { email: 'known@example.com', password: 'wrong password 1' });
    const unknown = await post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'wrong password 1' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('stores passwords as argon2id hashes only', async () => {
    await signUp(t.app, { email: 'hash@example.com', password: 'plaintext 99' });
    const row = (t.app as any).db.$client.prepare('SELECT password_hash FROM users WHERE email = ?').get('hash@example.com');
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain('plaintext');
  });
});

describe('tokens', () => {
  it('rotates refresh tokens; a used one is refused and its reuse revokes the session', async () => {
    const u = await signUp(t.app);
    const first = await post('/api/v1/auth/refresh', { refresh_token: u.refreshToken });
    expect(first.statusCode).toBe(200);
    const next = first.json().data;
    expect(next.refresh_token).not.toBe(u.refreshToken);

    const replay = await post('/api/v1/auth/refresh', { refresh_token: u.refreshToken });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('INVALID_TOKEN');

    // The replay revoked the whole session: the newest tokens die too.
    const afterReplay = await post('/api/v1/auth/refresh', { refresh_token: next.refresh_token });
    expect(afterReplay.statusCode).toBe(401);
    const me = await as(next.access_token).get('/api/v1/users/me');
    expect(me.statusCode).toBe(401);
  });

  it('keeps refresh tokens hashed at rest', async () => {
    const u = await signUp(t.app);
    const rows = (t.app as any).db.$client.prepare('SELECT token_hash FROM refresh_tokens').all() as { token_hash: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.token_hash === u.refreshToken)).toBe(false);
  });

  it('logout revokes the access token at once and its refresh token', async () => {
    const u = await signUp(t.app);
    const out = await as(u.accessToken).post('/api/logout');
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ success: true, message: 'Signed out', data: null });
    const me = await as(u.accessToken).get('/api/v1/users/me');
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('INVALID_TOKEN');
    expect((await post('/api/v1/auth/refresh', { refresh_token: u.refreshToken })).statusCode).toBe(401);
  });

  it('a session in use is refused from the request after its sign-out, a revocation by another process, and shows a profile change', async () => {
    const me = (token: string) => as(token).get('/api/v1/users/me');
    const a = await signUp(t.app);
    expect((await me(a.accessToken)).statusCode).toBe(200);
    expect((await me(a.accessToken)).statusCode).toBe(200);
    await as(a.accessToken).post('/api/logout');
    expect((await me(a.accessToken)).statusCode).toBe(401);

    // Another process writing the same database file (a second connection) is seen at once too.
    const b = await signUp(t.app);
    expect((await me(b.accessToken)).statusCode).toBe(200);
    const other = new Database(path.join(t.dataDir, 'atelier.db'));
    try {
      other.prepare('UPDATE auth_sessions SET revoked_at = ? WHERE revoked_at IS NULL').run(new Date().toISOString());
    } finally {
      other.close();
    }
    expect((await me(b.accessToken)).statusCode).toBe(401);

    // A profile change shows on the next request made with the same token.
    const c = await signUp(t.app, { name: 'Before' });
    expect((await me(c.accessToken)).json().data.name).toBe('Before');
    await as(c.accessToken).patch('/api/users', { name: 'After' });
    expect((await me(c.accessToken)).json().data.name).toBe('After');
  });

  it('an access token expires after an hour, with the family code for it', async () => {
    const u = await signUp(t.app);
    t.clock.advance(3601 * 1000);
    const me = await as(u.accessToken).get('/api/v1/users/me');
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe('TOKEN_EXPIRED');
    // The refresh token still works and gives a fresh access token.
    const refreshed = await post('/api/v1/auth/refresh', { refresh_token: u.refreshToken });
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(refreshed.json().data.access_token) })).statusCode).toBe(200);
  });

  it('refuses a token signed with another key', async () => {
    const other = await makeTestApp();
    try {
      const stranger = await signUp(other.app);
      const me = await as(stranger.accessToken).get('/api/v1/users/me');
      expect(me.statusCode).toBe(401);
      expect(me.json().error.code).toBe('INVALID_TOKEN');
    } finally {
      await other.close();
    }
  });

  it('keeps the signing key in the data folder across restarts', async () => {
    const dataDir = t.dataDir;
    const u = await signUp(t.app);
    await t.app.close();
    const again = await makeTestApp({}, { dataDir });
    try {
      expect((await again.app.inject({ url: '/api/v1/users/me', headers: bearer(u.accessToken) })).statusCode).toBe(200);
    } finally {
      await again.app.close();
    }
    t = await makeTestApp();
  });
});

describe('one account, five families', () => {
  it('a token from any family login works on every family', async () => {
    await post('/auth/join', { user_id: 'mina', name: 'Mina', password: 'hummingbird7', email: 'mina@example.com' });
    const logins = {
      studio: (await post('/api/login', { user_id: 'mina', password: 'hummingbird7' })).json().data.access_token,
      stories: (await post('/api/v1/auth/token', { user_id: 'mina', password: 'hummingbird7' })).json().data.access_token,
      stage: (await post('/api/auth/login', { user_id: 'mina', password: 'hummingbird7' })).json().token,
      canvas: (await post('/api/v1/auth/login', { email: 'mina@example.com', password: 'hummingbird7' })).json().data.access_token,
    };
    for (const [family, token] of Object.entries(logins)) {
      expect(token, family).toEqual(expect.any(String));
      const studio = await as(token).get('/api/users');
      expect(studio.json().data.user_id, family).toBe('mina');
      const canvas = await as(token).get('/api/v1/users/me');
      expect(canvas.json().data).toMatchObject({ object: 'user', user_id: 'mina', email: 'mina@example.com' });
    }
    const me = (await as(logins.studio).get('/api/users')).json().data;
    const profile = await post('/user/profile', { id: me.id }, bearer(logins.stage));
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({ id: me.id, name: 'Mina', email: 'mina@example.com' });
  });

  it('stage login numbers the user and reports the uuid the other families use', async () => {
    await post('/auth/join', { user_id: 'first', name: 'First', password: 'hummingbird7' });
    await post('/auth/join', { user_id: 'second', name: 'Second', password: 'hummingbird7' });
    const res = await post('/api/auth/login', { user_id: 'second', password: 'hummingbird7' });
    expect(res.json()).toMatchObject({
      success: true,
      message: 'Login successful',
      user: { id: 2, user_id: 'second', uuid: expect.any(String) },
    });
    const missing = await post('/api/auth/login', { user_id: 'second' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ success: false, error: 'MISSING_FIELDS', message: expect.any(String) });
    const wrong = await post('/api/auth/login', { user_id: 'second', password: 'nope nope 1' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe('INVALID_CREDENTIALS');
  });

  it('stories token endpoint answers AUTHENTICATION_FAILED and VALIDATION_ERROR', async () => {
    const bad = await post('/api/v1/auth/token', { user_id: 'ghost', password: 'whatever 1' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ success: false, error: { code: 'AUTHENTICATION_FAILED', message: expect.any(String) } });
    const invalid = await post('/api/v1/auth/token', { user_id: 'ghost' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('VALIDATION_ERROR');
  });
});

describe('promo accounts', () => {
  it('joins, refuses a taken user id with AUTH_002, logs in with a session cookie', async () => {
    const join = await post('/auth/join', {
      user_id: 'testuser',
      name: '홍길동',
      password: 'securepassword123',
      email: 'test@example.com',
      phone_number: '010-1234-5678',
    });
    expect(join.statusCode).toBe(201);
    expect(join.json()).toEqual({ id: expect.any(String), name: '홍길동' });
    const again = await post('/auth/join', { user_id: 'testuser', name: 'Other', password: 'securepassword123' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error_code: 'AUTH_002', error_message: expect.any(String) });

    const login = await post('/auth/login', { user_id: 'testuser', password: 'securepassword123' });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ id: join.json().id, name: '홍길동' });
    const cookie = login.cookies.find((c) => c.name === 'atelier_session');
    expect(cookie?.httpOnly).toBe(true);

    const profile = await t.app.inject({
      method: 'POST',
      url: '/user/profile',
      payload: { id: join.json().id },
      cookies: { atelier_session: cookie!.value },
    });
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({ id: join.json().id, name: '홍길동', email: 'test@example.com', phone_number: '010-1234-5678' });

    const update = await t.app.inject({
      method: 'PUT',
      url: '/user/profile/update',
      payload: { id: join.json().id, name: '홍길동', email: 'newemail@example.com', phone_number: '010-9876-5432' },
      cookies: { atelier_session: cookie!.value },
    });
    expect(update.json()).toEqual({ user_id: 'testuser', name: '홍길동' });
  });

  it('wrong login is AUTH_001; acting on another id is 403; no identity is 401', async () => {
    await post('/auth/join', { user_id: 'alice', name: 'Alice', password: 'wonderland1' });
    const bad = await post('/auth/login', { user_id: 'alice', password: 'looking glass 2' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error_code).toBe('AUTH_001');

    const bob = await signUp(t.app);
    const alice = (await post('/api/login', { user_id: 'alice', password: 'wonderland1' })).json().data.user;
    const stolen = await post('/user/profile', { id: alice.id }, bearer(bob.accessToken));
    expect(stolen.statusCode).toBe(403);
    expect(stolen.json().error_code).toBe('AUTH_004');
    const anonymous = await post('/user/profile', { id: alice.id });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error_code).toBe('AUTH_003');
  });

  it('validation failures are 422 in promo shape', async () => {
    const res = await post('/auth/join', { user_id: 'ok_user', name: 'X', password: 'weak' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ error_code: 'VALIDATION_001', error_message: expect.stringContaining('8 characters') });
  });
});

describe('studio account routes', () => {
  it('refreshes by header, edits the profile and changes the password', async () => {
    const u = await signUp(t.app, { email: 'studio@example.com', password: 'first pass 1' });
    const refreshed = await t.app.inject({ url: '/api/refresh', headers: { 'x-refresh-token': u.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const token = refreshed.json().data.access_token;

    const patch = await as(token).patch('/api/users', { name: 'Jin', age: 29, user_id: 'jin' });
    expect(patch.json()).toMatchObject({ success: true, data: { name: 'Jin', age: 29, user_id: 'jin' } });

    const wrongCurrent = await as(token).patch('/api/users', { current_password: 'nope 1', new_password: 'second pass 2' });
    expect(wrongCurrent.statusCode).toBe(401);
    const change = await as(token).patch('/api/users', { current_password: 'first pass 1', new_password: 'second pass 2' });
    expect(change.statusCode).toBe(200);
    expect((await post('/api/login', { email: 'studio@example.com', password: 'second pass 2' })).statusCode).toBe(200);
    expect((await post('/api/login', { email: 'studio@example.com', password: 'first pass 1' })).statusCode).toBe(401);
  });

  it('changing the password signs out every other session and keeps the one that asked', async () => {
    const u = await signUp(t.app, { email: 'two-devices@example.com', password: 'first pass 1' });
    const other = (await post('/api/login', { email: 'two-devices@example.com', password: 'first pass 1' })).json().data;
    const me = (token: string) => as(token).get('/api/users');
    expect((await me(other.access_token)).statusCode).toBe(200);

    const change = await as(u.accessToken).patch('/api/users', { current_password: 'first pass 1', new_password: 'second pass 2' });
    expect(change.statusCode, change.body).toBe(200);
    expect((await me(u.accessToken)).statusCode).toBe(200);
    expect((await me(other.access_token)).statusCode).toBe(401);
    const refresh = await t.app.inject({ url: '/api/refresh', headers: { 'x-refresh-token': other.refresh_token } });
    expect(refresh.statusCode).toBe(401);
    // Only its own family's words come back for a wrong current password.
    const wrong = await as(u.accessToken).patch('/api/users', { current_password: 'first pass 1', new_password: 'third pass 3' });
    expect([wrong.statusCode, wrong.json()]).toEqual([
      401,
      { success: false, error: { code: 'INVALID_CREDENTIALS', message: 'Current password is incorrect' } },
    ]);
  });

  it('refuses a duplicate handle and an empty patch', async () => {
    await post('/auth/join', { user_id: 'taken', name: 'T', password: 'hummingbird7' });
    const u = await signUp(t.app);
    const dup = await as(u.accessToken).patch('/api/users', { user_id: 'taken' });
    expect(dup.statusCode).toBe(409);
    const empty = await as(u.accessToken).patch('/api/users', {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('deletes the account only with its password, and then nothing of it works', async () => {
    const u = await signUp(t.app);
    const wrong = await as(u.accessToken).delete('/api/users', { password: 'guess 123' });
    expect(wrong.statusCode).toBe(401);
    const del = await as(u.accessToken).delete('/api/users', { password: u.password });
    expect(del.statusCode).toBe(200);
    expect((await as(u.accessToken).get('/api/users')).statusCode).toBe(401);
    expect((await post('/api/v1/auth/login', { email: u.email, password: u.password })).statusCode).toBe(401);
    const left = (t.app as any).db.$client.prepare('SELECT COUNT(*) AS n FROM auth_sessions').get();
    expect(left.n).toBe(0);
  });
});

describe('canvas users/me', () => {
  it('patches the union fields and ignores unknown ones', async () => {
    const u = await signUp(t.app);
    const res = await as(u.accessToken).patch('/api/v1/users/me', { name: '김철수', avatar_url: 'https://example.com/a.png', age: 7 });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ name: '김철수', avatar_url: 'https://example.com/a.png', age: 7, object: 'user' });
    // An unknown field is dropped before the handler (the seed's Pydantic ignored it): never stored, never trusted.
    const unknown = await as(u.accessToken).patch('/api/v1/users/me', { tier: 'studio' });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json().data.tier).toBe('free');
    expect((await as(u.accessToken).get('/api/v1/users/me')).json().data.tier).toBe('free');
  });

  it('answers UNAUTHORIZED without a header', async () => {
    const res = await t.app.inject({ url: '/api/v1/users/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  });
});
