import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';

/** A browser context whose pages open signed in with these tokens, kept where the UI keeps them. */
export async function signedInContext(
  browser: Browser,
  tokens: { access_token: string; refresh_token: string },
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addInitScript(
    ([access, refresh]) => {
      localStorage.setItem('atelier.accessToken', access!);
      localStorage.setItem('atelier.refreshToken', refresh!);
    },
    [tokens.access_token, tokens.refresh_token],
  );
  return context;
}
