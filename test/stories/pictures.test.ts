import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src-server/ai/diffusion/catalog';
import { PLAN_ORDER } from '../../src-server/auth/plans';
import { writeTinySd } from '../../src-server/ai/diffusion/tiny/generate';
import { bearer, makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import { postStory, settled } from './helpers';

// Chapter pictures drawn by the Image Studio's engine: a tiny random-weight SD 1.5 in the layout
// of a real ONNX export, run by the production AI pool's worker.

let modelDir: string;
let t: TestApp;
let user: SignedIn;

beforeAll(async () => {
  modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atelier-stories-sd-'));
  await writeTinySd(path.join(modelDir, 'sd1'), { base: 'sd1' });
  t = await makeTestApp(
    {},
    {
      setup: async (app) =>
        void (await new ModelCatalog(app.config.dataDir, PLAN_ORDER).installFromFolder(path.join(modelDir, 'sd1'), {
          id: 'tiny-sd1',
          type: 'checkpoint',
        })),
    },
  );
  user = await signUp(t.app);
});
afterAll(async () => {
  await t.close();
  fs.rmSync(modelDir, { recursive: true, force: true });
});

describe('chapter pictures', () => {
  it('draws one PNG per chapter, served by a signed Range URL, and removes them with the story', async () => {
    const res = await postStory(t.app, user.accessToken, {
      user_preferences: { length: 'short', language: 'en', picture_style: 'crayon', characters: ['a brave rabbit'] },
    });
    const story = await settled(t.app, user.accessToken, res.json().data.id);
    expect(story.status).toBe('completed');
    expect(story.chapters).toHaveLength(4);
    for (const c of story.chapters) {
      expect(c.image).toMatchObject({ object: 'file', type: 'internal' });
      expect(c.audio).toBeNull();
    }
    const url = new URL((story.chapters[0]!.image as { url: string }).url);
    const png = await t.app.inject({ method: 'GET', url: url.pathname + url.search });
    expect(png.statusCode).toBe(200);
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const part = await t.app.inject({ method: 'GET', url: url.pathname + url.search, headers: { range: 'bytes=0-7' } });
    expect(part.statusCode).toBe(206);
    const keys = story.chapters.map((c) => `stories/${user.id}/${story.id}/chapter-${c.chapter_number}.png`);
    for (const key of keys) expect(await t.app.storage.stat(key)).not.toBeNull();
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/stories/${story.id}`, headers: bearer(user.accessToken) })).statusCode,
    ).toBe(204);
    for (const key of keys) expect(await t.app.storage.stat(key)).toBeNull();
  });

  it('refuses an unknown picture style', async () => {
    const res = await postStory(t.app, user.accessToken, { user_preferences: { picture_style: 'oil' } });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });
});
