// Issue #17: the arrange view's frame time while 8 tracks play, in headless Chromium on the built UI.
// `npx tsx bench/arrange.ts` (after `npm run build`); `npm run bench` runs it too.
import { chromium } from 'playwright-core';
import { resolveTestBrowser } from '../test/e2e/helpers/test-browser';
import { BROWSER_ARGS } from '../test/e2e/helpers/browser-args';
import { signedInContext } from '../test/e2e/helpers/signed-in';
import { encodeWav } from '../src-server/media/wav';
import { cleanUp, pct, runAlone, startServer, type Print } from './lib';

const TRACKS = 8;
const SECONDS = 40;
const RATE = 48_000;
const MEASURE_MS = 6000;

/** A mono WAV: a tone with a pulse, different per track, so every waveform has shape. */
function take(n: number): Buffer {
  const f = 110 * (1 + n / 4);
  const rate = 1 + (n % 3);
  const samples = Float32Array.from({ length: SECONDS * RATE }, (_, i) => {
    const t = i / RATE;
    return 0.09 * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t * rate))) * Math.sin(2 * Math.PI * f * t);
  });
  return encodeWav(samples, RATE);
}

export async function runArrangeBench(print: Print): Promise<void> {
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: resolveTestBrowser().executablePath,
    headless: true,
    args: [...BROWSER_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const json = async (method: string, url: string, body?: unknown, token?: string) => {
      const res = await fetch(`${server.url}${url}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { data: Record<string, unknown> }).data;
    };
    const account = { email: 'arrange@bench.local', password: 'bench password 1', name: 'Arranger' };
    await json('POST', '/api/v1/auth/register', account);
    const tokens = (await json('POST', '/api/login', { email: account.email, password: account.password })) as {
      access_token: string;
      refresh_token: string;
    };
    const token = tokens.access_token;
    const studio = (await json('POST', '/api/work/studio', { studioName: 'Eight tracks' }, token)) as { studioId: number };
    for (let n = 0; n < TRACKS; n++) {
      const created = (await json(
        'POST',
        `/api/work/track/${studio.studioId}`,
        { trackName: `Track ${n + 1}`, instrument: 'synth' },
        token,
      )) as {
        trackPresignedUrl: string;
        recordPresignedUrl: string;
      };
      const bytes = take(n);
      for (const url of [created.trackPresignedUrl, created.recordPresignedUrl]) {
        const res = await fetch(url.replace(/^http:\/\/[^/]+/, server.url), { method: 'PUT', body: new Uint8Array(bytes) });
        if (!res.ok) throw new Error(`upload: ${res.status}`);
      }
    }
    await json('GET', `/api/work/studio/${studio.studioId}`, undefined, token);

    const context = await signedInContext(browser, tokens, { viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/app/compose/${studio.studioId}`);
    const arrange = page.getByTestId('arrange');
    await arrange
      .getByTestId('clip')
      .nth(TRACKS - 1)
      .locator('canvas')
      .waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    const measure = async (): Promise<{ work: number[]; intervals: number[] }> => {
      // A string, not a function: tsx's name helper would not exist in the page.
      return (await page.evaluate(`new Promise((resolve) => {
      const work = [];
      const intervals = [];
      const channel = new MessageChannel();
      let start = 0;
      let last = 0;
      channel.port1.onmessage = () => work.push(performance.now() - start);
      const end = performance.now() + ${MEASURE_MS};
      const frame = (ts) => {
        if (last) intervals.push(ts - last);
        last = ts;
        start = ts;
        channel.port2.postMessage(null);
        if (performance.now() < end) requestAnimationFrame(frame);
        else setTimeout(() => resolve({ work, intervals }), 50);
      };
      requestAnimationFrame(frame);
    })`)) as { work: number[]; intervals: number[] };
    };
    // The same page standing still: what this machine's load alone costs a frame.
    const idle = await measure();
    await arrange.getByTestId('arrange-play').click();
    const frames = await measure();
    const moved = await arrange.getByTestId('arrange-position').textContent();
    if (!moved || moved.includes('0:00.0')) throw new Error('the arrangement did not play');
    print(
      `arrange view, ${TRACKS} tracks playing: frame time p50 / p95 (ms, target p95 < 16)`,
      `${pct(frames.work, 50).toFixed(2)} / ${pct(frames.work, 95).toFixed(2)} over ${frames.work.length} frames`,
    );
    print(
      'arrange view standing still (baseline): frame time p50 / p95 (ms)',
      `${pct(idle.work, 50).toFixed(2)} / ${pct(idle.work, 95).toFixed(2)}`,
    );
    print(
      'arrange view: frame interval p50 / p95 (ms), frames over 20 ms',
      `${pct(frames.intervals, 50).toFixed(1)} / ${pct(frames.intervals, 95).toFixed(1)}, ${frames.intervals.filter((i) => i > 20).length}`,
    );
  } finally {
    await browser.close();
    await cleanUp(null, server, [server.dataDir]);
  }
}

runAlone(import.meta.url, runArrangeBench);
