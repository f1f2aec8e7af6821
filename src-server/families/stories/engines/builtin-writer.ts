import { josa } from 'es-hangul';
import { Random } from './random';
import { rewriteUnsafe } from './safety';
import { ADJECTIVES, CALM_ENDINGS, CALM_SENTENCE, DEFAULTS, EXTRA_SENTENCES, MORALS, SCENES, TITLES, type Scene } from './templates';
import type { Beat, Language, OutlineChapter, StoryBrief, StoryEngine, StoryOutline, WrittenChapter } from './types';

export const BUILTIN_WRITER = 'atelier-storyteller';

type JosaOption = Parameters<typeof josa>[1];
type Vars = Record<string, string>;

const capitalise = (s: string) => (s ? s[0]!.toLocaleUpperCase('en') + s.slice(1) : s);
const SMALL_WORDS = new Set(['a', 'an', 'and', 'the', 'of', 'in', 'on', 'at', 'to', 'with']);
const titleCase = (s: string) =>
  s.replace(
    /(^|\s)(\p{L}+)/gu,
    (_m, space: string, word: string) => space + (space && SMALL_WORDS.has(word.toLowerCase()) ? word.toLowerCase() : capitalise(word)),
  );

/** "a brave rabbit" -> "the brave rabbit" (known from now on); names and "the ..." stay as they are. */
function definite(phrase: string): string {
  if (/^\p{Lu}/u.test(phrase) || /^the\s/i.test(phrase)) return phrase;
  return 'the ' + phrase.replace(/^(a|an)\s+/i, '');
}

function endSentence(text: string): string {
  return /[.!?。…~]$/u.test(text) ? text : text + (HANGUL_END.test(text) ? '.' : '!');
}
const HANGUL_END = /[\uac00-\ud7a3]$/u;

/** Fills `{name}`, `{Name}` and `{name|이/가}` from `vars`. */
export function fill(template: string, vars: Vars): string {
  return template.replace(/\{(\w+)(?:\|([^}]+))?\}/g, (_m, name: string, particle?: string) => {
    const key = name.toLowerCase();
    const value = vars[key];
    if (value === undefined) throw new Error(`template names an unknown element {${name}}`);
    if (particle) return josa(value, particle as JosaOption);
    return name[0] === name[0]!.toUpperCase() ? capitalise(value) : value;
  });
}

/** The built-in engine: a story from templates, with the child's answers as its characters. Seeded, so a re-run writes the same story. */
export class BuiltinStoryWriter implements StoryEngine {
  get name(): string {
    return `${BUILTIN_WRITER} (built-in templates)`;
  }

  private vars(brief: StoryBrief, moral: string): Vars {
    const d = DEFAULTS[brief.language];
    const e = brief.elements;
    const en = brief.language === 'en';
    return {
      child: brief.childName,
      hero: en ? definite(e.hero ?? d.hero) : (e.hero ?? d.hero),
      place: e.place ?? d.place,
      friend: en ? definite(e.friend ?? d.friend) : (e.friend ?? d.friend),
      problem: endSentence(e.problem ?? d.problem),
      moral,
      adj: '',
    };
  }

  async outline(brief: StoryBrief): Promise<StoryOutline> {
    const rng = new Random(brief.seed);
    const book = SCENES[brief.language];
    const journeys = Math.max(1, brief.chapterCount - 3);
    const journeyScenes = rng.sample(
      book.journey.filter((s) => s.id !== 'friend'),
      journeys - 1,
    );
    // The friend joins on the first leg of the journey, so later scenes can count on them.
    const plan: [Beat, Scene][] = [
      ['setup', rng.pick(book.setup)],
      ['problem', rng.pick(book.problem)],
      ['journey', book.journey.find((s) => s.id === 'friend')!],
      ...journeyScenes.map((s): [Beat, Scene] => ['journey', s]),
      ['resolution', rng.pick(book.resolution)],
    ];
    const moral = rng.pick(MORALS[brief.language]);
    const vars = this.vars(brief, moral);
    const title = fill(rng.pick(TITLES[brief.language]), vars);
    const chapters: OutlineChapter[] = plan.map(([beat, scene]) => ({ beat, scene: scene.id, title: rng.pick(scene.titles) }));
    return {
      title: brief.language === 'en' ? titleCase(title) : title,
      characters: [vars.child!, vars.hero!, vars.friend!],
      setting: vars.place!,
      chapters,
      moral,
    };
  }

  async chapter(brief: StoryBrief, outline: StoryOutline, index: number): Promise<WrittenChapter> {
    const planned = outline.chapters[index];
    if (!planned) throw new RangeError(`chapter ${index} is not in the outline`);
    const scene = SCENES[brief.language][planned.beat].find((s) => s.id === planned.scene);
    if (!scene) throw new Error(`unknown scene ${planned.beat}/${planned.scene}`);
    // One generator per chapter, so a chapter reads the same whichever chapters ran before it.
    const rng = new Random((brief.seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const vars = this.vars(brief, outline.moral);
    const sentences = [...scene.core, ...scene.extra.slice(0, EXTRA_SENTENCES[brief.band])].map((t) =>
      fill(t, { ...vars, adj: rng.pick(ADJECTIVES[brief.language][brief.band]) }),
    );
    if (index === outline.chapters.length - 1) sentences.push(fill(rng.pick(CALM_ENDINGS[brief.language]), vars));
    const content = sentences.map((s) => capitalise(s)).join(' ');
    return { title: planned.title, content };
  }
}

/** The output check on a chapter: a flagged sentence is replaced by a calm one; too many refuse the text. */
export function calm(text: string, language: Language): string {
  const checked = rewriteUnsafe(text, CALM_SENTENCE[language]);
  if (!checked) throw new UnsafeOutputError();
  return checked.text;
}

export class UnsafeOutputError extends Error {
  constructor() {
    super('The written text did not pass the safety check');
    this.name = 'UnsafeOutputError';
  }
}
