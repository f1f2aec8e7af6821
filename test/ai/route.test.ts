import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sileroVadModelPath } from '../../src-server/ai/models';
import { detectSpeech } from '../../src-server/ai/pipelines/vad';
import { makeTestApp, type TestApp } from '../helpers/app';
import { readWav } from '../helpers/wav';

const { samples: speech } = readWav(fileURLToPath(new URL('../fixtures/speech-16k.wav', import.meta.url)));

describe('GET /system/ai and app.ai', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('reports providers, no workers until the first request, then the worker and its session', async () => {
    t = await makeTestApp();
    const before = await t.app.inject({ url: '/system/ai' });
    expect(before.statusCode).toBe(200);
    const idle = before.json();
    expect(idle).toMatchObject({ success: true, data: { workers: [], sessions: [] } });
    expect(idle.data.providers.available).toContain('cpu');
    expect(idle.data.providers.available).toContain(idle.data.providers.preferred);

    const result = await detectSpeech(t.app.ai, speech.slice());
    const after = (await t.app.inject({ url: '/system/ai' })).json();
    expect(after.data.workers).toEqual([expect.objectContaining({ capability: 'audio', state: 'idle', restarts: 0, queued: 0 })]);
    expect(after.data.sessions).toEqual([
      expect.objectContaining({
        model: sileroVadModelPath(),
        provider: result.provider,
        requested: idle.data.providers.preferred,
        capability: 'audio',
      }),
    ]);
  });

  it('stops the workers when the server closes', async () => {
    t = await makeTestApp();
    const ai = t.app.ai;
    await detectSpeech(ai, speech.slice());
    await t.close();
    t = undefined;
    expect(ai.status().workers.map((w) => w.state)).toEqual(['stopped']);
  });
});
