import type { StoryElements } from '../../../db/schema';

export type Language = 'ko' | 'en';
export type AgeBand = '3-5' | '6-8' | '9-12';
export type StoryLength = 'short' | 'medium' | 'long';

/** Everything an engine needs to write one story. */
export interface StoryBrief {
  childName: string;
  age: number | null;
  band: AgeBand;
  language: Language;
  /** The conversation's answers; an engine fills the gaps with its own gentle defaults. */
  elements: StoryElements;
  theme: string | null;
  interests: string[];
  chapterCount: number;
  seed: number;
}

export type Beat = 'setup' | 'problem' | 'journey' | 'resolution';

export interface OutlineChapter {
  title: string;
  beat: Beat;
  /** Engine-specific: which scene of the beat (the built-in writer's template). */
  scene: string;
}

/** Step one of writing: the plan every chapter call follows. */
export interface StoryOutline {
  title: string;
  characters: string[];
  setting: string;
  chapters: OutlineChapter[];
  moral: string;
}

export interface WrittenChapter {
  title: string;
  content: string;
}

/** A story writer: an outline first, then one chapter per call, in order. */
export interface StoryEngine {
  /** Shown with every result, e.g. "atelier-storyteller (built-in templates, seed 42)". */
  readonly name: string;
  outline(brief: StoryBrief, signal: AbortSignal): Promise<StoryOutline>;
  chapter(brief: StoryBrief, outline: StoryOutline, index: number, signal: AbortSignal): Promise<WrittenChapter>;
}

export function ageBand(age: number | null): AgeBand {
  if (age === null) return '6-8';
  if (age <= 5) return '3-5';
  if (age <= 8) return '6-8';
  return '9-12';
}

/** short: one chapter per beat; each step longer adds a scene to the journey. */
export const CHAPTERS_BY_LENGTH: Record<StoryLength, number> = { short: 4, medium: 5, long: 6 };

export const HANGUL = /[\u3131-\u318e\uac00-\ud7a3]/u;

export function detectLanguage(...texts: (string | null | undefined)[]): Language {
  return texts.some((t) => t && HANGUL.test(t)) ? 'ko' : 'en';
}
