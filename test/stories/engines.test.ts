import { describe, expect, it } from 'vitest';
import { BuiltinPartner, extractAnswer, type PartnerState } from '../../src-server/families/stories/engines/partner';
import { BuiltinStoryWriter } from '../../src-server/families/stories/engines/builtin-writer';
import { checkText, mask, rewriteUnsafe } from '../../src-server/families/stories/engines/safety';
import { ageBand, type Language, type StoryBrief, type StoryEngine } from '../../src-server/families/stories/engines/types';

const partner = new BuiltinPartner();
const writer: StoryEngine = new BuiltinStoryWriter();
const signal = new AbortController().signal;

function talk(childName: string, language: Language, answers: string[], seed = 7) {
  let state: PartnerState = {
    childName,
    language,
    interests: [],
    elements: { hero: null, place: null, friend: null, problem: null },
    turn: 0,
    seed,
  };
  const replies = [partner.greet(state).text];
  for (const answer of answers) {
    const reply = partner.reply(state, answer);
    replies.push(reply.text);
    state = { ...state, elements: reply.elements, turn: state.turn + 1 };
  }
  return { state, replies };
}

async function write(brief: StoryBrief) {
  const outline = await writer.outline(brief, signal);
  const chapters = [];
  for (let i = 0; i < outline.chapters.length; i++) chapters.push(await writer.chapter(brief, outline, i, signal));
  return { outline, chapters };
}

const brief = (state: PartnerState, over: Partial<StoryBrief> = {}): StoryBrief => ({
  childName: state.childName,
  age: 6,
  band: '6-8',
  language: state.language,
  elements: state.elements,
  theme: null,
  interests: [],
  chapterCount: 5,
  seed: 42,
  ...over,
});

describe('built-in partner and storyteller', () => {
  it('turns a three-turn English conversation into a story that names the child and keeps its characters in every chapter', async () => {
    const { state, replies } = talk('Mia', 'en', ['I think a brave rabbit', 'in the snowy mountains', 'a wise turtle']);
    expect(replies[0]).toMatch(/Mia/);
    expect(replies[0]).toMatch(/hero/i);
    expect(replies[1]).toMatch(/brave rabbit/);
    expect(state.elements).toEqual({ hero: 'a brave rabbit', place: 'the snowy mountains', friend: 'a wise turtle', problem: null });
    const { outline, chapters } = await write(brief(state));
    expect(outline.characters).toEqual(['Mia', 'the brave rabbit', 'the wise turtle']);
    expect(chapters.map((c) => c.title)).toEqual(outline.chapters.map((c) => c.title));
    expect(outline.chapters.map((c) => c.beat)).toEqual(['setup', 'problem', 'journey', 'journey', 'resolution']);
    for (const c of chapters) {
      expect(c.content).toContain('Mia');
      expect(c.content.toLowerCase()).toContain('brave rabbit');
    }
    expect(chapters.slice(2).some((c) => c.content.includes('wise turtle'))).toBe(true);
    expect(chapters[0]!.content).toContain('snowy mountains');
  });

  it('writes the same in Korean, with the particles each name takes', async () => {
    const { state } = talk('민준', 'ko', ['용감한 토끼요', '바닷가야', '거북이'], 3);
    expect(state.elements).toMatchObject({ hero: '용감한 토끼', place: '바닷가', friend: '거북이' });
    const { chapters } = await write(brief(state, { seed: 9 }));
    for (const c of chapters) {
      expect(c.content).toContain('민준');
      expect(c.content).toContain('토끼');
    }
    const all = chapters.map((c) => c.content).join(' ');
    expect(all).toContain('거북이');
    expect(all).not.toMatch(/\{|\}|이\/가|은\/는/);
    expect(all).not.toMatch(/토끼이|토끼은|민준가|민준는/);
  });

  it('varies with the seed, repeats with it, and sets length and words by age band', async () => {
    const { state } = talk('Leo', 'en', ['a dragon', 'a castle', 'a cat', 'the moon fell into the lake']);
    const a = await write(brief(state, { seed: 1 }));
    const again = await write(brief(state, { seed: 1 }));
    expect(again).toEqual(a);
    const texts = new Set<string>();
    for (let seed = 1; seed <= 6; seed++) texts.add(JSON.stringify((await write(brief(state, { seed }))).chapters));
    expect(texts.size).toBeGreaterThanOrEqual(4);
    const words = async (band: StoryBrief['band']) =>
      (await write(brief(state, { band, seed: 5 }))).chapters
        .map((c) => c.content)
        .join(' ')
        .split(/\s+/).length;
    expect(await words('3-5')).toBeLessThan(await words('6-8'));
    expect(await words('6-8')).toBeLessThan(await words('9-12'));
    expect(ageBand(4)).toBe('3-5');
    expect(ageBand(11)).toBe('9-12');
    expect(a.chapters.map((c) => c.content).join(' ')).toContain('The moon fell into the lake!');
    expect((await write(brief(state, { chapterCount: 4 }))).chapters).toHaveLength(4);
    expect((await write(brief(state, { chapterCount: 6 }))).chapters).toHaveLength(6);
  });

  it('ends every story calmly', async () => {
    for (const language of ['en', 'ko'] as const) {
      const { state } = talk(language === 'en' ? 'Ava' : '서연', language, []);
      const { chapters } = await write(brief(state, { language }));
      expect(chapters.at(-1)!.content).toMatch(language === 'en' ? /(asleep|bed)[^.]*\.$/ : /(꿈을 꾸었어요|잠이 들었어요)\.$/);
    }
  });
});

describe('safety filter', () => {
  it('catches a seeded bad word in English and in Korean, and not its innocent neighbours', () => {
    expect(checkText('the dragon wanted to kill the knight')).toEqual({ ok: false, hits: ['kill'] });
    expect(checkText('토끼가 친구를 죽여 버렸어')).toMatchObject({ ok: false, hits: ['죽여'] });
    expect(checkText('너 바보야').ok).toBe(false);
    expect(checkText('Hello! Shell, skill and a dieter are fine.').ok).toBe(true);
    expect(checkText('피자를 먹고 죽을 끓였어요').ok).toBe(true);
    expect(mask('you are stupid')).toBe('you are ******');
  });

  it('keeps the flagged input away from the story and gently asks again', () => {
    const { state, replies } = talk('Mia', 'en', ['a bloody monster with a gun']);
    expect(state.elements.hero).toBeNull();
    expect(replies[1]).toMatch(/kind and cosy/);
    expect(replies[1]).not.toMatch(/gun|bloody/);
  });

  it('rewrites a flagged sentence in the output and refuses text that is mostly unsafe', () => {
    const calm = 'Everyone smiled.';
    expect(rewriteUnsafe('The fox ran. The fox wanted to kill a bird. They went home.', calm)).toEqual({
      text: 'The fox ran. Everyone smiled. They went home.',
      rewritten: 1,
    });
    expect(rewriteUnsafe('Kill it. Blood everywhere. The end.', calm)).toBeNull();
  });

  it('pulls the answer out of what the child said', () => {
    expect(extractAnswer('Um, I think a purple dragon!', 'en')).toBe('a purple dragon');
    expect(extractAnswer('우주였으면 좋겠어요', 'ko')).toBe('우주');
    expect(extractAnswer('고양이야!', 'ko')).toBe('고양이');
  });
});
