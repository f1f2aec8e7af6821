import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';

let server: AtelierProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
  // An account exists already, so these tests see sign-in rather than the first-run welcome (test/e2e/first-run.test.ts).
  await apiSignUp(`owner-${Date.now()}@example.com`, 'the first account 1', 'Owner');
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The message the server itself gives for a refused request, so the test checks the UI shows exactly that. */
async function serverMessage(
  path: string,
  body: unknown,
  { method = 'POST', token }: { method?: string; token?: string } = {},
): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}${path}`, { method, headers, body: JSON.stringify(body) });
  const json = (await res.json()) as { success: boolean; error?: { message: string } };
  expect(json.success).toBe(false);
  return json.error!.message;
}

async function apiSignUp(email: string, password: string, name: string): Promise<{ access_token: string; refresh_token: string }> {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/api/v1/auth/register', { email, password, name })).status).toBe(201);
  const login = await post('/api/v1/auth/login', { email, password });
  return ((await login.json()) as { data: { access_token: string; refresh_token: string } }).data;
}

const stored = (page: Page, key: string) => page.evaluate(`localStorage.getItem(${JSON.stringify(key)})`) as Promise<string | null>;

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe('account in the web UI', () => {
  it('signs up, signs in, edits the profile name and still shows it after a reload', async () => {
    const { page, errors } = await openPage(browser);
    const email = `ada-${Date.now()}@example.com`;
    const password = 'analytical engine 1843';

    await page.goto(`${server.url}/app/`);
    await page.waitForURL(/\/app\/sign-in$/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();

    // Signed in straight away, in the shell.
    await expect.poll(() => page.getByTestId('sidebar-user').textContent()).toBe('Ada Lovelace');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/app\/sign-in$/);
    await signIn(page, email, password);
    await expect.poll(() => page.getByTestId('sidebar-user').textContent()).toBe('Ada Lovelace');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/app\/account$/);
    const nameInput = page.getByLabel('Name', { exact: true });
    await expect.poll(() => nameInput.inputValue()).toBe('Ada Lovelace');
    await nameInput.fill('Ada King');
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-saved').waitFor();

    await page.reload();
    await expect.poll(() => page.getByTestId('account-name').textContent()).toBe('Ada King');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Ada King');
    expect(await page.getByTestId('sidebar-user').textContent()).toBe('Ada King');
    expect(errors).toEqual([]);
  });

  it('shows the server’s own message for a wrong password', async () => {
    const email = `grace-${Date.now()}@example.com`;
    await apiSignUp(email, 'cobol 1959 compiler', 'Grace Hopper');
    const expected = await serverMessage('/api/v1/auth/login', { email, password: 'not my password 1' });

    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/app/sign-in`);
    await signIn(page, email, 'not my password 1');

    const alert = page.getByTestId('auth-error');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toBe(expected);
    expect(page.url()).toMatch(/\/app\/sign-in$/);
    expect(errors).toEqual([]);
  });

  it('deletes the account only with the right password', async () => {
    const email = `alan-${Date.now()}@example.com`;
    const password = 'enigma bombe 1940';
    const other = await apiSignUp(`alan-other-${Date.now()}@example.com`, password, 'Other');
    const wrongPassword = await serverMessage(
      '/api/users',
      { password: 'wrong password 1' },
      { method: 'DELETE', token: other.access_token },
    );
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/app/sign-up`);
    await page.getByLabel('Name', { exact: true }).fill('Alan Turing');
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('sidebar-user').waitFor();

    await page.goto(`${server.url}/app/account`);
    const card = page.getByTestId('delete-account');
    await card.getByRole('button', { name: 'Delete account…' }).click();
    await card.getByLabel('Your password').fill('wrong password 1');
    await card.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toBe(wrongPassword);

    await card.getByLabel('Your password').fill(password);
    await card.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(/\/app\/sign-in/);
    await page.getByText('Your account and everything in it were deleted.').waitFor();

    // The account is gone on the server, not only forgotten by the page.
    expect(await serverMessage('/api/v1/auth/login', { email, password })).toBe('E-mail or password is incorrect');
    expect(errors).toEqual([]);
  });

  it('refreshes a refused access token once, and signs out when the refresh token was already used', async () => {
    const email = `edsger-${Date.now()}@example.com`;
    const password = 'shortest path 1959';
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/app/sign-in`);
    await apiSignUp(email, password, 'Edsger Dijkstra');
    await signIn(page, email, password);
    await page.getByTestId('sidebar-user').waitFor();
    const firstRefresh = await stored(page, 'atelier.refreshToken');

    // A refused access token: the client refreshes, stores the rotated pair and carries on.
    await page.evaluate(`localStorage.setItem('atelier.accessToken', 'not-a-token')`);
    await page.goto(`${server.url}/app/account`);
    await expect.poll(() => page.getByTestId('account-name').textContent()).toBe('Edsger Dijkstra');
    // The live-updates socket also met the refused token; once it is back online every refresh has
    // landed, so the tampering below is not overwritten by a late one.
    await page.locator('[data-testid="connection-status"][data-state="online"]').waitFor();
    const secondRefresh = await stored(page, 'atelier.refreshToken');
    expect(secondRefresh).toBeTruthy();
    expect(secondRefresh).not.toBe(firstRefresh);

    // Presenting the used refresh token is refused: the page signs out and says why.
    await page.evaluate(
      `localStorage.setItem('atelier.accessToken', 'not-a-token'); localStorage.setItem('atelier.refreshToken', ${JSON.stringify(firstRefresh)})`,
    );
    await page.reload();
    await page.waitForURL(/\/app\/sign-in/);
    await page.getByText('Your session has ended. Sign in again.').waitFor();
    expect(await stored(page, 'atelier.refreshToken')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('shows a weak-password refusal under the password field', async () => {
    const expected = await serverMessage('/api/v1/auth/register', {
      email: `weak-${Date.now()}@example.com`,
      password: 'short',
      name: 'W',
    });

    const { page } = await openPage(browser);
    await page.goto(`${server.url}/app/sign-up`);
    await page.getByLabel('Name', { exact: true }).fill('Weak Password');
    await page.getByLabel('E-mail', { exact: true }).fill(`weak-ui-${Date.now()}@example.com`);
    const passwordInput = page.getByLabel('Password', { exact: true });
    await passwordInput.fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect.poll(() => passwordInput.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await passwordInput.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy.split(' ')[0]}"]`).textContent()).toBe(expected);
  });
});
