import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../../src-server/config';
import { startServer } from '../../src-server/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatInput, ChatOutput, ChatToken } from '../../src-server/ai/pipelines/chat';
import { chatModelsRoot } from '../../src-server/families/stories/engines/slot';
import { makeTestApp, signUp, tempDataDir, type SignedIn, type TestApp } from '../helpers/app';
import { postStory, settled } from './helpers';
import { writeTinyChatModel } from './tiny-chat-model';

const OUTLINE = {
  title: '별 토끼',
  characters: ['민준', 'Bo'],
  setting: 'woods',
  chapters: [
    { title: '만남', summary: 'a' },
    { title: 'B', summary: 'b' },
    { title: 'C', summary: 'c' },
    { title: 'D', summary: 'd' },
  ],
  moral: 'kind',
};

describe('stories from an installed chat model (tiny qwen2 in the transformers.js layout)', () => {
  let t: TestApp;
  let user: SignedIn;
  const reply = JSON.stringify(OUTLINE);
  it('fits the smallest chapter budget (220 tokens, one per byte here)', () => expect(Buffer.byteLength(reply)).toBeLessThan(220));

  beforeAll(async () => {
    t = await makeTestApp();
    await writeTinyChatModel(path.join(chatModelsRoot(t.dataDir), 'tiny-qwen2'), reply);
    user = await signUp(t.app, { name: 'Parent' });
  });
  afterAll(async () => t.close());

  it('streams tokens from the worker as they are generated', async () => {
    const tokens: string[] = [];
    const input: ChatInput = {
      modelDir: path.join(chatModelsRoot(t.dataDir), 'tiny-qwen2'),
      messages: [{ role: 'user', content: '안녕' }],
      maxNewTokens: 1000,
    };
    const result = await t.app.ai.run<ChatOutput>('chat', input, {
      capability: 'text',
      onProgress: (p) => tokens.push((p as ChatToken).token),
    });
    expect(result.output).toEqual({ text: reply, modelFile: 'onnx/model_q4f16.onnx' });
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe(reply);
  });

  it('writes the outline, then one chapter per call, naming the model as the engine', async () => {
    const res = await postStory(t.app, user.accessToken, { user_preferences: { length: 'short', language: 'ko' } });
    const story = await settled(t.app, user.accessToken, res.json().data.id);
    expect(story).toMatchObject({ status: 'completed', title: OUTLINE.title });
    expect(story.engine).toMatch(/^chat model tiny-qwen2 \(transformers\.js/);
    expect(story.chapters.map((c) => c.title)).toEqual(OUTLINE.chapters.map((c) => c.title));
    // The tiny model says the same thing to every prompt; a real model writes each chapter.
    for (const c of story.chapters) expect(c.content).toBe(reply);
  });
});

describe('a chat model whose outline does not fit the schema', () => {
  it('is retried, then the story fails with OUTLINE_INVALID', async () => {
    const t = await makeTestApp();
    try {
      await writeTinyChatModel(path.join(chatModelsRoot(t.dataDir), 'rambler'), 'Once upon a time {not json');
      const user = await signUp(t.app);
      const story = await settled(t.app, user.accessToken, (await postStory(t.app, user.accessToken)).json().data.id);
      expect(story).toMatchObject({ status: 'failed', fail_code: 'OUTLINE_INVALID' });
      expect(story.fail_reason).toMatch(/3 tries/);
    } finally {
      await t.close();
    }
  });
});

describe('the conversation partner with an installed chat model', () => {
  it("streams the model's reply over the socket as ai_response_delta frames, then the whole ai_response", async () => {
    const dataDir = tempDataDir('atelier-stories-chat-ws-');
    const server = await startServer({ config: loadConfig({}, { dataDir, port: 0, logLevel: 'silent' }), logger: false });
    try {
      const said = 'Oh, a dragon! Where does it live?';
      await writeTinyChatModel(path.join(chatModelsRoot(dataDir), 'tiny-qwen2'), said);
      const user = await server.app.auth.register({ name: 'P', email: 'p@example.com', password: 'correct horse 42' });
      const token = server.app.auth.startSession(user.id).accessToken;
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/wss/v1/audio?token=${token}&child_name=Mia`);
      const frames: { type: string; text?: string; engine?: string; elements?: { hero: string | null } }[] = [];
      const done = new Promise<void>((resolve) =>
        ws.on('message', (data) => {
          const f = JSON.parse(data.toString());
          frames.push(f);
          if (f.type === 'ai_response' && f.user_text) resolve();
        }),
      );
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'start_conversation', payload: {} }));
      ws.send(JSON.stringify({ type: 'user_message', text: 'a dragon' }));
      await done;
      ws.terminate();
      const deltas = frames.filter((f) => f.type === 'ai_response_delta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((f) => f.text).join('')).toBe(said);
      const reply = frames.at(-1)!;
      expect(reply).toMatchObject({
        type: 'ai_response',
        text: said,
        engine: expect.stringMatching(/^chat model tiny-qwen2/),
        elements: { hero: 'a dragon' },
      });
    } finally {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the chat model's second safety pass", () => {
  it('refuses a chapter the model judges unsuitable, and keeps one it approves', async () => {
    for (const [verdict, status] of [
      ['No.', 'failed'],
      ['Yes', 'completed'],
    ] as const) {
      const t = await makeTestApp();
      try {
        // The built-in storyteller writes; the installed model only judges.
        t.app.storyEngines.use(t.app.storyEngines.builtin);
        await writeTinyChatModel(path.join(chatModelsRoot(t.dataDir), 'judge'), verdict);
        const user = await signUp(t.app);
        const story = await settled(
          t.app,
          user.accessToken,
          (await postStory(t.app, user.accessToken, { user_preferences: { length: 'short' } })).json().data.id,
        );
        expect(story.status).toBe(status);
        if (status === 'failed') expect(story).toMatchObject({ fail_code: 'CONTENT_FILTERED', chapters: [] });
        else expect(story.chapters).toHaveLength(4);
      } finally {
        await t.close();
      }
    }
  });
});
