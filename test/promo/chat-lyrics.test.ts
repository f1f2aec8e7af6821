import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { writeTinyChatModel } from '../stories/tiny-chat-model';
import { installedChatModel } from '../../src-server/ai/pipelines/chat';
import { askPool, lineProblem, writeLyricsWithModel } from '../../src-server/families/promo/lyrics/chat-lyrics';
import { TEMPLATE_ENGINE, writeLyrics } from '../../src-server/families/promo/lyrics/writer';
import type { ChatMessage } from '../../src-server/ai/pipelines/chat';
import { blueMoon } from './helpers';

const facts = blueMoon;
const seeded = () => writeLyrics(facts, { language: 'ko', form: 'short', seed: 5, mood: null });

/** A scripted model: one reply per call, and what it was asked. */
function script(...replies: string[]) {
  const asked: ChatMessage[][] = [];
  return { asked, ask: async (m: ChatMessage[]) => (asked.push(m), replies.shift() ?? 'no more') };
}

describe('lyrics from a chat model, checked by code', () => {
  it('keeps lines that fit their notes and sing the name; the outro keeps the real phone number', async () => {
    const base = seeded();
    const model = script(JSON.stringify({ lines: ['블루문 커피향', '모두 함께 블루문'] }));
    const sheet = await writeLyricsWithModel(facts, base, model.ask, 'tiny');
    expect(sheet.engine).toBe('chat model tiny (transformers.js, on this machine)');
    expect(sheet.lines.map((l) => l.text)).toEqual(['블루문 커피향', '모두 함께 블루문', base.lines[2]!.text]);
    expect(sheet.lines[2]!.text).toContain('공이 일이삼사 오육칠팔');
    // Same notes as the seeded sheet, so the song's shape does not change.
    expect(sheet.lines.map((l) => l.syllables.length)).toEqual(base.lines.map((l) => l.syllables.length));
    expect(model.asked[0]![1]!.content).toMatch(/exactly 6 syllables, must contain "블루문"/);
  });

  it('asks again only for the lines that failed, then falls back line by line', async () => {
    const base = seeded();
    const model = script(
      // The chorus has a price in it and the intro is too long.
      JSON.stringify({ lines: ['블루문 커피 향기 가득한 오후에', '블루문 라떼 3000원'] }),
      JSON.stringify({ lines: ['블루문 커피향', '블루문 라떼 천원'] }),
    );
    const sheet = await writeLyricsWithModel(facts, base, model.ask, 'tiny');
    expect(model.asked).toHaveLength(2);
    expect(sheet.lines[0]!.text).toBe('블루문 커피향');
    // Still a price after the retry: the seeded chorus stays.
    expect(sheet.lines[1]!.text).toBe(base.lines[1]!.text);
    expect(lineProblem('블루문 라떼 3000원', base.lines[1]!, '블루문')).toMatch(/numbers or prices/);
    expect(lineProblem('블루문 라떼 천원', base.lines[1]!, '블루문')).toMatch(/numbers or prices/);
    expect(lineProblem('모두 함께 노래해', base.lines[1]!, '블루문')).toMatch(/does not sing "블루문"/);
  });

  it('names the seeded writer when the model gave nothing usable', async () => {
    const sheet = await writeLyricsWithModel(facts, seeded(), script('I cannot help with that', '{"lines": 3}').ask, 'tiny');
    expect(sheet).toEqual(seeded());
    expect(sheet.engine).toBe(TEMPLATE_ENGINE);
  });
});

describe('through the AI worker with an installed chat model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => t.close());

  it('finds the model in models/chat and runs it with the chat task the stories use', async () => {
    expect(installedChatModel(t.dataDir)).toBeNull();
    const dir = path.join(t.dataDir, 'models', 'chat', 'tiny-qwen2');
    await writeTinyChatModel(dir, JSON.stringify({ lines: ['블루문 커피향', '모두 함께 블루문'] }));
    expect(installedChatModel(t.dataDir)).toBe(dir);
    const sheet = await writeLyricsWithModel(facts, seeded(), askPool(t.app.ai, dir, AbortSignal.timeout(60_000)), 'tiny-qwen2');
    expect(sheet.engine).toMatch(/^chat model tiny-qwen2/);
    expect(sheet.lines[1]!.text).toBe('모두 함께 블루문');
  });
});
