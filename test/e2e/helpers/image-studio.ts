import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Creates an account in the browser and waits for the signed-in shell; returns its e-mail. */
export async function signUpInBrowser(page: Page, url: string, name: string): Promise<string> {
  const email = `${name.split(' ')[0]!.toLowerCase()}-${Date.now()}@example.com`;
  await page.goto(`${url}/app/sign-up`);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill('impressions at sunrise 1872');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('sidebar-user').waitFor();
  return email;
}

/** An image's detail as the page's own session reads it. */
export const apiGet = (page: Page, url: string): Promise<{ width: number; height: number; metadata: Record<string, unknown> }> =>
  page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${localStorage.getItem('atelier.accessToken')}` } });
    return (await response.json()).data;
  }, url);

export const openImageStudio = (page: Page) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Image Studio' }).click();

/**
 * Waits until the queue lists `jobs` jobs and the one the viewer follows has ended, and checks it
 * completed (the viewer's text says why when not).
 */
export async function jobsFinished(page: Page, jobs: number): Promise<void> {
  const status = page.getByTestId('job-status');
  // The request itself may take a while on a loaded machine (an outpaint extends its source first).
  await expect.poll(() => page.getByTestId('queue-item').count(), { timeout: 30_000 }).toBe(jobs);
  await expect.poll(() => status.getAttribute('data-status'), { timeout: 120_000 }).toMatch(/completed|failed|cancelled/);
  expect(await status.getAttribute('data-status'), (await page.getByTestId('progress-panel').textContent()) ?? '').toBe('completed');
}
