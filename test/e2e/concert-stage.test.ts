import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { launchChromium, openPage } from './helpers/browser';
import { startAtelier, type AtelierProcess } from './helpers/server';
import { signUp, uploadTones } from './helpers/concert';
import { hatGlb, performerGlb } from '../stage/glb';

let server: AtelierProcess;
let browser: Browser;
let workDir: string;
/** Where the stage screenshots go, for a person to look at (a temp folder otherwise). */
let shots: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-concert-stage-'));
  shots = process.env.ATELIER_SHOTS_DIR ?? path.join(workDir, 'shots');
  fs.mkdirSync(shots, { recursive: true });
  // WebGL on the CPU: the test machine has no GPU.
  [server, browser] = await Promise.all([startAtelier(), launchChromium(['--use-angle=swiftshader', '--enable-unsafe-swiftshader'])]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (!process.env.ATELIER_SHOTS_DIR) fs.rmSync(workDir, { recursive: true, force: true });
});

interface Pixels {
  /** Share of the picture that is not the stage's dark background. */
  drawn: number;
  /** Pixels of the performer's blue body and of the red hat. */
  blue: number;
  red: number;
}

/** Reads the drawn stage back from a screenshot of its canvas (saved as `name`.png). */
async function stagePixels(stage: Locator, name: string): Promise<Pixels> {
  const canvas = stage.getByTestId('stage-canvas');
  await expect.poll(() => stage.getByTestId('stage-view').getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
  const png = await canvas.screenshot({ path: path.join(shots, `${name}.png`) });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let drawn = 0;
  let blue = 0;
  let red = 0;
  for (let i = 0; i < data.length; i += 3) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    if (Math.abs(r - 0x14) + Math.abs(g - 0x12) + Math.abs(b - 0x1c) > 30) drawn++;
    if (b > 90 && b > r + 40 && b > g + 20) blue++;
    if (r > 120 && r > g + 50 && r > b + 50) red++;
  }
  return { drawn: drawn / (info.width * info.height), blue, red };
}

describe('the concert stage in 3D', () => {
  it('the host dresses the stage from a preset with a preview; a listener and a guest see it; the guest reacts and requests a song the host accepts', async () => {
    const host = await openPage(browser);
    await host.page.goto(`${server.url}/app/sign-up`);
    await signUp(host.page, 'Stella Host');
    await host.page.getByTestId('sidebar-user').waitFor();
    await host.page.goto(`${server.url}/app/concerts`);
    await uploadTones(host.page, workDir, [
      ['Opening Act', 440, 20],
      ['Guest Wish', 330, 20],
    ]);
    const form = host.page.getByTestId('new-concert');
    await form.getByTestId('concert-name-input').fill('Stage Night');
    await form.getByRole('button', { name: 'Add Opening Act' }).click();
    await form.getByTestId('concert-create').click();
    await host.page.waitForURL(/\/app\/concerts\/concert_/);
    const roomId = decodeURIComponent(host.page.url().split('/concerts/')[1]!);
    const panel = host.page.getByTestId('concert-panel');
    const card = panel.getByTestId('concert-accessories');

    // No stage model yet: the host is told listeners see none.
    await card.getByTestId('stage-none').waitFor();

    // Two models into the 3D library, from the card itself.
    for (const [name, bytes] of [
      ['performer', performerGlb()],
      ['party-hat', hatGlb()],
    ] as const) {
      const file = path.join(workDir, `${name}.glb`);
      fs.writeFileSync(file, bytes);
      await card.getByTestId('model-upload').setInputFiles(file);
      await expect.poll(() => card.getByTestId('accessories-note').textContent()).toContain(`${name} is in your 3D models`);
    }
    await card.getByTestId('stage-model').selectOption({ label: 'performer' });
    const bare = await stagePixels(card, 'host-stage-bare');
    expect(bare.drawn).toBeGreaterThan(0.02);
    expect(bare.blue).toBeGreaterThan(200);
    expect(bare.red).toBe(0);

    // A preset to pick from: the hat on the Head socket (offered from the model's own nodes), saved.
    await card.getByLabel('A model from my library').check();
    await card.getByTestId('accessory-model').selectOption({ label: 'party-hat' });
    await expect
      .poll(() => card.locator('datalist option').evaluateAll((o) => o.map((e) => (e as HTMLOptionElement).value)))
      .toEqual(['Performer', 'Head', 'hand_r']);
    await card.getByTestId('accessory-socket').fill('Head');
    await card.getByTestId('add-accessory').click();
    await expect.poll(() => card.getByRole('list', { name: 'Accessories' }).textContent()).toContain('party-hat');
    await card.getByLabel('Preset name').fill('Party hat');
    await card.getByTestId('save-preset').click();
    await expect.poll(() => card.getByTestId('accessories-note').textContent()).toContain('Saved as “Party hat”');
    await card.getByRole('button', { name: 'Remove the Head accessory' }).click();
    await card.getByText('No accessories.').waitFor();

    // The host picks the preset: the preview shows the hat before anything changes.
    await card.getByLabel('A saved preset').check();
    await card.getByTestId('accessory-preset').selectOption({ label: 'Party hat' });
    await card.getByRole('heading', { name: 'Preview' }).waitFor();
    await expect.poll(async () => (await stagePixels(card, 'host-preview')).red, { timeout: 30_000 }).toBeGreaterThan(100);
    await card.getByText('No accessories.').waitFor();
    await card.getByTestId('use-preset').click();
    await expect.poll(() => card.getByRole('list', { name: 'Accessories' }).textContent()).toContain('Head');

    await panel.getByTestId('doors-toggle').click();
    await expect.poll(() => panel.getByTestId('doors-toggle').getAttribute('aria-checked')).toBe('true');
    const url = `${server.url}/app/concert/${encodeURIComponent(roomId)}`;

    // A signed-in listener sees the dressed stage.
    const member = await openPage(browser);
    await member.page.goto(url);
    await member.page.getByTestId('invite-sign-up').click();
    await signUp(member.page, 'Milo Member');
    await member.page.waitForURL(url);
    const memberStage = await stagePixels(member.page.getByTestId('concert-stage'), 'member-stage');
    expect(memberStage.blue).toBeGreaterThan(200);
    expect(memberStage.red).toBeGreaterThan(100);

    // A guest (a display name, no account) sees it too, reacts and asks for a song.
    const guest = await openPage(browser);
    await guest.page.goto(url);
    await guest.page.getByTestId('guest-join').getByLabel('Your name').fill('Gia Guest');
    await guest.page.getByRole('button', { name: 'Join the concert' }).click();
    const guestStage = await stagePixels(guest.page.getByTestId('concert-stage'), 'guest-stage');
    expect(guestStage.blue).toBeGreaterThan(200);
    expect(guestStage.red).toBeGreaterThan(100);
    await guest.page.setViewportSize({ width: 390, height: 844 });
    await guest.page.screenshot({ path: path.join(shots, 'guest-page-390x844.png'), fullPage: true });

    await guest.page.getByTestId('react-🎉').click();
    const requests = panel.getByTestId('panel-requests');
    await expect.poll(() => requests.getByTestId('reaction-feed').textContent()).toContain('🎉Gia Guest');
    await guest.page.getByLabel('Song to request').selectOption({ label: 'Guest Wish' });
    await guest.page.getByTestId('request-song').click();
    await expect.poll(() => requests.textContent()).toContain('asked by Gia Guest');
    await requests.getByRole('button', { name: 'Accept Guest Wish' }).click();
    for (const page of [guest.page, member.page]) {
      await expect
        .poll(() => page.getByTestId('concert-setlist').locator('li .setlist-title').allTextContents())
        .toEqual(['Opening Act', 'Guest Wish']);
    }
    await card.screenshot({ path: path.join(shots, 'host-stage-card.png') });

    // A browser without WebGL gets one line instead of the stage.
    const noGl = await openPage(browser);
    await noGl.page.addInitScript(() => {
      const getContext = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
        return kind.startsWith('webgl') ? null : (getContext as (...a: unknown[]) => unknown).call(this, kind, ...rest);
      } as typeof getContext;
    });
    await noGl.page.goto(url);
    await noGl.page.getByTestId('guest-join').getByLabel('Your name').fill('Nora NoGL');
    await noGl.page.getByRole('button', { name: 'Join the concert' }).click();
    await expect
      .poll(() => noGl.page.getByTestId('concert-stage').textContent(), { timeout: 30_000 })
      .toContain('This browser cannot draw 3D (WebGL is off), so the stage is not shown.');
    expect(await noGl.page.getByTestId('stage-canvas').count()).toBe(0);

    expect([...host.errors, ...member.errors, ...guest.errors, ...noGl.errors]).toEqual([]);
  }, 240_000);
});
