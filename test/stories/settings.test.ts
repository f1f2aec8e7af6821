import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storiesStories } from '../../src-server/db/schema';
import { chatModelsRoot } from '../../src-server/families/stories/engines/slot';
import { ClonedVoiceStore } from '../../src-server/families/stories/conversation/cloned-voice';
import { ttsModelsRoot } from '../../src-server/families/stories/engines/narrator';
import { bearer, makeTestApp, signUp, type SignedIn, type TestApp } from '../helpers/app';
import { requests } from '../helpers/inject';
import { getStory, postStory, settled } from './helpers';
import { writeTinySupertonic } from './tiny-supertonic';

describe('the parent panel’s settings, retention and export errors', () => {
  let t: TestApp;
  /** Requests with a user's access token. */
  const as = (token: string) => requests(() => t.app).as({ headers: bearer(token) });
  let parent: SignedIn;
  let other: SignedIn;
  const settings = (user: SignedIn, method: 'GET' | 'PATCH' = 'GET', payload?: object) =>
    t.app.inject({ method, url: '/api/v1/stories/settings', headers: bearer(user.accessToken), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await makeTestApp();
    parent = await signUp(t.app, { name: 'Parent' });
    other = await signUp(t.app, { name: 'Other' });
  });
  afterAll(async () => t.close());

  it('starts with nothing kept forever decided, no consent and no models', async () => {
    const res = await settings(parent);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({
      retention_days: null,
      narrator_voice: null,
      voice_consent_at: null,
      voice_match: null,
      cloned_voice: null,
      age_band: null,
      language: null,
      picture_style: 'picture_book',
      models: [],
    });
  });

  it('lists installed models with their licences, non-commercial ones flagged', async () => {
    const chat = path.join(chatModelsRoot(t.dataDir), 'exaone');
    fs.mkdirSync(path.join(chat, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_q4.onnx'])
      fs.writeFileSync(path.join(chat, f), '{}');
    fs.writeFileSync(path.join(chat, 'README.md'), '---\nlicense: other\nlicense_name: exaone\n---\n# EXAONE');
    await writeTinySupertonic(path.join(ttsModelsRoot(t.dataDir), 'supertonic-2'));
    const models = (await settings(parent)).json().data.models;
    expect(models).toEqual([
      { kind: 'chat', name: 'exaone', licence: 'exaone', non_commercial: true, voices: [] },
      {
        kind: 'narration',
        name: 'supertonic-2',
        licence: expect.stringMatching(/OpenRAIL-M/),
        non_commercial: false,
        voices: ['F1', 'M1'],
      },
    ]);
    fs.rmSync(chatModelsRoot(t.dataDir), { recursive: true });
  });

  it('saves a voice the model has, refuses one it lacks, and records and withdraws consent', async () => {
    expect((await settings(parent, 'PATCH', { narrator_voice: 'Q7' })).json().error.code).toBe('VOICE_NOT_INSTALLED');
    const saved = await settings(parent, 'PATCH', { narrator_voice: 'M1', voice_consent: true, retention_days: 30 });
    expect(saved.json().data).toMatchObject({ narrator_voice: 'M1', retention_days: 30, voice_consent_at: expect.any(String) });
    expect((await settings(other)).json().data.narrator_voice).toBeNull();
    expect((await settings(parent, 'PATCH', { retention_days: 0 })).statusCode).toBe(400);
    const del = await as(parent.accessToken).delete('/api/v1/stories/settings/voice');
    expect(del.statusCode).toBe(204);
    expect((await settings(parent)).json().data).toMatchObject({ voice_consent_at: null, voice_match: null, narrator_voice: 'M1' });
  });

  it('keeps the story defaults (age band, language, picture style) and refuses values it does not know', async () => {
    const saved = await settings(other, 'PATCH', { age_band: '3-5', language: 'ko', picture_style: 'crayon' });
    expect(saved.statusCode).toBe(200);
    expect((await settings(other)).json().data).toMatchObject({ age_band: '3-5', language: 'ko', picture_style: 'crayon' });
    for (const bad of [{ age_band: '13-15' }, { language: 'fr' }, { picture_style: 'oil' }, { picture_style: null }]) {
      const res = await settings(other, 'PATCH', bad);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    }
    expect((await settings(other)).json().data).toMatchObject({ age_band: '3-5', language: 'ko', picture_style: 'crayon' });
  });

  it('writes a story asked for without preferences with the saved defaults, and a request’s own choice wins', async () => {
    await settings(other, 'PATCH', { age_band: '3-5', language: 'ko', picture_style: 'watercolour' });
    const plain = (await postStory(t.app, other.accessToken, { user_preferences: { theme: 'space' } })).json().data;
    expect(plain.language).toBe('ko');
    const story = await settled(t.app, other.accessToken, plain.id);
    expect(story.status).toBe('completed');
    expect(story.chapters[0]!.content).toMatch(/[\uac00-\ud7a3]/u);
    const stored = t.app.db.select().from(storiesStories).where(eq(storiesStories.id, plain.id)).get()!;
    expect(stored.preferences).toMatchObject({ pictureStyle: 'watercolour', ageBand: '3-5', language: 'ko' });
    const chosen = (await postStory(t.app, other.accessToken, { user_preferences: { language: 'en', picture_style: 'crayon' } })).json()
      .data;
    expect(chosen.language).toBe('en');
    const own = t.app.db.select().from(storiesStories).where(eq(storiesStories.id, chosen.id)).get()!;
    expect(own.preferences.pictureStyle).toBe('crayon');
    await settled(t.app, other.accessToken, chosen.id);
  });

  it('deletes stories and their files once the retention period has passed, and keeps the others’', async () => {
    fs.rmSync(ttsModelsRoot(t.dataDir), { recursive: true });
    await settings(parent, 'PATCH', { retention_days: 7 });
    const mine = (await postStory(t.app, parent.accessToken, { user_preferences: { length: 'short' } })).json().data.id;
    const theirs = (await postStory(t.app, other.accessToken, { user_preferences: { length: 'short' } })).json().data.id;
    await settled(t.app, parent.accessToken, mine);
    await settled(t.app, other.accessToken, theirs);
    // A cloned voice (Chatterbox's tensors) kept today expires with the rest.
    const cloned = new ClonedVoiceStore(t.dataDir);
    const tensor = { data: new Float32Array(4), dims: [1, 4] };
    const voice = {
      audioFeatures: tensor,
      audioTokens: { data: new BigInt64Array(2), dims: [1, 2] },
      speakerEmbeddings: tensor,
      speakerFeatures: tensor,
    };
    cloned.save(parent.id, { model: 'chatterbox', at: new Date(t.clock.now()).toISOString(), voice });
    expect(await t.app.storiesRetention()).toEqual({ stories: 0, conversations: 0, voices: 0 });
    expect(cloned.load(parent.id)?.voice.audioTokens.dims).toEqual([1, 2]);
    t.clock.advance(8 * 86_400_000);
    expect(await t.app.storiesRetention()).toMatchObject({ stories: 1, voices: 1 });
    expect(cloned.load(parent.id)).toBeNull();
    // Eight days on, the tokens have expired: sign in again.
    for (const u of [parent, other]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { user_id: u.email, password: u.password } });
      u.accessToken = res.json().data.access_token;
    }
    const gone = await as(parent.accessToken).get(`/api/v1/stories/${mine}`);
    expect(gone.statusCode).toBe(404);
    expect((await getStory(t.app, other.accessToken, theirs)).status).toBe('completed');
  });

  it('exports only a finished story of one’s own', async () => {
    const id = (await postStory(t.app, other.accessToken, { user_preferences: { length: 'short' } })).json().data.id;
    const early = await as(other.accessToken).get(`/api/v1/stories/${id}/export.epub`);
    if (early.statusCode !== 200) expect(early.json().error.code).toBe('STORY_NOT_READY');
    await settled(t.app, other.accessToken, id);
    const foreign = await as(parent.accessToken).get(`/api/v1/stories/${id}/export.epub`);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.body).not.toContain('PK');
    const book = await as(other.accessToken).get(`/api/v1/stories/${id}/export.epub`);
    expect(book.statusCode).toBe(200);
    expect(book.headers['x-atelier-narration']).toMatch(/No narration voice is installed/);
    expect(book.rawPayload.toString('latin1', 30, 38)).toBe('mimetype');
  });
});
