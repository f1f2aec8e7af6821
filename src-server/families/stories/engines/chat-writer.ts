import path from 'node:path';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { AiPool } from '../../../ai/pool';
import type { ChatInput, ChatMessage, ChatOutput } from '../../../ai/pipelines/chat';
import { storiesErrors } from '../errors';
import type { AgeBand, Beat, StoryBrief, StoryEngine, StoryOutline, WrittenChapter } from './types';

/** How many times the model may try to give an outline that fits the schema. */
export const OUTLINE_TRIES = 3;

const OutlineJson = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200 }),
  characters: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 10 }),
  setting: Type.String({ minLength: 1, maxLength: 300 }),
  chapters: Type.Array(
    Type.Object({ title: Type.String({ minLength: 1, maxLength: 200 }), summary: Type.String({ minLength: 1, maxLength: 1000 }) }),
    { minItems: 1, maxItems: 12 },
  ),
  moral: Type.String({ minLength: 1, maxLength: 300 }),
});

const BAND_STYLE: Record<AgeBand, { sentences: string; words: string; tokens: number }> = {
  '3-5': { sentences: '3 to 4 short sentences', words: 'very simple words a 4-year-old knows', tokens: 220 },
  '6-8': { sentences: '5 to 7 sentences', words: 'simple, lively words for a 7-year-old', tokens: 380 },
  '9-12': { sentences: '8 to 10 sentences', words: 'rich but clear words for a 10-year-old', tokens: 560 },
};

/** The JSON object in a reply, also when the model wrapped it in prose or a code fence. */
function jsonIn(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return null;
  }
}

function beatOf(index: number, count: number): Beat {
  if (index === 0) return 'setup';
  if (index === 1) return 'problem';
  return index === count - 1 ? 'resolution' : 'journey';
}

/**
 * A story written by an installed chat model, in two steps: a JSON outline checked against a
 * schema (retried, warmer, when it does not fit), then one chapter per call.
 */
export class ChatModelWriter implements StoryEngine {
  constructor(
    private readonly pool: AiPool,
    private readonly modelDir: string,
  ) {}

  get name(): string {
    return `chat model ${path.basename(this.modelDir)} (transformers.js, on this machine)`;
  }

  private system(brief: StoryBrief): ChatMessage {
    const language = brief.language === 'ko' ? 'Korean (한국어, 해요체)' : 'English';
    return {
      role: 'system',
      content:
        `You write gentle, kind bedtime stories for children aged ${brief.band}. Write in ${language}. ` +
        'No violence, fear, rude words or sad endings; every story ends calmly and safely.',
    };
  }

  private async ask(messages: ChatMessage[], maxNewTokens: number, temperature: number, signal: AbortSignal): Promise<string> {
    const input: ChatInput = { modelDir: this.modelDir, messages, maxNewTokens, temperature };
    const result = await this.pool.run<ChatOutput>('chat', input, { capability: 'text', signal });
    return result.output.text.trim();
  }

  async outline(brief: StoryBrief, signal: AbortSignal): Promise<StoryOutline> {
    const e = brief.elements;
    const facts = [
      `The child listening is ${brief.childName}${brief.age ? `, age ${brief.age}` : ''}; make ${brief.childName} part of the story.`,
      e.hero && `Hero: ${e.hero}.`,
      e.place && `Place: ${e.place}.`,
      e.friend && `Friend: ${e.friend}.`,
      e.problem && `Problem: ${e.problem}.`,
      brief.theme && `Theme: ${brief.theme}.`,
      brief.interests.length > 0 && `The child likes: ${brief.interests.join(', ')}.`,
    ].filter(Boolean);
    const ask: ChatMessage = {
      role: 'user',
      content:
        `${facts.join(' ')}\nPlan a story of exactly ${brief.chapterCount} chapters: a setup, a problem, a journey and a calm resolution. ` +
        'Reply with one JSON object only: {"title": string, "characters": [string], "setting": string, ' +
        `"chapters": [{"title": string, "summary": string}] (exactly ${brief.chapterCount}), "moral": string}.`,
    };
    for (let attempt = 0; attempt < OUTLINE_TRIES; attempt++) {
      const reply = await this.ask([this.system(brief), ask], 600, attempt === 0 ? 0 : 0.7, signal);
      const json = jsonIn(reply);
      if (!Value.Check(OutlineJson, json) || json.chapters.length !== brief.chapterCount) continue;
      return {
        title: json.title,
        characters: json.characters,
        setting: json.setting,
        moral: json.moral,
        chapters: json.chapters.map((c, i) => ({ title: c.title, beat: beatOf(i, brief.chapterCount), scene: c.summary })),
      };
    }
    throw storiesErrors.error('OUTLINE_INVALID', `The chat model did not give an outline that fits the schema in ${OUTLINE_TRIES} tries`);
  }

  async chapter(brief: StoryBrief, outline: StoryOutline, index: number, signal: AbortSignal): Promise<WrittenChapter> {
    const planned = outline.chapters[index]!;
    const style = BAND_STYLE[brief.band];
    const last = index === outline.chapters.length - 1;
    const ask: ChatMessage = {
      role: 'user',
      content:
        `Story "${outline.title}", set in ${outline.setting}, with ${outline.characters.join(', ')}. ` +
        `Plan: ${outline.chapters.map((c, i) => `${i + 1}. ${c.title}: ${c.scene}`).join(' ')}\n` +
        `Write chapter ${index + 1}, "${planned.title}": ${planned.scene} Use ${style.sentences} and ${style.words}. ` +
        `Keep the same characters and names.${last ? ` End calmly, ready for sleep; the lesson is: ${outline.moral}.` : ''} Reply with the chapter text only.`,
    };
    const content = await this.ask([this.system(brief), ask], style.tokens, 0, signal);
    if (content === '') throw storiesErrors.error('STORY_ENGINE_FAILED', `The chat model wrote nothing for chapter ${index + 1}`);
    return { title: planned.title, content };
  }
}

/**
 * The chat model's second look at a text that passed the blocklist: asked whether it suits a young
 * child, a reply starting with "no" (or "아니") refuses it. Anything else, including a model that
 * does not answer the question, lets the blocklist's verdict stand.
 */
export async function chatModelApproves(pool: AiPool, modelDir: string, text: string, signal: AbortSignal): Promise<boolean> {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You check bedtime stories for young children. Answer with one word: yes or no.' },
    { role: 'user', content: `Is this text kind, calm and suitable for a five-year-old?\n\n${text}` },
  ];
  const result = await pool.run<ChatOutput>('chat', { modelDir, messages, maxNewTokens: 3, temperature: 0 } satisfies ChatInput, {
    capability: 'text',
    signal,
  });
  return !/^\s*(no\b|아니)/i.test(result.output.text);
}
