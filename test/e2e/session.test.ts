import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';

let server: AtelierProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a session the server refuses for a while', () => {
  it('says the account hit its request limit, not that the server is gone', async () => {
    // Image Studio's seed counts every canvas route against the account's plan (Free: 30 a minute).
    const email = `busy-${Date.now()}@example.com`;
    const password = 'busy bee password 42';
    expect((await post('/api/v1/auth/register', { email, password, name: 'Busy Bee' })).status).toBe(201);
    const login = (await (await post('/api/v1/auth/login', { email, password })).json()) as { data: { access_token: string } };
    const me = () => fetch(`${server.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${login.data.access_token}` } });
    let refused: Response | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await me();
      if (res.status === 429) refused = res;
    }
    expect(refused?.status).toBe(429);

    const { page } = await openPage(browser);
    await page.goto(`${server.url}/app/sign-in`);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    const alert = page.getByRole('alert');
    await expect.poll(() => alert.locator('h1').textContent()).toBe('Atelier could not open your session');
    expect(await alert.textContent()).not.toContain('not answering');
    expect(await alert.textContent()).toMatch(/request|limit|try again/i);
  });
});
