import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, AUTOPLAY } from './helpers/browser';
import type { AtelierProcess } from './helpers/server';
import { listenerJoins, signUp } from './helpers/concert';
import { toneWav } from '../helpers/wav';
import { atelierFixture } from './helpers/fixture';

let server: AtelierProcess, browser: Browser, workDir: string;
atelierFixture({ folder: 'atelier-concert-songs-', prepare: () => [AUTOPLAY] }, (c) => ([server, browser, workDir] = c));

/** A mono 16-bit PCM WAV of a steady tone. */
function writeTone(file: string, hz: number, seconds: number, sampleRate = 22_050): void {
  fs.writeFileSync(file, toneWav(hz, seconds, sampleRate, 12_000));
}

interface Sample {
  position: number;
  serverNow: number;
  songNum: number | null;
  songStartedAt: number | null;
}

const sample = (page: Page) => page.evaluate('window.__atelierConcert.sample()') as Promise<Sample>;

/** How far ahead of the room's clock a listener plays, seconds: its position minus where the song should be at that instant. */
const lead = (s: Sample) => s.position - (s.serverNow - s.songStartedAt!) / 1000;

describe('a LAN concert in the web UI', () => {
  it('plays the host’s song change in step for every listener and turns away one past the seat limit', async () => {
    const first = path.join(workDir, 'morning-tone.wav');
    const second = path.join(workDir, 'evening-tone.wav');
    writeTone(first, 440, 24);
    writeTone(second, 660, 24);

    const host = await openPage(browser);
    await host.page.goto(`${server.url}/app/sign-up`);
    await signUp(host.page, 'Nina Host');
    await host.page.getByTestId('sidebar-user').waitFor();
    await host.page.goto(`${server.url}/app/concerts`);

    // A fresh install has an empty library: upload both songs from the Concerts area.
    const library = host.page.getByTestId('audio-library');
    // The library card stays where it was once it holds a song: it is the first card on a fresh install.
    const cardOrder = () =>
      host.page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-testid="audio-library"], [data-testid="new-concert"]'), (el) =>
          el.getAttribute('data-testid'),
        ),
      );
    await expect.poll(cardOrder).toEqual(['audio-library', 'new-concert']);
    for (const [file, title] of [
      [first, 'Morning Tone'],
      [second, 'Evening Tone'],
    ] as const) {
      await library.getByTestId('upload-file').setInputFiles(file);
      await library.getByTestId('upload-title').fill(title);
      await library.getByTestId('upload-submit').click();
      await library.getByText(`“${title}” is in the library.`).waitFor();
    }
    expect(await cardOrder()).toEqual(['audio-library', 'new-concert']);
    // Uploaded without an artist: said so, not the file format.
    const listed = library.getByRole('list', { name: 'Songs in the library' });
    expect(await listed.textContent()).toContain('Unknown artist');
    expect(await listed.textContent()).not.toContain('WAV');

    const form = host.page.getByTestId('new-concert');
    await form.getByTestId('concert-name-input').fill('Tones at Dusk');
    await form.getByTestId('concert-seats-input').fill('2');
    await form.getByRole('button', { name: 'Add Evening Tone' }).click();
    await form.getByRole('button', { name: 'Add Morning Tone' }).click();
    await form.getByRole('button', { name: 'Move Morning Tone up' }).click();
    expect(await form.getByTestId('new-setlist').locator('li .track-title').allTextContents()).toEqual(['Morning Tone', 'Evening Tone']);
    await form.getByTestId('concert-create').click();
    await host.page.waitForURL(/\/app\/concerts\/concert_/);
    const roomId = decodeURIComponent(host.page.url().split('/concerts/')[1]!);

    const panel = host.page.getByTestId('concert-panel');
    expect(await panel.getByTestId('panel-setlist').locator('li .track-title').allTextContents()).toEqual(['Morning Tone', 'Evening Tone']);
    // Closed doors: accessories are editable; open: the card says why not.
    const accessories = panel.getByTestId('concert-accessories');
    expect(await accessories.getByTestId('accessories-locked').count()).toBe(0);
    // A model URL outside the library (for an Unreal listen server) is under "Advanced".
    await accessories.getByLabel('A model from my library').check();
    await accessories.getByText('Advanced: offset, rotation, a model URL').click();
    await accessories.getByLabel('Model URL').fill('/models/crown.glb');
    await accessories.getByRole('button', { name: 'Add accessory' }).click();
    await expect.poll(() => accessories.getByRole('list', { name: 'Accessories' }).textContent()).toContain('/models/crown.glb');
    await panel.getByTestId('doors-toggle').click();
    await expect.poll(() => panel.getByTestId('doors-toggle').getAttribute('aria-checked')).toBe('true');
    await accessories.getByTestId('accessories-locked').waitFor();
    expect(await accessories.getByRole('button', { name: 'Add accessory' }).isDisabled()).toBe(true);
    expect(await accessories.getByRole('button', { name: 'Remove the Head accessory' }).isDisabled()).toBe(true);
    // LAN sharing is off by default: the panel says so instead of showing an address nobody can open.
    await panel.getByTestId('lan-off').waitFor();

    const concertUrl = `${server.url}/app/concert/${encodeURIComponent(roomId)}`;
    const ann = await listenerJoins(browser, concertUrl, 'Ann Listener');
    const ben = await listenerJoins(browser, concertUrl, 'Ben Listener');
    for (const { page } of [ann, ben]) {
      await expect.poll(() => page.getByTestId('concert-song-title').textContent()).toBe('Morning Tone');
      expect(await page.getByTestId('concert-doors').textContent()).toBe('Doors open');
      expect(await page.getByTestId('concert-setlist').locator('li .setlist-title').allTextContents()).toEqual([
        'Morning Tone',
        'Evening Tone',
      ]);
    }
    await expect.poll(() => ann.page.getByTestId('concert-audience-count').textContent()).toBe('2 / 2 listening');
    await expect
      .poll(() => panel.getByTestId('panel-audience').getByRole('listitem').allTextContents())
      .toEqual([expect.stringContaining('Ann Listener'), expect.stringContaining('Ben Listener')]);

    await panel.getByTestId('play-2').click();
    await expect.poll(() => panel.getByTestId('panel-now-playing').textContent()).toContain('Evening Tone');
    for (const { page } of [ann, ben]) {
      await expect.poll(() => page.getByTestId('concert-song-title').textContent()).toBe('Evening Tone');
      await expect.poll(async () => (await sample(page)).songNum).toBe(2);
    }

    // Both play the new song, and at one server instant they are at the same place in it.
    let gap = Infinity;
    let samples: Sample[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      samples = await Promise.all([sample(ann.page), sample(ben.page)]);
      const playing = samples.every((s) => s.songNum === 2 && s.songStartedAt !== null && s.position > 4);
      gap = playing ? Math.abs(lead(samples[0]!) - lead(samples[1]!)) : Infinity;
      if (gap < 0.05) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(samples[0]!.songStartedAt).toBe(samples[1]!.songStartedAt);
    expect(gap).toBeLessThan(0.05);
    // Each is where the room's clock says, too, and still moving.
    for (const s of samples) expect(Math.abs(lead(s))).toBeLessThan(0.1);
    const later = await sample(ann.page);
    await new Promise((r) => setTimeout(r, 600));
    expect((await sample(ann.page)).position - later.position).toBeGreaterThan(0.3);

    const carl = await listenerJoins(browser, concertUrl, 'Carl Latecomer');
    await expect.poll(() => carl.page.getByTestId('concert-join-error').textContent()).toBe('Concert is full');

    expect([...host.errors, ...ann.errors, ...ben.errors, ...carl.errors]).toEqual([]);
  }, 120_000);

  it('asks for a tap when the browser will not start audio on its own, then plays in step', async () => {
    // The host sets up through the HTTP API this time: the subject is the listener's page.
    const email = `quiet-host-${Date.now()}@example.com`;
    const post = (url: string, body: unknown, token?: string) =>
      fetch(`${server.url}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post('/api/v1/auth/register', { email, password: 'a long concert password 1', name: 'Quiet Host' })).status).toBe(201);
    const token = (
      (await (await post('/api/v1/auth/login', { email, password: 'a long concert password 1' })).json()) as {
        data: { access_token: string };
      }
    ).data.access_token;
    const song = path.join(workDir, 'quiet-tone.wav');
    writeTone(song, 520, 24);
    const form = new FormData();
    form.append('title', 'Quiet Tone');
    form.append('audio', new Blob([fs.readFileSync(song)]), 'quiet-tone.wav');
    const uploaded = await fetch(`${server.url}/api/audio/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const audioId = ((await uploaded.json()) as { audio_file: { id: number } }).audio_file.id;
    const created = (await (
      await post('/api/concert/create', { concertName: 'Quiet Room', songs: [{ songNum: 1, audioId }] }, token)
    ).json()) as { roomId: string };
    expect((await post(`/api/concert/${created.roomId}/toggle-open`, { isOpen: true }, token)).status).toBe(200);

    // Chromium's usual autoplay policy: no sound before the page has had a gesture.
    const strict = await launchChromium();
    try {
      const signingUp = await openPage(strict);
      const url = `${server.url}/app/concert/${encodeURIComponent(created.roomId)}`;
      await signingUp.page.goto(url);
      await signingUp.page.getByTestId('invite-sign-up').click();
      await signUp(signingUp.page, 'Dana Listener');
      await signingUp.page.waitForURL(url);
      // Clicking "Create account" counts as having interacted with the site, which Chromium lets
      // play audio even after a reload: the session moves to a tab that has had no gesture.
      const session = await signingUp.page.context().storageState();
      await signingUp.page.context().close();
      const listener = await openPage(strict, session);
      // Playwright's queries count as gestures in Chromium, so nothing may look at the page before
      // it has tried to play: the page reports the button itself.
      await listener.page.addInitScript(() => {
        const seen = new MutationObserver(() => {
          const tap = document.querySelector('[data-testid="concert-tap"]');
          if (!tap) return;
          seen.disconnect();
          console.log(`tap shown: ${tap.textContent}`);
        });
        seen.observe(document, { childList: true, subtree: true });
      });
      const shown = listener.page.waitForEvent('console', { predicate: (m) => m.text().startsWith('tap shown'), timeout: 30_000 });
      await listener.page.goto(url);
      expect((await shown).text()).toBe('tap shown: Tap to listen');
      // Silent until the tap: the position stands still.
      const waiting = await sample(listener.page);
      await new Promise((r) => setTimeout(r, 600));
      expect((await sample(listener.page)).position).toBeCloseTo(waiting.position, 3);
      // Yet the card shows where the room is, not 0:00 (read without a gesture).
      const shownTime = () =>
        listener.page.evaluate(
          () => document.querySelector('[data-testid="concert-now-playing"] .progress-times span')?.textContent ?? null,
        );
      await expect.poll(shownTime, { timeout: 5000 }).toMatch(/^0:0[1-9]|^0:[1-5]\d/);
      const tap = listener.page.getByTestId('concert-tap');
      await tap.click();
      await tap.waitFor({ state: 'detached' });
      await expect.poll(async () => Math.abs(lead(await sample(listener.page))), { timeout: 15_000 }).toBeLessThan(0.1);
      const before = await sample(listener.page);
      await new Promise((r) => setTimeout(r, 600));
      expect((await sample(listener.page)).position - before.position).toBeGreaterThan(0.3);
      expect(listener.errors).toEqual([]);
    } finally {
      await strict.close();
    }
  }, 120_000);
});
