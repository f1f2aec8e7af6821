import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from 'cheerio';
import Fastify from 'fastify';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { writeSetting } from '../../src-server/db/settings';
import { redirectOrigin } from '../../src-server/auth/oauth';

/** A real OpenID Connect provider on loopback stands in for Google. */
let t: TestApp;
let idp: http.Server;
let issuer: string;
const HOST = '127.0.0.1:8000';
const CALLBACK = `http://${HOST}/social/google/callback`;
const CANVAS_CALLBACK = `http://${HOST}/api/v1/auth/google/callback`;

beforeAll(async () => {
  idp = http.createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'atelier-desktop',
        client_secret: 'desktop-secret',
        redirect_uris: [CALLBACK, CANVAS_CALLBACK],
        application_type: 'native',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.com`, email_verified: true, name: 'Mina Kim' }),
    }),
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 600, Grant: 600 },
  });
  idp.on('request', provider.callback());
  t = await makeTestApp();
  writeSetting(t.app.db, 'oauth.google', { clientId: 'atelier-desktop', clientSecret: 'desktop-secret', issuer }, Date.now());
  writeSetting(t.app.db, 'oauth', { returnOrigins: ['https://studio.example'], redirectVia: 'loopback' }, Date.now());
});
afterAll(async () => {
  await t.close();
  idp.closeAllConnections();
  await new Promise((resolve) => idp.close(resolve));
});

const get = (url: string) => t.app.inject({ url, headers: { host: HOST } });

/** The browser's part at the provider: follow redirects, sign in as `login`, consent, stop at our callback. */
async function browserAtProvider(authUrl: string, login: string, callback = CALLBACK): Promise<string> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = authUrl;
  let body: URLSearchParams | undefined;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(url, { method: body ? 'POST' : 'GET', body, headers: { cookie: cookieHeader() }, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!, v ?? '');
    }
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (next.startsWith(callback)) return next;
      url = next;
      continue;
    }
    const $ = load(await res.text());
    const form = $('form').first();
    if (!form.length) throw new Error(`no form at ${url}`);
    body = new URLSearchParams();
    form.find('input').each((_, el) => {
      const name = $(el).attr('name');
      if (name) body!.set(name, $(el).attr('value') ?? '');
    });
    if (body.has('login')) body.set('login', login);
    if (body.has('password')) body.set('password', 'any');
    url = new URL(form.attr('action')!, url).href;
  }
  throw new Error('the provider never sent the browser back');
}

describe('Google sign-in', () => {
  it('signs in with PKCE, state and nonce, and hands a single-use temporary token to the return_url', async () => {
    const login = await get('/social/google/login?return_url=http://localhost:3300/dashboard');
    expect(login.statusCode).toBe(302);
    const auth = new URL(login.headers.location as string);
    expect(auth.origin).toBe(issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();

    const back = new URL(await browserAtProvider(auth.href, 'mina'));
    const done = await get(back.pathname + back.search);
    expect(done.statusCode).toBe(302);
    const target = new URL(done.headers.location as string);
    expect(target.searchParams.get('error')).toBeNull();
    expect(target.origin + target.pathname).toBe('http://localhost:3300/dashboard');
    expect(target.searchParams.get('auth_success')).toBe('true');
    const tokenId = target.searchParams.get('token')!;

    const token = await get(`/social/google/token/${tokenId}`);
    expect(token.statusCode).toBe(200);
    expect(token.json()).toMatchObject({
      access_token: expect.any(String),
      token_type: 'Bearer',
      user_info: { id: 'mina', email: 'mina@example.com', name: 'Mina Kim' },
      atelier: { user_id: expect.any(String), access_token: expect.any(String) },
    });
    expect(token.cookies.find((c) => c.name === 'atelier_session')).toBeTruthy();
    // The Atelier token works on the promo routes for the linked account.
    const me = token.json().atelier;
    const profile = await t.app.inject({
      method: 'POST',
      url: '/user/profile',
      payload: { id: me.user_id },
      headers: { authorization: `Bearer ${me.access_token}` },
    });
    expect(profile.json()).toMatchObject({ id: me.user_id, name: 'Mina Kim', email: 'mina@example.com' });

    // Single use.
    const again = await get(`/social/google/token/${tokenId}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().error_code).toBe('SOCIAL_004');

    // Signing in again links to the same account.
    const second = new URL((await get('/social/google/login?return_url=https://studio.example/home')).headers.location as string);
    const back2 = new URL(await browserAtProvider(second.href, 'mina'));
    const done2 = new URL((await get(back2.pathname + back2.search)).headers.location as string);
    expect(done2.origin).toBe('https://studio.example');
    expect((await get(`/social/google/token/${done2.searchParams.get('token')}`)).json().atelier.user_id).toBe(me.user_id);
  });

  it('refuses a foreign return_url, a wrong state and an expired temporary token', async () => {
    for (const bad of ['https://evil.example/steal', 'javascript:alert(1)', 'http://192.168.0.5:3300/']) {
      const res = await get(`/social/google/login?return_url=${encodeURIComponent(bad)}`);
      expect(res.statusCode, bad).toBe(422);
      expect(res.json().error_code, bad).toBe('SOCIAL_003');
    }

    const auth = new URL((await get('/social/google/login?return_url=http://localhost:3300/dashboard')).headers.location as string);
    const back = new URL(await browserAtProvider(auth.href, 'jun'));
    back.searchParams.set('state', 'forged-state');
    const forged = await get(back.pathname + back.search);
    expect(forged.statusCode).toBe(302);
    expect(forged.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:8000\/app\/auth\/error\?error=/);

    const auth2 = new URL((await get('/social/google/login?return_url=http://localhost:3300/dashboard')).headers.location as string);
    const back2 = new URL(await browserAtProvider(auth2.href, 'jun'));
    const tokenId = new URL((await get(back2.pathname + back2.search)).headers.location as string).searchParams.get('token');
    expect(tokenId).toMatch(/^[0-9a-f-]{36}$/);
    t.clock.advance(61_000);
    expect((await get(`/social/google/token/${tokenId}`)).statusCode).toBe(404);
  });

  it('says how to set it up when no client is configured', async () => {
    writeSetting(t.app.db, 'oauth.google', { clientId: null, clientSecret: null, issuer }, Date.now());
    const res = await get('/social/google/login');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error_code: 'SOCIAL_001', error_message: expect.stringContaining('Settings') });
  });
});

describe("canvas's /api/v1/auth/google through the same sign-in", () => {
  it('redirects to Google, then hands return_url a single-use token that trades for canvas tokens', async () => {
    writeSetting(t.app.db, 'oauth.google', { clientId: 'atelier-desktop', clientSecret: 'desktop-secret', issuer }, Date.now());
    const start = await get('/api/v1/auth/google?return_url=http://localhost:5173/canvas');
    expect(start.statusCode).toBe(302);
    const auth = new URL(start.headers.location as string);
    expect(auth.searchParams.get('redirect_uri')).toBe(CANVAS_CALLBACK);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    const back = new URL(await browserAtProvider(auth.href, 'sora', CANVAS_CALLBACK));
    const target = new URL((await get(back.pathname + back.search)).headers.location as string);
    expect(target.origin + target.pathname).toBe('http://localhost:5173/canvas');
    const id = target.searchParams.get('token')!;
    // A promo token id is not a canvas one, and the canvas one works once.
    expect((await get(`/social/google/token/${id}`)).statusCode).toBe(404);
    const res = await get(`/api/v1/auth/token/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      success: true,
      data: { token_type: 'Bearer', provider: 'google', user: { email: 'sora@example.com', name: 'Mina Kim', tier: 'free' } },
    });
    const me = await t.app.inject({
      url: '/api/v1/users/me',
      headers: { host: HOST, authorization: `Bearer ${res.json().data.access_token}` },
    });
    expect(me.json().data.email).toBe('sora@example.com');
    const again = await get(`/api/v1/auth/token/${id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });

  it("refuses a foreign return_url in canvas's format", async () => {
    const res = await get('/api/v1/auth/google?return_url=https://evil.example/');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, error: { code: 'INVALID_RETURN_URL' } });
  });
});

/** Discord's OAuth2 (no OpenID): a small stand-in for its authorize, token and /users/@me endpoints. */
async function fakeDiscord() {
  const grants = new Map<string, { challenge: string; redirectUri: string; user: string }>();
  const issued = new Map<string, string>();
  const seen: { scope?: string; challengeMethod?: string; verifierOk?: boolean } = {};
  const users: Record<string, object> = {
    '80351110224678912': {
      id: '80351110224678912',
      username: 'nelly',
      global_name: 'Nelly',
      email: 'nelly@discord.example',
      verified: true,
      avatar: 'a1b2c3',
    },
  };
  const server = Fastify();
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  server.get('/oauth2/authorize', async (req, reply) => {
    const q = req.query as Record<string, string>;
    seen.scope = q.scope;
    seen.challengeMethod = q.code_challenge_method;
    const code = `code-${grants.size + 1}`;
    grants.set(code, { challenge: q.code_challenge!, redirectUri: q.redirect_uri!, user: '80351110224678912' });
    const back = new URL(q.redirect_uri!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state!);
    return reply.redirect(back.href, 302);
  });
  server.post('/api/oauth2/token', async (req, reply) => {
    const b = req.body as Record<string, string>;
    const grant = grants.get(b.code!);
    grants.delete(b.code!);
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    const [id, secret] = basic ? basic.split(':').map(decodeURIComponent) : [b.client_id, b.client_secret];
    const challenge = crypto
      .createHash('sha256')
      .update(b.code_verifier ?? '')
      .digest('base64url');
    seen.verifierOk = grant?.challenge === challenge;
    if (
      !grant ||
      id !== 'discord-app' ||
      secret !== 'discord-secret' ||
      grant.challenge !== challenge ||
      grant.redirectUri !== b.redirect_uri
    ) {
      return reply.status(400).send({ error: 'invalid_grant' });
    }
    const token = `discord-token-${issued.size + 1}`;
    issued.set(token, grant.user);
    return { access_token: token, token_type: 'Bearer', expires_in: 604800, refresh_token: 'discord-refresh', scope: 'identify email' };
  });
  server.get('/api/users/@me', async (req, reply) => {
    const user = issued.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    return user ? users[user] : reply.status(401).send({ message: '401: Unauthorized', code: 0 });
  });
  const base = await server.listen({ port: 0, host: '127.0.0.1' });
  return { base, seen, close: () => server.close() };
}

describe('Discord sign-in (OAuth2 with PKCE)', () => {
  it('signs in through canvas, links one account, and refuses a wrong state', async () => {
    const discord = await fakeDiscord();
    try {
      writeSetting(
        t.app.db,
        'oauth.discord',
        { clientId: 'discord-app', clientSecret: 'discord-secret', apiBase: discord.base },
        Date.now(),
      );
      const start = await get('/api/v1/auth/discord?return_url=http://localhost:5173/canvas');
      expect(start.statusCode).toBe(302);
      const auth = new URL(start.headers.location as string);
      expect(auth.origin + auth.pathname).toBe(`${discord.base}/oauth2/authorize`);
      expect(auth.searchParams.get('redirect_uri')).toBe(`http://${HOST}/api/v1/auth/discord/callback`);
      const back = new URL((await fetch(auth, { redirect: 'manual' })).headers.get('location')!);
      expect(discord.seen).toMatchObject({ scope: 'identify email', challengeMethod: 'S256' });

      const target = new URL((await get(back.pathname + back.search)).headers.location as string);
      expect(target.searchParams.get('error')).toBeNull();
      expect(discord.seen.verifierOk).toBe(true);
      const res = await get(`/api/v1/auth/token/${target.searchParams.get('token')}`);
      expect(res.json()).toMatchObject({
        success: true,
        data: {
          provider: 'discord',
          user: { email: 'nelly@discord.example', name: 'Nelly', avatar_url: `${discord.base}/avatars/80351110224678912/a1b2c3.png` },
        },
      });
      const userId = res.json().data.user.id;

      // A second sign-in lands on the same account.
      const again = new URL((await get('/api/v1/auth/discord')).headers.location as string);
      const back2 = new URL((await fetch(again, { redirect: 'manual' })).headers.get('location')!);
      const target2 = new URL((await get(back2.pathname + back2.search)).headers.location as string);
      expect(target2.origin).toBe(`http://${HOST}`);
      expect((await get(`/api/v1/auth/token/${target2.searchParams.get('token')}`)).json().data.user.id).toBe(userId);

      // A forged state never reaches Discord's token endpoint.
      const third = new URL((await get('/api/v1/auth/discord')).headers.location as string);
      const back3 = new URL((await fetch(third, { redirect: 'manual' })).headers.get('location')!);
      back3.searchParams.set('state', 'forged');
      expect((await get(back3.pathname + back3.search)).headers.location).toMatch(
        /\/app\/auth\/error\?error=The%20sign-in%20link%20expired/,
      );
    } finally {
      await discord.close();
    }
  });

  it('says how to set it up when no Discord application is configured', async () => {
    writeSetting(t.app.db, 'oauth.discord', { clientId: null, clientSecret: null, apiBase: 'https://discord.com' }, Date.now());
    const res = await get('/api/v1/auth/discord');
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).toMatch(/Discord application client id and secret in Settings/);
  });
});

describe('where the provider sends the browser back', () => {
  it('is the loopback address by default, and the LAN address when the owner chooses it', () => {
    const lan = () => ['192.168.1.20'];
    expect(redirectOrigin('loopback', { protocol: 'http', host: '127.0.0.1:8000' }, lan)).toBe('http://127.0.0.1:8000');
    expect(() => redirectOrigin('loopback', { protocol: 'http', host: '192.168.1.20:8000' }, lan)).toThrow(
      /choose the LAN address in Settings/,
    );
    expect(redirectOrigin('lan', { protocol: 'http', host: 'localhost:8000' }, lan)).toBe('http://192.168.1.20:8000');
    expect(redirectOrigin('lan', { protocol: 'http', host: '192.168.1.20:8000' }, lan)).toBe('http://192.168.1.20:8000');
    expect(() => redirectOrigin('lan', { protocol: 'http', host: '[::1]:8000' }, () => [])).toThrow(/has none/);
  });
});

describe('sign-in settings', () => {
  it('stores the client secret without ever showing it, and lists the redirect URIs to register', async () => {
    const put = (payload: object) => t.app.inject({ method: 'PUT', url: '/system/settings/sign-in', headers: { host: HOST }, payload });
    const saved = await put({
      google: { client_id: 'desk.apps.googleusercontent.com', client_secret: 'GOCSPX-very-secret' },
      return_origins: ['https://studio.example/anything'],
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).not.toContain('GOCSPX-very-secret');
    expect(saved.json().data).toMatchObject({
      google: {
        client_id: 'desk.apps.googleusercontent.com',
        has_secret: true,
        configured: true,
        redirect_uris: [`http://127.0.0.1:8000/social/google/callback`, `http://127.0.0.1:8000/api/v1/auth/google/callback`],
      },
      return_origins: ['https://studio.example'],
      redirect_via: 'loopback',
    });
    // Changing the id alone keeps the stored secret; null forgets it.
    expect((await put({ google: { client_id: 'other-id' } })).json().data.google).toMatchObject({
      client_id: 'other-id',
      has_secret: true,
    });
    expect((await put({ discord: { client_id: '1234', client_secret: null } })).json().data.discord).toMatchObject({ configured: false });
    const bad = await put({ return_origins: ['javascript:alert(1)'] });
    expect(bad.statusCode).toBe(400);
    const lan = (await put({ redirect_via: 'lan' })).json().data;
    expect(lan.redirect_via).toBe('lan');
    // The LAN address is only reachable with sharing on, which the card says.
    expect(lan.lan_sharing).toBe(false);
    expect(lan.google.redirect_uris).toEqual(
      lan.lan_address ? [`http://${lan.lan_address}:8000/social/google/callback`, expect.any(String)] : [],
    );
    const got = await t.app.inject({ url: '/system/settings/sign-in', headers: { host: HOST } });
    expect(got.body).not.toContain('GOCSPX-very-secret');
  });
});
