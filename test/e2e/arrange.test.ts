import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { accountOf, fakeMicrophone, openPage, signUpAt } from './helpers/browser';
import { atelierFixture } from './helpers/fixture';
import { melodyIn } from './helpers/melody';
import type { AtelierProcess } from './helpers/server';

let server: AtelierProcess;
let browser: Browser;
let folder: string;
atelierFixture({ folder: 'atelier-arrange-e2e-', prepare: (dir) => fakeMicrophone(melodyIn(dir)) }, (c) => ([server, browser, folder] = c));

/** Where the clips of a lane are: [start, length] in seconds, as the view lays them out. */
const clipsOf = (lane: Locator) =>
  lane
    .getByTestId('clip')
    .evaluateAll((els) => els.map((el) => [Number((el as HTMLElement).dataset.start), Number((el as HTMLElement).dataset.length)]));

/** Pixels per second at the current zoom, from a clip's width and its length. */
const pxPerSecond = (page: Page) =>
  page
    .getByTestId('clip')
    .first()
    .evaluate((el) => el.getBoundingClientRect().width / Number((el as HTMLElement).dataset.length));

/** Where screenshots go: ARRANGE_SHOTS to keep them, else the test's temp folder. */
const shot = (name: string) => path.join(process.env.ARRANGE_SHOTS ?? folder, name);

const version = async (page: Page) => Number(/Version (\d+)/.exec((await page.getByTestId('arrange').textContent()) ?? '')?.[1] ?? 0);

describe('the arrange view', () => {
  it('records two punch-in takes over a loop, edits clips with undo/redo, keeps it all over a reload and exports what the server mixes', async () => {
    const { page, errors } = await openPage(browser);
    await signUpAt(page, server.url, accountOf('Nadia Boulanger', 'fontainebleau 1921 lessons'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Record & Compose' }).click();
    await page.getByLabel('Studio name').fill('Arrangements');
    await page.getByTestId('create-studio').click();
    await page.waitForURL(/\/app\/compose\/\d+$/);
    const arrange = page.getByTestId('arrange');

    // A bed take from the recorder: 120 BPM, no count-in, about 6 s.
    await page.getByLabel('Tempo (BPM)', { exact: true }).fill('120');
    await page.getByLabel('Count-in').selectOption('0');
    await page.getByLabel('Take name').fill('Bed');
    await page.getByTestId('record').click();
    await page.getByTestId('recorder-status').getByText('Recording').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(6000);
    await page.getByTestId('stop-recording').click();
    const bed = arrange.getByTestId('lane').filter({ hasText: 'Bed' });
    await bed.getByTestId('clip').waitFor({ timeout: 20_000 });
    await bed.getByTestId('clip').locator('canvas').waitFor();

    // The grid follows the song: 120 BPM, 4/4 (a bar is 2 s).
    await arrange.getByTestId('arrange-bpm').fill('120');
    await arrange.getByTestId('arrange-bpm').press('Enter');
    await expect.poll(() => version(page), { timeout: 15_000 }).toBe(1);
    const pps = await pxPerSecond(page);
    const ruler = (await page.getByTestId('ruler').boundingBox())!;
    const x = (t: number) => ruler.x + t * pps;

    // Loop bar 2 (2 s … 4 s) by dragging on the ruler; snapping puts it on the beats.
    await page.mouse.move(x(2.1), ruler.y + 14);
    await page.mouse.down();
    await page.mouse.move(x(3), ruler.y + 14, { steps: 4 });
    await page.mouse.move(x(3.9), ruler.y + 14, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => version(page), { timeout: 15_000 }).toBe(2);
    const loop = (await arrange.getByTestId('loop-region').boundingBox())!;
    expect(Math.abs(loop.x - x(2))).toBeLessThan(2);
    expect(Math.abs(loop.width - 2 * pps)).toBeLessThan(2);

    // Two punch-in takes into the bed's lane: each replaces bar 2 and is kept as a take of the lane.
    await bed.locator('.arr-lane-head').click();
    for (const n of [2, 3]) {
      await arrange.getByTestId('punch-in').click();
      await arrange.getByTestId('live-take').waitFor({ timeout: 10_000 });
      if (n === 3) await page.waitForTimeout(1200).then(() => arrange.screenshot({ path: shot('arrange-recording.png') }));
      await expect.poll(() => bed.textContent(), { timeout: 30_000 }).toContain(`${n} takes`);
    }
    const punched = await clipsOf(bed);
    expect(punched.map(([s]) => s)).toEqual([0, 2, 4]);
    expect(punched[1]![1]).toBe(2);
    expect(punched[1]![1]).toBeCloseTo(2, 1);

    // The inspector offers the lane's three takes for the punched clip.
    await bed.getByTestId('clip').nth(1).click();
    await expect.poll(() => arrange.getByTestId('clip-inspector').locator('option').count(), { timeout: 15_000 }).toBe(3);

    // Move the last clip one bar later, trim its end by a beat, split the first one at 1 s.
    const before = await version(page);
    const last = bed.getByTestId('clip').nth(2);
    const box = (await last.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 2 * pps, box.y + box.height / 2, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => (await clipsOf(bed))[2]![0], { timeout: 15_000 }).toBe(6);
    const moved = (await last.boundingBox())!;
    const length = (await clipsOf(bed))[2]![1]!;
    await page.mouse.move(moved.x + moved.width - 3, moved.y + moved.height / 2);
    await page.mouse.down();
    await page.mouse.move(moved.x + moved.width - 3 - 0.5 * pps - 1, moved.y + moved.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => (await clipsOf(bed))[2]![1], { timeout: 15_000 }).toBeLessThan(length!);
    // The page may have scrolled since: read the ruler's place again.
    const rulerNow = (await page.getByTestId('ruler').boundingBox())!;
    await page.mouse.click(rulerNow.x + 1 * pps, rulerNow.y + 14);
    await bed
      .getByTestId('clip')
      .first()
      .click({ position: { x: 20, y: 30 } });
    await page.keyboard.press('s');
    await expect.poll(async () => (await clipsOf(bed)).length, { timeout: 15_000 }).toBe(4);
    await expect.poll(() => version(page), { timeout: 15_000 }).toBe(before + 3);
    const edited = await clipsOf(bed);

    // Undo the split and the trim, then redo the trim.
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await clipsOf(bed)).length, { timeout: 15_000 }).toBe(3);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await clipsOf(bed))[2]![1], { timeout: 15_000 }).toBe(length);
    await page.keyboard.press('Control+y');
    await expect.poll(async () => (await clipsOf(bed))[2]![1], { timeout: 15_000 }).toBeLessThan(length!);
    await page.keyboard.press('Control+y');
    await expect.poll(() => clipsOf(bed), { timeout: 15_000 }).toEqual(edited);

    // A reload finds the arrangement and its history: undo still takes the split back.
    await page.reload();
    await bed.getByTestId('clip').first().waitFor();
    expect(await clipsOf(bed)).toEqual(edited);
    expect(await bed.textContent()).toContain('3 takes');
    await arrange.getByRole('button', { name: /^Undo split clip/ }).click();
    await expect.poll(async () => (await clipsOf(bed)).length, { timeout: 15_000 }).toBe(3);
    await arrange.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => clipsOf(bed), { timeout: 15_000 }).toEqual(edited);

    // Playing moves the playhead and lights the master meter.
    await arrange.getByTestId('arrange-play').click();
    await expect.poll(() => arrange.getByTestId('arrange-position').textContent(), { timeout: 5000 }).not.toContain('0:00.0');
    await arrange.getByTestId('arrange-play').click();

    // Export: the server's mix and the browser's offline render of the same arrangement agree.
    await arrange.screenshot({ path: shot('arrange-light.png') });
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    await arrange.screenshot({ path: shot('arrange-other-theme.png') });
    const download = page.waitForEvent('download');
    await arrange.getByTestId('export-mix').click();
    expect((await download).suggestedFilename()).toBe('Arrangements.wav');
    const result = arrange.getByTestId('export-result');
    await result.waitFor({ timeout: 30_000 });
    expect(Number(await result.getAttribute('data-residual'))).toBeLessThan(-60);

    // Save as song: the mix as heard lands in the studio's songs.
    await arrange.getByLabel('Title of the arranged song').fill('Arranged in bar 2');
    await arrange.getByTestId('save-arrangement').click();
    await page.getByTestId('song-list').getByText('Arranged in bar 2').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});
