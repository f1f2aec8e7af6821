import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from 'cheerio';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { writeSetting } from '../../src-server/db/settings';

/** A real OpenID Connect provider on loopback stands in for Google. */
let t: TestApp;
let idp: http.Server;
let issuer: string;
const HOST = '127.0.0.1:8000';
const CALLBACK = `http://${HOST}/social/google/callback`;

beforeAll(async () => {
  idp = http.createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'atelier-desktop',
        client_secret: 'desktop-secret',
        redirect_uris: [CALLBACK],
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
  writeSetting(
    t.app.db,
    'oauth.google',
    { clientId: 'atelier-desktop', clientSecret: 'desktop-secret', issuer, returnOrigins: ['https://studio.example'] },
    Date.now(),
  );
});
afterAll(async () => {
  await t.close();
  idp.closeAllConnections();
  await new Promise((resolve) => idp.close(resolve));
});

const get = (url: string) => t.app.inject({ url, headers: { host: HOST } });

/** The browser's part at the provider: follow redirects, sign in as `login`, consent, stop at our callback. */
async function browserAtProvider(authUrl: string, login: string): Promise<string> {
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
      if (next.startsWith(CALLBACK)) return next;
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
    writeSetting(t.app.db, 'oauth.google', { clientId: null, clientSecret: null, issuer, returnOrigins: [] }, Date.now());
    const res = await get('/social/google/login');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error_code: 'SOCIAL_001', error_message: expect.stringContaining('Settings') });
  });
});
