import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';
import { toneWav } from '../helpers/wav';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: AtelierProcess;
let browser: Browser;
let workDir: string;
let tokens: { access_token: string; refresh_token: string };
let studioId: number;
let roomId: string;

const post = (url: string, body: unknown, token?: string) =>
  fetch(`${server.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-axe-'));
  [server, browser] = await Promise.all([startAtelier(), launchChromium()]);
  const email = `axe-${Date.now()}@example.com`;
  expect((await post('/api/v1/auth/register', { email, password: 'contrast for everyone 1', name: 'Axel Checker' })).status).toBe(201);
  tokens = ((await (await post('/api/v1/auth/login', { email, password: 'contrast for everyone 1' })).json()) as { data: typeof tokens })
    .data;
  const token = tokens.access_token;

  const studio = (await (await post('/api/work/studio', { studioName: 'Contrast Sessions' }, token)).json()) as {
    data?: { studioId: number };
    studioId?: number;
  };
  studioId = studio.data?.studioId ?? studio.studioId!;

  const form = new FormData();
  form.append('title', 'Steady Tone');
  form.append('audio', new Blob([toneWav(440, 3, 22_050, 9_000)]), 'steady-tone.wav');
  const uploaded = await fetch(`${server.url}/api/audio/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const audioId = ((await uploaded.json()) as { audio_file: { id: number } }).audio_file.id;
  const concert = (await (
    await post('/api/concert/create', { concertName: 'Open Rehearsal', songs: [{ songNum: 1, audioId }] }, token)
  ).json()) as {
    roomId: string;
  };
  roomId = concert.roomId;
  expect((await post(`/api/concert/${roomId}/toggle-open`, { isOpen: true }, token)).status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe on what the page shows now; answers the violations a user would be hurt by. */
async function audit(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`)) as Violation[];
  return violations
    .filter((v) => v.id === 'color-contrast' || v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}) ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`),
    );
}

const SIGNED_IN = () => [
  '/compose',
  '/compose/songs',
  `/compose/${studioId}`,
  '/concerts',
  `/concerts/${encodeURIComponent(roomId)}`,
  `/concert/${encodeURIComponent(roomId)}`,
  '/images',
  '/stories',
  '/promo',
  '/models',
  '/settings',
  '/account',
];

describe.each(['light', 'dark'] as const)('every screen in the %s theme', (theme) => {
  it('has no contrast violation and nothing serious or critical for axe', async () => {
    const signedOut = await openPage(browser);
    await signedOut.page.addInitScript((t) => localStorage.setItem('atelier.theme', t), theme);
    const found: string[] = [];
    for (const route of ['/sign-in', '/sign-up']) {
      await signedOut.page.goto(`${server.url}/app${route}`);
      await signedOut.page.getByRole('heading', { level: 1 }).first().waitFor();
      found.push(...(await audit(signedOut.page)).map((v) => `${route}: ${v}`));
    }
    await signedOut.page.context().close();

    const { page } = await openPage(browser);
    await page.addInitScript(
      ([t, access, refresh]) => {
        localStorage.setItem('atelier.theme', t!);
        localStorage.setItem('atelier.accessToken', access!);
        localStorage.setItem('atelier.refreshToken', refresh!);
      },
      [theme, tokens.access_token, tokens.refresh_token],
    );
    for (const route of SIGNED_IN()) {
      await page.goto(`${server.url}/app${route}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      // Lazy areas and their first requests settle before the check.
      await page.waitForLoadState('networkidle');
      found.push(...(await audit(page)).map((v) => `${route}: ${v}`));
    }
    await page.context().close();
    expect(found).toEqual([]);
  }, 240_000);
});
