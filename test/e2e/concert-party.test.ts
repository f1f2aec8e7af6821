import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openPage, AUTOPLAY } from './helpers/browser';
import type { AtelierProcess } from './helpers/server';
import { listenerJoins, signUp, uploadTones } from './helpers/concert';
import { atelierFixture } from './helpers/fixture';

let server: AtelierProcess, browser: Browser, workDir: string;
atelierFixture({ folder: 'atelier-concert-party-', prepare: () => [AUTOPLAY] }, (c) => ([server, browser, workDir] = c));
/** Screenshots of the host's and a listener's screens, for a person to look at. */
const shots = process.env.ATELIER_SHOTS_DIR;

interface Sample {
  position: number;
  serverNow: number;
  songNum: number | null;
  songStartedAt: number | null;
  pausedPositionMs: number | null;
  paused: boolean;
}

const sample = (page: Page) => page.evaluate('window.__atelierConcert.sample()') as Promise<Sample>;
/** Seconds ahead of the room clock: position minus where the song should be at that server instant. */
const lead = (s: Sample) =>
  s.position - (s.pausedPositionMs !== null ? s.pausedPositionMs / 1000 : (s.serverNow - s.songStartedAt!) / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every listener on `songNum`, playing, within `tolerance` s of the room clock and within 50 ms of
 * each other (the machine is loaded: retried until then, for up to 30 s; the second song lasts 12 s so a
 * loaded machine can settle on it before it ends by itself).
 */
async function allInStep(pages: Page[], songNum: number, tolerance = 0.1): Promise<Sample[]> {
  let samples: Sample[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    samples = await Promise.all(pages.map(sample));
    const leads = samples.map(lead);
    const spread = Math.max(...leads) - Math.min(...leads);
    const playing = samples.every((s) => s.songNum === songNum && !s.paused && s.position > 0.5);
    if (playing && spread < 0.05 && leads.every((l) => Math.abs(l) < tolerance)) return samples;
    await sleep(250);
  }
  throw new Error(`listeners not in step on song ${songNum}: ${JSON.stringify(samples)}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  for (const [w, h] of [
    [1440, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await sleep(300);
    await page.screenshot({ path: path.join(shots, `${name}-${w}x${h}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe('a concert as a listening party', () => {
  it('the host pauses, skips and songs advance by themselves with three listeners following within 50 ms; a listener reacts and requests a song the host accepts', async () => {
    const songs = [
      ['Long Intro', 440, 30],
      ['Short Bridge', 550, 12],
      ['Finale', 660, 30],
      ['Requested Tune', 330, 20],
    ] as const;
    const host = await openPage(browser);
    await host.page.goto(`${server.url}/app/sign-up`);
    await signUp(host.page, 'Petra Host');
    await host.page.getByTestId('sidebar-user').waitFor();
    await host.page.goto(`${server.url}/app/concerts`);
    await uploadTones(host.page, workDir, songs);
    const form = host.page.getByTestId('new-concert');
    await form.getByTestId('concert-name-input').fill('Party Tones');
    for (const [title] of songs.slice(0, 3)) await form.getByRole('button', { name: `Add ${title}` }).click();
    await form.getByTestId('concert-create').click();
    await host.page.waitForURL(/\/app\/concerts\/concert_/);
    const roomId = decodeURIComponent(host.page.url().split('/concerts/')[1]!);
    const panel = host.page.getByTestId('concert-panel');
    await panel.getByTestId('doors-toggle').click();
    await expect.poll(() => panel.getByTestId('doors-toggle').getAttribute('aria-checked')).toBe('true');

    const url = `${server.url}/app/concert/${encodeURIComponent(roomId)}`;
    const ann = await listenerJoins(browser, url, 'Ann Listener');
    const ben = await listenerJoins(browser, url, 'Ben Listener');
    const cleo = await listenerJoins(browser, url, 'Cleo Listener');
    const listeners = [ann.page, ben.page, cleo.page];
    await allInStep(listeners, 1);
    for (const page of listeners) {
      await page.getByTestId('cover-art').first().waitFor();
      expect(await page.getByTestId('up-next').locator('.setlist-title').allTextContents()).toEqual(['Short Bridge', 'Finale']);
      await expect.poll(() => page.getByTestId('sync-indicator').textContent()).toMatch(/In sync · [+−]\d+ ms/);
    }
    // Ann turns her own volume down; Ben's stays.
    await ann.page.getByTestId('concert-volume').fill('0.3');
    expect(await ann.page.getByTestId('concert-audio').evaluate((a: HTMLAudioElement) => a.volume)).toBeCloseTo(0.3);
    expect(await ben.page.getByTestId('concert-audio').evaluate((a: HTMLAudioElement) => a.volume)).toBe(1);

    // Pause: everyone holds still at the same place the room holds.
    const transport = panel.getByTestId('host-transport');
    await transport.getByTestId('transport-toggle').click();
    await expect.poll(() => transport.getByTestId('transport-toggle').textContent()).toContain('Resume');
    for (const page of listeners) {
      await expect.poll(async () => (await sample(page)).paused).toBe(true);
      await expect.poll(async () => Math.abs(lead(await sample(page)))).toBeLessThan(0.1);
    }
    const held = await sample(ann.page);
    await sleep(800);
    expect((await sample(ann.page)).position).toBeCloseTo(held.position, 2);
    await expect.poll(() => ann.page.getByTestId('sync-indicator').textContent()).toBe('Paused by the host');

    // Resume, then skip: both follow, in step with the room clock.
    await transport.getByTestId('transport-toggle').click();
    await allInStep(listeners, 1);
    await transport.getByTestId('transport-next').click();
    await allInStep(listeners, 2);
    for (const page of listeners) await expect.poll(() => page.getByTestId('concert-song-title').textContent()).toBe('Short Bridge');

    // The 12 s song ends and the room moves on by itself; listeners follow without the host.
    await allInStep(listeners, 3);
    for (const page of listeners) await expect.poll(() => page.getByTestId('concert-song-title').textContent()).toBe('Finale');
    await expect.poll(() => panel.getByTestId('panel-now-playing').textContent()).toContain('Finale');

    // Ann reacts: the host and Ben see it, with her name.
    await ann.page.getByTestId('react-🔥').click();
    for (const feed of [panel.getByTestId('panel-requests').getByTestId('reaction-feed'), ben.page.getByTestId('reaction-feed')]) {
      await expect.poll(() => feed.textContent()).toContain('🔥Ann Listener');
    }

    // Ann requests a song; the host accepts it and it joins the end of the set list for everyone.
    await ann.page.getByLabel('Song to request').selectOption({ label: 'Requested Tune' });
    await ann.page.getByTestId('request-song').click();
    const requests = panel.getByTestId('panel-requests');
    await expect.poll(() => requests.textContent()).toContain('asked by Ann Listener');
    await screenshot(host.page, 'party-host');
    await screenshot(ann.page, 'party-listener');
    await requests.getByRole('button', { name: 'Accept Requested Tune' }).click();
    await expect.poll(() => requests.textContent()).toContain('No requests yet.');
    for (const page of listeners) {
      await expect
        .poll(() => page.getByTestId('concert-setlist').locator('li .setlist-title').allTextContents())
        .toEqual(['Long Intro', 'Short Bridge', 'Finale', 'Requested Tune']);
      await expect.poll(() => page.getByTestId('up-next').locator('.setlist-title').allTextContents()).toEqual(['Requested Tune']);
    }

    // The host ends the concert: listeners are told.
    await transport.getByTestId('end-concert').click();
    await transport.getByTestId('end-concert-confirm').click();
    await host.page.waitForURL(/\/app\/concerts$/);
    for (const page of listeners)
      await expect.poll(() => page.getByTestId('concert-ended').textContent()).toContain('The host ended this concert');

    expect([...host.errors, ...ann.errors, ...ben.errors, ...cleo.errors]).toEqual([]);
  }, 180_000);
});
