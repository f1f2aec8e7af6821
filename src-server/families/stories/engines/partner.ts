import { josa } from 'es-hangul';
import type { StoryElements } from '../../../db/schema';
import { Random } from './random';
import { checkText } from './safety';
import type { Language } from './types';

export const BUILTIN_PARTNER = 'atelier-chat-partner (built-in)';

export type Slot = keyof StoryElements;
export const SLOTS: readonly Slot[] = ['hero', 'place', 'friend', 'problem'];

export interface PartnerState {
  childName: string;
  language: Language;
  interests: string[];
  elements: StoryElements;
  /** How many turns were taken; varies the wording without repeating it turn after turn. */
  turn: number;
  seed: number;
}

export interface PartnerReply {
  text: string;
  elements: StoryElements;
  /** Every element is known: the story can be written. */
  complete: boolean;
  /** The child's text was blocked by the safety filter and not used. */
  flagged: boolean;
  engine: string;
}

const QUESTIONS: Record<Language, Record<Slot, string[]>> = {
  en: {
    hero: [
      'Who should be the hero of our story?',
      'Who is our story about? A person, an animal, maybe a dragon?',
      'Tell me who our hero is!',
    ],
    place: ['Where does our story happen?', 'Where do they live? A castle, the sea, outer space?', 'What place should our story visit?'],
    friend: ['Who is their friend?', 'Every hero needs a friend. Who helps them?', 'Who comes along to help?'],
    problem: ['Uh-oh, what problem happens in our story?', 'What goes wrong one day?', 'What puzzle do they have to solve?'],
  },
  ko: {
    hero: ['우리 이야기의 주인공은 누구로 할까?', '누가 나오는 이야기면 좋겠어? 사람, 동물, 아니면 용?', '주인공이 누구인지 알려 줄래?'],
    place: ['이야기는 어디에서 일어날까?', '주인공은 어디에 살아? 성, 바다, 아니면 우주?', '어떤 곳으로 가 볼까?'],
    friend: ['주인공의 친구는 누구야?', '주인공을 도와주는 친구는 누구일까?', '누가 함께 가 줄까?'],
    problem: ['어머, 어떤 문제가 생길까?', '어느 날 무슨 일이 일어날까?', '주인공이 풀어야 할 수수께끼는 뭘까?'],
  },
};

const ACKS: Record<Language, string[]> = {
  en: ['Oh, {value}! I love that.', '{value}! What a great idea.', 'Wonderful, {value}!'],
  ko: ['와, {value}! 정말 좋다.', '{value}! 멋진 생각이야.', '좋아, {value}!'],
};

const GREETINGS: Record<Language, string[]> = {
  en: ["Hi {child}! Let's make a story together.", "Hello, {child}! I'm ready for a story. Are you?"],
  ko: ['{child_vocative}! 우리 같이 이야기를 만들어 보자.', '안녕, {child_vocative}! 재미있는 이야기를 만들어 볼까?'],
};

const DONE: Record<Language, string> = {
  en: 'Our story has {hero} in {place} with {friend}, and a problem to solve. Shall I write it now?',
  ko: '{place}에서 {hero|와/과} {friend|이/가} 문제를 해결하는 이야기야. 이제 이야기를 만들어 볼까?',
};

const REDIRECT: Record<Language, string> = {
  en: "Hmm, let's keep our story kind and cosy. ",
  ko: '음, 우리 이야기는 다정하고 포근하게 만들자. ',
};

const SUGGEST: Record<Language, string> = {
  en: 'You like {interest}. Maybe our hero loves {interest} too? ',
  ko: '{interest|을/를} 좋아하는구나. 주인공도 {interest|을/를} 좋아하면 어떨까? ',
};

/** What the child said, without the filler around the answer ("I think it's a dragon" -> "a dragon"). */
export function extractAnswer(text: string, language: Language): string {
  let t = text.trim().replace(/\s+/g, ' ');
  if (language === 'en') {
    t = t.replace(/^(um+|uh+|hmm+|well|ok(ay)?|so|maybe|yes|yeah)[,!.]?\s+/i, '');
    t = t.replace(
      /^(i think|i want|i'd like|let's have|let it be|how about|it should be|it's|it is|they are|there is|there's|in|at|on|a story about|about)\s+/i,
      '',
    );
    t = t.replace(/^(it's|it is|to be)\s+/i, '');
  } else {
    t = t.replace(/^(음+|어+|그러니까|글쎄)[,.]?\s*/u, '');
    // Only endings that never belong to the word: "곰이야" keeps "곰이", as "고양이야" must keep "고양이".
    t = t
      .replace(/[.!?~]+$/u, '')
      .replace(/\s*(해줘|해 줘|었으면 좋겠어요|었으면 좋겠어|였으면 좋겠어요|였으면 좋겠어|에요|예요|입니다|야|요)$/u, '');
  }
  t = t.replace(/[.!?~]+$/u, '').trim();
  return t.slice(0, 80);
}

const fill = (template: string, vars: Record<string, string>) =>
  template.replace(/\{(\w+)(?:\|([^}]+))?\}/g, (_m, name: string, particle?: string) =>
    particle ? josa(vars[name]!, particle as Parameters<typeof josa>[1]) : vars[name]!,
  );

/**
 * The built-in conversational partner: asks the child, in turn, for the hero, the place, a friend
 * and a problem, and remembers the answers as the story's elements.
 */
export class BuiltinPartner {
  readonly name = BUILTIN_PARTNER;

  private nextSlot(elements: StoryElements): Slot | null {
    return SLOTS.find((s) => elements[s] === null) ?? null;
  }

  private question(state: PartnerState, rng: Random): string {
    const slot = this.nextSlot(state.elements);
    if (slot === null) return this.summary(state);
    return rng.pick(QUESTIONS[state.language][slot]);
  }

  private summary(state: PartnerState): string {
    const e = state.elements;
    return fill(DONE[state.language], { hero: e.hero ?? '', place: e.place ?? '', friend: e.friend ?? '' });
  }

  greet(state: PartnerState): PartnerReply {
    const rng = new Random(state.seed);
    const vars = { child: state.childName, child_vocative: josa(state.childName, '아/야') };
    let text = fill(rng.pick(GREETINGS[state.language]), vars) + ' ';
    const interest = state.interests.find((i) => checkText(i).ok);
    if (interest && state.elements.hero === null) text += fill(SUGGEST[state.language], { interest });
    text += this.question(state, rng);
    return { text, elements: state.elements, complete: this.nextSlot(state.elements) === null, flagged: false, engine: this.name };
  }

  reply(state: PartnerState, childText: string): PartnerReply {
    const rng = new Random((state.seed + Math.imul(state.turn + 1, 0x85ebca6b)) >>> 0);
    if (!checkText(childText).ok) {
      return {
        text: REDIRECT[state.language] + this.question(state, rng),
        elements: state.elements,
        complete: false,
        flagged: true,
        engine: this.name,
      };
    }
    const slot = this.nextSlot(state.elements);
    if (slot === null) return { text: this.summary(state), elements: state.elements, complete: true, flagged: false, engine: this.name };
    const answer = extractAnswer(childText, state.language);
    if (answer === '')
      return { text: this.question(state, rng), elements: state.elements, complete: false, flagged: false, engine: this.name };
    const elements = { ...state.elements, [slot]: answer };
    const next = { ...state, elements };
    // Rotated rather than drawn, so two answers in a row never get the same words.
    const acks = ACKS[state.language];
    const ack = fill(acks[(state.seed + state.turn) % acks.length]!, { value: answer });
    const complete = this.nextSlot(elements) === null;
    return {
      text: `${ack} ${complete ? this.summary(next) : this.question(next, rng)}`,
      elements,
      complete,
      flagged: false,
      engine: this.name,
    };
  }
}
