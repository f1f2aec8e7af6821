import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { writeTinySd } from '../../src-server/ai/diffusion/tiny/generate';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { toneWav } from '../helpers/wav';
import { openPage, signUpAt, AUTOPLAY, apiFromPage } from './helpers/browser';
import type { AtelierProcess } from './helpers/server';
import { atelierFixture } from './helpers/fixture';

let server: AtelierProcess;
let browser: Browser;
let folder: string;
/** Where screenshots go when SCREENSHOTS is set (to look at them); nothing is written otherwise. */
const shots = process.env.SCREENSHOTS;
const shoot = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
};

atelierFixture(
  {
    folder: 'atelier-activity-e2e-',
    prepare: async (dir) => {
      await writeTinySd(path.join(dir, 'tiny-sd1'), { base: 'sd1' });
      return [AUTOPLAY];
    },
    timeoutMs: 120_000,
  },
  (c) => ([server, browser, folder] = c),
);
beforeAll(async () => {
  await new ModelCatalog(server.dataDir, PLAN_ORDER).installFromFolder(path.join(folder, 'tiny-sd1'), {
    id: 'tiny-sd1',
    type: 'checkpoint',
    meta: { display_name: 'Tiny SD 1.5' },
  });
}, 120_000);

async function signUp(page: Page, name: string): Promise<void> {
  await signUpAt(page, server.url, {
    name,
    email: `${name.split(' ')[0]!.toLowerCase()}-${Date.now()}@example.com`,
    password: 'a quiet evening in 1874',
  });
}

describe('the activity layer', () => {
  it('tells the user, on another page, that an image finished, and links to it; the drawer lists the job', async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, 'Mary Cassatt');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/app\/settings$/);
    // The socket must be listening before the job starts, as it is for anyone using the app.
    await page.getByRole('button', { name: 'Jobs' }).waitFor();
    await expect.poll(() => page.getByTestId('connection-status').getAttribute('data-state')).toBe('online');

    const queued = await apiFromPage<{ success: boolean; data: { job_id?: string; id?: string } }>(page, '/api/v1/generate/text-to-image', {
      method: 'POST',
      body: { prompt: 'a lighthouse at night', width: 64, height: 64, steps: 4, seed: 7 },
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);

    const toast = page.getByTestId('toast').filter({ hasText: 'is ready' });
    await toast.waitFor({ timeout: 120_000 });
    expect(await toast.textContent()).toContain('Image is ready');
    await shoot(page, 'toast-on-settings');
    // Still on Settings: the toast came to the user.
    expect(page.url()).toMatch(/\/app\/settings$/);

    await page.getByRole('button', { name: 'Jobs' }).click();
    const drawer = page.getByRole('dialog', { name: 'Jobs' });
    const job = drawer.getByTestId('drawer-job').first();
    await expect.poll(() => job.textContent()).toContain('Done');
    expect(await job.textContent()).toContain('Image');
    await shoot(page, 'jobs-drawer');
    await page.keyboard.press('Escape');
    expect(await drawer.count()).toBe(0);

    await toast.getByRole('link', { name: 'See the image' }).click();
    await page.waitForURL(/\/app\/images$/);
    expect(errors).toEqual([]);
  }, 180_000);

  it('keeps a song playing in the player bar while the user moves to other pages', async () => {
    const { page, errors } = await openPage(browser);
    await signUp(page, 'Claude Debussy');
    // A saved take, through the same signed upload the studio uses.
    const wav = toneWav(440, 20, 8000, 0.3).toString('base64');
    const saved = await page.evaluate(async (wavBase64) => {
      const auth = { authorization: `Bearer ${localStorage.getItem('atelier.accessToken')}`, 'content-type': 'application/json' };
      const studio = await (
        await fetch('/api/work/studio', { method: 'POST', headers: auth, body: JSON.stringify({ studioName: 'Sketches' }) })
      ).json();
      const ticket = (await (await fetch('/api/song/basic/presignedUrl', { headers: auth })).json()).data;
      const bytes = Uint8Array.from(atob(wavBase64), (c) => c.charCodeAt(0));
      const upload = new URL(ticket.basicSongPresignedUrl);
      await fetch(upload.pathname + upload.search, { method: 'PUT', body: bytes, headers: { 'content-type': 'audio/wav' } });
      const res = await fetch(`/api/song/studios/${studio.data.studioId}/basic/save`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ basicSongFilePath: ticket.basicSongFilePath, name: 'Clair de lune sketch' }),
      });
      return { status: res.status, body: await res.text() };
    }, wav);
    expect(saved.status, saved.body).toBe(201);

    await page.goto(`${server.url}/app/compose/songs`);
    await page.getByRole('button', { name: 'Play across pages: Clair de lune sketch' }).click();
    const bar = page.getByRole('region', { name: 'Now playing' });
    await bar.waitFor();
    const position = () => page.getByTestId('player-audio').evaluate((a) => (a as HTMLAudioElement).currentTime);
    await expect.poll(position).toBeGreaterThan(0.2);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Concerts' }).click();
    await page.waitForURL(/\/app\/concerts$/);
    const before = await position();
    await expect.poll(position).toBeGreaterThan(before + 0.3);
    expect(await page.getByTestId('player-audio').evaluate((a) => (a as HTMLAudioElement).paused)).toBe(false);
    expect(await bar.getByRole('link', { name: 'Clair de lune sketch' }).count()).toBe(1);
    await shoot(page, 'player-on-concerts');
    await bar.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByTestId('player-audio').evaluate((a) => (a as HTMLAudioElement).paused)).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  it('builds share links from the LAN address, offers to turn LAN sharing on, and copies', async () => {
    const { page } = await openPage(browser);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await signUp(page, 'Edgar Degas');
    const created = await apiFromPage<{ roomId: string }>(page, '/api/concert/create', {
      method: 'POST',
      body: { concertName: 'Ballet Night' },
    });
    const roomId = created.body.roomId;

    // This test may not open a real LAN listener: the server's answers about LAN sharing are
    // stood in for (their server side has its own tests); the UI's use of them is what is tested.
    const lanOff = { enabled: false, port: null, addresses: [], bound_to_all_interfaces: false };
    const port = new URL(server.url).port;
    const lanOn = { enabled: true, port: Number(port), addresses: [`http://192.168.1.20:${port}/app/`], bound_to_all_interfaces: false };
    let lan: typeof lanOff | typeof lanOn = lanOff;
    await page.route('**/system/lan', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ success: true, data: (lan = route.request().method() === 'PUT' ? lanOn : lan) }),
      }),
    );

    await page.goto(`${server.url}/app/concerts/${encodeURIComponent(roomId)}`);
    const share = page.getByTestId('concert-share');
    await share.getByTestId('lan-off').waitFor();
    expect(await share.getByTestId('share-link').count()).toBe(0);
    await shoot(page, 'share-lan-off');

    await share.getByTestId('share-turn-on-lan').click();
    const link = share.getByTestId('share-link');
    await link.waitFor();
    const expected = `http://192.168.1.20:${port}/app/concert/${encodeURIComponent(roomId)}`;
    expect(await link.inputValue()).toBe(expected);
    expect(await share.getByTestId('share-qr').locator('svg').count()).toBe(1);
    expect(await share.getByTestId('join-code').textContent()).toMatch(/^[A-Z2-9]{6}$/);
    await share.getByTestId('share-copy').click();
    await expect.poll(() => share.getByTestId('share-copy').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    await shoot(page, 'share-lan-on');
  }, 120_000);

  it('lets a guest on a phone join a concert with just a name, from the link or the join code', async () => {
    const host = await openPage(browser);
    await signUp(host.page, 'Berthe Morisot');
    const created = await apiFromPage<{ roomId: string }>(host.page, '/api/concert/create', {
      method: 'POST',
      body: { concertName: 'Harbour Lights' },
    });
    const roomId = created.body.roomId;
    await apiFromPage(host.page, `/api/concert/${roomId}/toggle-open`, { method: 'POST', body: { isOpen: true } });
    const info = await apiFromPage<{ concert: { joinCode: string } }>(host.page, `/api/concert/${roomId}/info`);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    // By code: the host reads it out, the guest types it in lower case.
    await page.goto(`${server.url}/app/join`);
    await page.getByLabel('Concert code').fill(info.body.concert.joinCode.toLowerCase());
    await page.getByRole('button', { name: 'Find the concert' }).click();
    await page.waitForURL(new RegExp(`/app/concert/${roomId}$`));
    // The invite names the concert before anyone joins.
    await page.getByRole('heading', { name: 'Harbour Lights' }).waitFor();
    expect(await page.getByText('A concert by Berthe Morisot').count()).toBe(1);
    await shoot(page, 'guest-invite-phone');

    const form = page.getByTestId('guest-join');
    await form.getByLabel('Your name').fill('Dana');
    await form.getByRole('button', { name: 'Join the concert' }).click();
    await page.getByTestId('concert-leave').waitFor();
    await shoot(page, 'guest-in-concert-phone');
    await expect
      .poll(
        async () =>
          (await apiFromPage<{ concert: { currentAudience: number } }>(host.page, `/api/concert/${roomId}/info`)).body.concert
            .currentAudience,
      )
      .toBe(1);
    // The page fits the phone: nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The pass is no sign-in: the app itself still asks the guest to sign in.
    await page.goto(`${server.url}/app/images`);
    await page.waitForURL(/\/app\/sign-in/);
    expect(errors).toEqual([]);
    await phone.close();
  }, 120_000);
});
